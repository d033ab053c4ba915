// SPDX-License-Identifier: MIT
#include "storage/workspace.h"

#include "storage/auditlog.h"
#include "storage/schema.h"
#include "util/ids.h"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace assay::core {

namespace fs = std::filesystem;

namespace {

    const char* const kTables[] = { "prompt", "prompt_version", "prompt_label", "dataset", "dataset_row", "model",
        "endpoint", "run", "run_cell", "metric_score", "judge_verdict", "reviewer", "review_task", "rating",
        "audit_event" };

    /// Looks at the file without changing it: exists, readable, SQLite, ours, not newer, not corrupt.
    Result<int> inspect(const std::string& path, bool quick)
    {
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (ec || !fs::exists(status))
            return makeError(ErrorCode::NotFound, "The workspace " + path + " does not exist");
        if (fs::is_directory(status))
            return makeError(ErrorCode::NotAWorkspace, path + " is a folder, not a workspace file");
        if (::access(path.c_str(), R_OK) != 0)
            return makeError(ErrorCode::Io, "The workspace " + path + " cannot be read (permission denied)");
        if (fs::file_size(path, ec) == 0)
            return makeError(ErrorCode::NotAWorkspace, path + " is an empty file, not an Assay workspace");

        // immutable=1 on a read-only URI: SQLite neither writes nor creates -wal/-shm files for this look.
        auto db = Db::open("file:" + path + "?mode=ro&immutable=1", Db::Mode::ReadOnly);
        if (!db)
            return db.error();
        auto appId = db->queryInt("PRAGMA application_id");
        if (!appId) {
            if (appId.error().code == ErrorCode::NotAWorkspace)
                return makeError(ErrorCode::NotAWorkspace, path + " is not an Assay workspace (not a SQLite file)");
            return makeError(appId.error().code, path + " cannot be read as a workspace", appId.error().detail);
        }
        if (*appId != schema::kApplicationId)
            return makeError(ErrorCode::NotAWorkspace,
                path + " is a SQLite database but not an Assay workspace (application id "
                    + std::to_string(*appId) + ")");
        auto version = db->queryInt("PRAGMA user_version");
        if (!version)
            return version.error();
        if (*version > schema::latestVersion())
            return makeError(ErrorCode::NewerSchema,
                path + " was written by a newer Assay (schema " + std::to_string(*version)
                    + "); this version reads up to schema " + std::to_string(schema::latestVersion())
                    + ". Update Assay to open it.");
        if (quick) {
            auto check = db->queryText("PRAGMA quick_check(1)");
            if (!check || *check != "ok")
                return makeError(ErrorCode::Corrupt, path + " is damaged and cannot be opened safely",
                    check ? *check : check.error().describe());
        }
        return static_cast<int>(*version);
    }

} // namespace

Result<Db> Workspace::create(const std::string& path)
{
    std::error_code ec;
    if (fs::exists(path, ec))
        return makeError(ErrorCode::Conflict, path + " already exists; choose another name");
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec))
        return makeError(ErrorCode::NotFound, "The folder " + parent.string() + " does not exist");

    // Build under a temporary name, then rename: a crash never leaves a half-made workspace behind.
    const std::string tmp = path + ".creating";
    fs::remove(tmp, ec);
    {
        auto db = Db::open(tmp, Db::Mode::Create);
        if (!db)
            return makeError(ErrorCode::Io, "Cannot create " + path, db.error().detail);
        ASSAY_TRY(db->exec("PRAGMA journal_mode=DELETE"));
        if (auto st = schema::migrate(*db); !st) {
            fs::remove(tmp, ec);
            return st.error();
        }
        Transaction tx(*db);
        auto ins = db->prepare("INSERT INTO meta(key, value) VALUES ('workspace_id', ?1), ('created_at', ?2)");
        if (!ins)
            return ins.error();
        ins->bind(1, newUuid()).bind(2, isoTime(nowMs()));
        ASSAY_TRY(ins->run());
        ASSAY_TRY(tx.commit());
    }
    fs::rename(tmp, path, ec);
    if (ec)
        return makeError(ErrorCode::Io, "Cannot create " + path, ec.message());
    return open(path);
}

