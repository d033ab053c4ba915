// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"
#include "storage/schema.h"
#include "storage/workspace.h"
#include "util/ids.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace assay::core;

class TestWorkspace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void createAndReopen();
};

void TestWorkspace::createAndReopen()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("a.assay")).toStdString();
    auto db = Workspace::create(path);
    QVERIFY2(db.ok(), db.ok() ? "" : db.error().describe().c_str());
    QCOMPARE(*db->queryInt("PRAGMA user_version"), static_cast<std::int64_t>(schema::latestVersion()));
    QCOMPARE(*db->queryText("PRAGMA journal_mode"), std::string("wal"));
    QCOMPARE(*db->queryInt("PRAGMA foreign_keys"), std::int64_t(1));
    const std::string id = Workspace::workspaceId(*db);
    QVERIFY(isUuid(id));
}

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
