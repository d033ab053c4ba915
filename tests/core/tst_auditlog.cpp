// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"
#include "storage/datasetrepository.h"
#include "storagetest.h"

using namespace assay::core;
using namespace assay::test;

class TestAuditLog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void appendChainsAndVerifies();
    void listFilters();
    void triggersRefuseEdits();
    void tamperIsNamed_data();
    void tamperIsNamed();
    void rehashedEditIsCaughtByTheNextEvent();
    void rolledBackChangeLeavesNoEvent();
};

namespace {
void appendFive(Db& db)
{
    AuditLog log(db);
    for (int i = 1; i <= 5; ++i)
        QVERIFY(log.append("tester", "thing.change", "thing", "t" + std::to_string(i % 2),
                       "{\"n\":" + std::to_string(i) + "}")
                    .ok());
}
} // namespace

void TestAuditLog::appendChainsAndVerifies()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    AuditLog log(db);
    ASSAY_VERIFY_OK(log.verify()); // an empty trail is intact
    appendFive(db);
    auto events = log.list();
    ASSAY_VERIFY_OK(events);
    QCOMPARE(events->size(), std::size_t(5));
    QCOMPARE(events->front().prevHash, std::string(AuditLog::kGenesis));
    for (std::size_t i = 0; i < events->size(); ++i) {
        const AuditEvent& e = events->at(i);
        QVERIFY(isUuid(e.id));
        QCOMPARE(e.hash, AuditLog::chainHash(e));
        if (i > 0)
            QCOMPARE(e.prevHash, events->at(i - 1).hash);
    }
    ASSAY_VERIFY_OK(log.verify());
}

void TestAuditLog::listFilters()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    appendFive(db);
    AuditLog log(db);
    QCOMPARE(log.list("thing", "t1")->size(), std::size_t(3));
    QCOMPARE(log.list("thing", "t0")->size(), std::size_t(2));
    QCOMPARE(log.list("other")->size(), std::size_t(0));
    QCOMPARE(log.list({}, {}, 2)->size(), std::size_t(2));
}

void TestAuditLog::triggersRefuseEdits()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    appendFive(db);
    auto up = db.exec("UPDATE audit_event SET payload = '{}' WHERE seq = 2");
    QVERIFY(!up.ok());
    QVERIFY(up.error().detail.find("append-only") != std::string::npos);
    QVERIFY(!db.exec("DELETE FROM audit_event WHERE seq = 2").ok());
    AuditLog log(db);
    ASSAY_VERIFY_OK(log.verify());
}

void TestAuditLog::tamperIsNamed_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<int>("brokenSeq");
    QTest::addColumn<QString>("reason");
    QTest::newRow("payload edited") << QStringLiteral("UPDATE audit_event SET payload = '{\"n\":99}' WHERE seq = 3")
                                    << 3 << QStringLiteral("content was changed");
    QTest::newRow("actor edited") << QStringLiteral("UPDATE audit_event SET actor = 'mallory' WHERE seq = 1") << 1
                                  << QStringLiteral("content was changed");
    QTest::newRow("time edited") << QStringLiteral("UPDATE audit_event SET at = at + 1 WHERE seq = 5") << 5
                                 << QStringLiteral("content was changed");
    QTest::newRow("middle deleted") << QStringLiteral("DELETE FROM audit_event WHERE seq = 2") << 3
                                    << QStringLiteral("removed or changed");
    QTest::newRow("first deleted") << QStringLiteral("DELETE FROM audit_event WHERE seq = 1") << 2
                                   << QStringLiteral("removed or changed");
    QTest::newRow("hash replaced") << QStringLiteral("UPDATE audit_event SET hash = 'f00d' WHERE seq = 4") << 4
                                   << QStringLiteral("content was changed");
    QTest::newRow("forged tail") << QStringLiteral(
        "INSERT INTO audit_event(id, at, action, prev_hash, hash) VALUES ('forged', 1, 'x', 'abc', 'def')")
                                 << 6 << QStringLiteral("removed or changed");
}

void TestAuditLog::tamperIsNamed()
{
    QFETCH(QString, sql);
    QFETCH(int, brokenSeq);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "audit.assay");
    Db db = newWorkspace(dir, "audit.assay");
    appendFive(db);
    AuditLog log(db);
    auto events = log.list();
    // An attacker with the file can drop the triggers; the chain still gives the edit away.
    ASSAY_VERIFY_OK(db.exec("DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete;"));
    ASSAY_VERIFY_OK(db.exec(sql.toStdString()));
    auto verdict = log.verify();
    ASSAY_VERIFY_ERROR(verdict, ErrorCode::Corrupt);
    const std::string& msg = verdict.error().message;
    QVERIFY2(msg.find("event " + std::to_string(brokenSeq) + " ") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find(reason.toStdString()) != std::string::npos, msg.c_str());
    if (brokenSeq <= 5) // the message names the event's id too
        QVERIFY2(msg.find(events->at(std::size_t(brokenSeq - 1)).id) != std::string::npos, msg.c_str());

    db = Db();
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY(!report->auditChainOk);
    QVERIFY(!report->healthy());
    QCOMPARE(report->auditChainProblem, msg);
}

void TestAuditLog::rehashedEditIsCaughtByTheNextEvent()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    appendFive(db);
    AuditLog log(db);
    AuditEvent e = log.list()->at(2); // seq 3
    e.payload = "{\"n\":-1}";
    const std::string rehashed = AuditLog::chainHash(e);
    ASSAY_VERIFY_OK(db.exec("DROP TRIGGER audit_event_no_update"));
    auto up = db.prepare("UPDATE audit_event SET payload = ?1, hash = ?2 WHERE seq = 3");
    up->bind(1, e.payload).bind(2, rehashed);
    ASSAY_VERIFY_OK(up->run());
    auto verdict = log.verify();
    ASSAY_VERIFY_ERROR(verdict, ErrorCode::Corrupt);
    QVERIFY2(verdict.error().message.find("event 4 ") != std::string::npos, verdict.error().message.c_str());
}

void TestAuditLog::rolledBackChangeLeavesNoEvent()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    {
        Transaction tx(db);
        AuditLog log(db);
        ASSAY_VERIFY_OK(log.append("a", "dataset.create", "dataset", "x"));
        // no commit: the event goes with the change it recorded
    }
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), std::int64_t(0));
    DatasetRepository repo(db);
    ASSAY_VERIFY_OK(repo.create("d"));
    ASSAY_VERIFY_ERROR(repo.create("d"), ErrorCode::Conflict);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), std::int64_t(1));
    AuditLog log(db);
    ASSAY_VERIFY_OK(log.verify());
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