Result<Db> Workspace::open(const std::string& path)
{
    auto version = inspect(path, true);
    if (!version)
        return version.error();
    if (::access(path.c_str(), W_OK) != 0)
        return makeError(ErrorCode::ReadOnly,
            path + " is read-only; Assay needs write access to open a workspace (copy it somewhere writable)");
    const fs::path parent = fs::absolute(path).parent_path();
    if (::access(parent.c_str(), W_OK) != 0)
        return makeError(ErrorCode::ReadOnly,
            "The folder " + parent.string() + " is read-only; a workspace needs its folder to be writable");

    auto db = Db::open(path, Db::Mode::ReadWrite);
    if (!db)
        return db.error();
    auto mode = db->queryText("PRAGMA journal_mode=WAL");
    if (!mode)
        return mode.error();
    ASSAY_TRY(db->exec("PRAGMA synchronous=NORMAL"));
    if (*version < schema::latestVersion())
        ASSAY_TRY(schema::migrate(*db));
    return std::move(db).value();
}

Result<WorkspaceReport> Workspace::check(const std::string& path)
{
    auto version = inspect(path, false);
    if (!version)
        return version.error();
    WorkspaceReport report;
    report.path = path;
    report.schemaVersion = *version;
    report.latestSchemaVersion = schema::latestVersion();

    // A live WAL (another process has the workspace open) must be read too, so then mode=ro without immutable.
    // Without a -wal file no one is writing, and immutable=1 keeps a read-only connection from leaving empty
    // -wal/-shm files beside a workspace it only looked at.
    std::error_code walEc;
    const bool liveWal = fs::exists(path + "-wal", walEc);
    auto db = Db::open("file:" + path + (liveWal ? "?mode=ro" : "?mode=ro&immutable=1"), Db::Mode::ReadOnly);
    if (!db)
        return db.error();
    auto st = db->prepare("PRAGMA integrity_check(20)");
    if (!st)
        return st.error();
    std::string lines;
    for (;;) {
        auto row = st->step();
        if (!row) {
            lines += (lines.empty() ? "" : "; ") + row.error().describe();
            break;
        }
        if (!*row)
            break;
        lines += (lines.empty() ? "" : "; ") + st->text(0);
    }
    report.integrity = lines.empty() ? "no result" : lines;
    if (report.integrity != "ok")
        return report; // counts on a damaged file would only add noise

    report.workspaceId = workspaceId(*db);
    for (const char* table : kTables) {
        auto n = db->queryInt(std::string("SELECT COUNT(*) FROM ") + table);
        report.counts[table] = n ? *n : -1;
    }
    AuditLog audit(*db);
    auto chain = audit.verify();
    if (!chain) {
        report.auditChainOk = false;
        report.auditChainProblem = chain.error().message;
    }
    return report;
}

Status Workspace::saveCopy(Db& db, const std::string& target)
{
    const std::string tmp = target + ".saving";
    std::error_code ec;
    fs::remove(tmp, ec);
    {
        auto dest = Db::open(tmp, Db::Mode::Create);
        if (!dest)
            return makeError(ErrorCode::Io, "Cannot write " + target, dest.error().detail);
        sqlite3_backup* backup = sqlite3_backup_init(dest->handle(), "main", db.handle(), "main");
        if (!backup)
            return dest->sqlError("Cannot copy the workspace to " + target);
        const int rc = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE)
            return makeError(ErrorCode::Io, "Cannot copy the workspace to " + target, sqlite3_errstr(rc));
        // A copy is a document: fold the WAL in so the single file is complete on its own.
        ASSAY_TRY(dest->exec("PRAGMA journal_mode=DELETE"));
    }
    fs::rename(tmp, target, ec);
    if (ec)
        return makeError(ErrorCode::Io, "Cannot write " + target, ec.message());
    return {};
}

std::string Workspace::workspaceId(Db& db)
{
    auto id = db.queryText("SELECT value FROM meta WHERE key = 'workspace_id'");
    return id ? *id : std::string();
}

} // namespace assay::core
