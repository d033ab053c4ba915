// SPDX-License-Identifier: MIT
#include "storage/workspace.h"

#include "storage/auditlog.h"
#include "storage/schema.h"
#include "util/ids.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace assay::core {

namespace fs = std::filesystem;

namespace {

    // Every table of the schema that holds user data (meta and the FTS index are bookkeeping).
    const char* const kTables[] = { "prompt", "prompt_version", "prompt_label", "dataset", "dataset_row", "model",
        "endpoint", "run", "run_cell", "metric_score", "judge_verdict", "reviewer", "review_task", "review_assignment",
        "rating", "audit_event" };

    /// A SQLite URI for @p path with @p params; '%', '?' and '#' in the path are escaped so any file name works.
    std::string sqliteUri(const std::string& path, const char* params)
    {
        std::string uri = "file:";
        for (const char c : fs::absolute(path).lexically_normal().string()) {
            if (c == '%')
                uri += "%25";
            else if (c == '?')
                uri += "%3f";
            else if (c == '#')
                uri += "%23";
            else
                uri += c;
        }
        return uri + "?" + params;
    }

    // Permissions are judged from the mode bits as well as access(): root passes every access() check, yet a file
    // or folder that nobody may write is read-only by intent (a reviewer's copy, a write-protected archive).
    bool canWrite(const std::string& path, const struct stat& st)
    {
        return ::access(path.c_str(), W_OK) == 0 && (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) != 0;
    }

    bool canRead(const std::string& path, const struct stat& st)
    {
        return ::access(path.c_str(), R_OK) == 0 && (st.st_mode & (S_IRUSR | S_IRGRP | S_IROTH)) != 0;
    }

    /// True when a WAL lies beside the file: the workspace is open elsewhere or its writer crashed.
    bool hasLiveWal(const std::string& path)
    {
        std::error_code ec;
        return fs::exists(path + "-wal", ec);
    }

    /// Read-only URI parameters. Without a WAL, immutable=1 keeps SQLite from creating -wal/-shm files at all;
    /// with one, the main file alone may be mid-checkpoint, so read through the WAL under its locks.
    const char* readOnlyParams(const std::string& path)
    {
        return hasLiveWal(path) ? "mode=ro" : "mode=ro&immutable=1";
    }

    /// Looks at the file without changing it: exists, readable, SQLite, ours, not newer, not corrupt.
    Result<int> inspect(const std::string& path, bool quick)
    {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            const int err = errno;
            if (err == ENOENT || err == ENOTDIR)
                return makeError(ErrorCode::NotFound, "The workspace " + path + " does not exist");
            return makeError(ErrorCode::Io, "The workspace " + path + " cannot be read", std::strerror(err));
        }
        if (S_ISDIR(st.st_mode))
            return makeError(ErrorCode::NotAWorkspace, path + " is a folder, not a workspace file");
        if (!S_ISREG(st.st_mode))
            return makeError(ErrorCode::NotAWorkspace, path + " is not a regular file, not an Assay workspace");
        if (!canRead(path, st))
            return makeError(ErrorCode::Io, "The workspace " + path + " cannot be read (permission denied)");
        if (st.st_size == 0)
            return makeError(ErrorCode::NotAWorkspace, path + " is an empty file, not an Assay workspace");

        auto db = Db::open(sqliteUri(path, readOnlyParams(path)), Db::Mode::ReadOnly);
        if (!db)
            return makeError(db.error().code, "The workspace " + path + " cannot be opened", db.error().detail);
        auto appId = db->queryInt("PRAGMA application_id");
        if (!appId) {
            if (appId.error().code == ErrorCode::NotAWorkspace)
                return makeError(ErrorCode::NotAWorkspace, path + " is not an Assay workspace (not a SQLite file)");
            if (appId.error().code == ErrorCode::Corrupt)
                return makeError(ErrorCode::Corrupt, path + " is damaged and cannot be opened safely",
                    appId.error().detail);
            return makeError(appId.error().code, path + " cannot be read as a workspace", appId.error().detail);
        }
        if (*appId != schema::kApplicationId)
            return makeError(ErrorCode::NotAWorkspace,
                path + " is a SQLite database but not an Assay workspace (application id "
                    + std::to_string(*appId) + ")");
        auto version = db->queryInt("PRAGMA user_version");
        if (!version)
            return makeError(version.error().code,
                path + (version.error().code == ErrorCode::Corrupt ? " is damaged and cannot be opened safely"
                                                                    : " cannot be read as a workspace"),
                version.error().detail);
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
    struct stat fileStat {};
    if (::stat(path.c_str(), &fileStat) != 0 || !canWrite(path, fileStat))
        return makeError(ErrorCode::ReadOnly,
            path + " is read-only; Assay needs write access to open a workspace (copy it somewhere writable)");
    const fs::path parent = fs::absolute(path).parent_path();
    struct stat dirStat {};
    if (::stat(parent.c_str(), &dirStat) != 0 || !canWrite(parent.string(), dirStat))
        return makeError(ErrorCode::ReadOnly,
            path + " cannot be opened: its folder " + parent.string()
                + " is read-only, and a workspace needs to write its journal beside it");

    // A plain absolute path (never a URI) so Db::path() is the file's name; it cannot start with "file:".
    auto db = Db::open(fs::absolute(path).lexically_normal().string(), Db::Mode::ReadWrite);
    if (!db)
        return makeError(db.error().code, "The workspace " + path + " cannot be opened", db.error().detail);
    auto mode = db->queryText("PRAGMA journal_mode=WAL");
    if (!mode)
        return makeError(mode.error().code, "The workspace " + path + " cannot be opened", mode.error().detail);
    ASSAY_TRY(db->exec("PRAGMA synchronous=NORMAL"));
    if (*version < schema::latestVersion()) {
        if (auto st = schema::migrate(*db); !st)
            return makeError(st.error().code,
                "The workspace " + path + " could not be upgraded to schema " + std::to_string(schema::latestVersion()),
                st.error().detail.empty() ? st.error().message : st.error().detail);
        // A file migrated up from an empty schema has no identity yet.
        if (workspaceId(*db).empty()) {
            Transaction tx(*db);
            if (!tx.began())
                return tx.beginError();
            auto ins = db->prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('workspace_id', ?1), ('created_at', ?2)");
            if (!ins)
                return ins.error();
            ins->bind(1, newUuid()).bind(2, isoTime(nowMs()));
            ASSAY_TRY(ins->run());
            ASSAY_TRY(tx.commit());
        }
    }
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

    auto db = Db::open(sqliteUri(path, readOnlyParams(path)), Db::Mode::ReadOnly);
    if (!db)
        return makeError(db.error().code, "The workspace " + path + " cannot be opened", db.error().detail);
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
    if (auto counts = Workspace::counts(*db))
        report.counts = std::move(*counts);
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

Result<std::map<std::string, std::int64_t>> Workspace::counts(Db& db)
{
    std::map<std::string, std::int64_t> result;
    for (const char* table : kTables) {
        auto n = db.queryInt(std::string("SELECT COUNT(*) FROM ") + table);
        if (!n)
            return n.error();
        result[table] = *n;
    }
    return result;
}

} // namespace assay::core
