// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the storage tests: a fresh workspace in a temp dir, fixture rows the repositories under test
// do not own (prompt versions belong to the catalog), and assertion macros for Result<T>.

#include "storage/db.h"
#include "storage/workspace.h"
#include "util/ids.h"

#include <QTemporaryDir>
#include <QtTest>

#include <string>

#define ASSAY_VERIFY_OK(expr)                                                                                          \
    do {                                                                                                               \
        const auto& assay_r_ = (expr);                                                                                 \
        QVERIFY2(assay_r_.ok(), assay_r_.ok() ? "" : assay_r_.error().describe().c_str());                             \
    } while (false)

#define ASSAY_VERIFY_ERROR(expr, errorCode)                                                                            \
    do {                                                                                                               \
        const auto& assay_r_ = (expr);                                                                                 \
        QVERIFY2(!assay_r_.ok(), "expected an error, got success");                                                    \
        QCOMPARE(int(assay_r_.error().code), int(errorCode));                                                          \
    } while (false)

namespace assay::test {

inline std::string tempPath(const QTemporaryDir& dir, const char* name)
{
    return dir.filePath(QString::fromUtf8(name)).toStdString();
}

/// Creates a workspace file in @p dir and returns its connection (fails the test on error).
inline core::Db newWorkspace(const QTemporaryDir& dir, const char* name = "test.assay")
{
    auto db = core::Workspace::create(tempPath(dir, name));
    if (!db)
        qFatal("cannot create workspace: %s", db.error().describe().c_str());
    return std::move(db).value();
}

/// Inserts a prompt with one version by raw SQL (the catalog's repository is not under test here); returns the
/// version id.
inline std::string insertPromptVersion(core::Db& db, const std::string& promptName = "p")
{
    const std::string promptId = core::newUuid();
    const std::string versionId = core::newUuid();
    auto p = db.prepare("INSERT INTO prompt(id, name, created_at, updated_at) VALUES (?1, ?2, 0, 0)");
    p->bind(1, promptId).bind(2, promptName);
    if (!p->run())
        qFatal("cannot insert prompt");
    auto v = db.prepare("INSERT INTO prompt_version(id, prompt_id, number, content, content_hash, created_at)"
                        " VALUES (?1, ?2, 1, '{}', 'h', 0)");
    v->bind(1, versionId).bind(2, promptId);
    if (!v->run())
        qFatal("cannot insert prompt version");
    return versionId;
}

inline std::int64_t count(core::Db& db, const std::string& sql)
{
    auto n = db.queryInt(sql);
    return n ? *n : -1;
}

} // namespace assay::test
