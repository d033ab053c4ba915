// SPDX-License-Identifier: MIT
#pragma once

#include "storage/db.h"

#include <cstdint>
#include <map>
#include <string>

namespace assay::core {

/// Facts about a workspace file, as `assay-cli workspace check` reports them.
struct WorkspaceReport {
    std::string path;
    std::string workspaceId;
    int schemaVersion = 0;
    int latestSchemaVersion = 0;
    std::string integrity; ///< "ok" or SQLite's first integrity_check messages
    bool auditChainOk = true;
    std::string auditChainProblem;
    std::map<std::string, std::int64_t> counts; ///< table -> rows
    [[nodiscard]] bool healthy() const { return integrity == "ok" && auditChainOk; }
};

/// One workspace = one SQLite file (`*.assay`). These functions own the open/create/check policy:
/// a file is inspected read-only first, so a file that is not a workspace, is newer, read-only or
/// corrupt is rejected without a single byte on disk changing.
class Workspace {
public:
    /// Creates a new workspace at @p path (which must not exist), WAL, latest schema, a fresh workspace id.
    static Result<Db> create(const std::string& path);

    /// Opens an existing workspace for reading and writing; migrates an older schema forward.
    /// Each thread that touches the workspace calls this for its own connection.
    static Result<Db> open(const std::string& path);

    /// Read-only inspection: schema version, integrity_check, audit chain, row counts. Never writes.
    static Result<WorkspaceReport> check(const std::string& path);

    /// Writes a consistent copy of an open workspace to @p target (SQLite online backup; target replaced atomically).
    static Status saveCopy(Db& db, const std::string& target);

    static std::string workspaceId(Db& db);

    /// Rows per aggregate table (the tables `check` reports), on an open connection.
    static Result<std::map<std::string, std::int64_t>> counts(Db& db);
};

} // namespace assay::core
