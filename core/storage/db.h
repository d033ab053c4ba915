// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace assay::core {

class Statement;

/// One SQLite connection (RAII). Not thread-safe: each thread opens its own Db on the same file.
class Db {
public:
    enum class Mode { ReadWrite, ReadOnly, Create };

    Db() = default;
    ~Db();
    Db(Db&& other) noexcept;
    Db& operator=(Db&& other) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    /// Opens @p path. Create makes the file if missing; ReadWrite requires it to exist.
    /// Sets foreign_keys=ON and busy_timeout; journal mode is the caller's choice (Workspace sets WAL).
    static Result<Db> open(const std::string& path, Mode mode);

    [[nodiscard]] bool isOpen() const { return m_db != nullptr; }
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] bool readOnly() const { return m_readOnly; }
    sqlite3* handle() const { return m_db; }

    /// Runs one or more statements without results (schema, pragmas).
    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);

    /// Runs a single-value query (e.g. a PRAGMA or COUNT).
    Result<std::int64_t> queryInt(std::string_view sql);
    Result<std::string> queryText(std::string_view sql);

    std::int64_t lastInsertRowId() const;
    int changes() const;

    /// An Error carrying SQLite's message as detail, with a code mapped from SQLite's result code.
    Error sqlError(std::string message) const;

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    bool m_readOnly = false;
};

/// A prepared statement (RAII). Bind indexes are 1-based, column indexes 0-based.
class Statement {
public:
    Statement() = default;
    Statement(Db* db, sqlite3_stmt* stmt)
        : m_db(db)
        , m_stmt(stmt)
    {
    }
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
    Statement& bindNull(int index);
    Statement& bindBlob(int index, std::string_view bytes);
    Statement& bind(int index, const std::optional<std::string>& text);
    Statement& bind(int index, const std::optional<double>& value);
    Statement& bind(int index, const std::optional<std::int64_t>& value);

    /// Steps once: true = a row is ready, false = done. Errors are returned.
    Result<bool> step();
    /// Steps to completion (for INSERT/UPDATE/DELETE).
    Status run();
    void reset();

    [[nodiscard]] bool isNull(int col) const;
    [[nodiscard]] std::string text(int col) const;
    [[nodiscard]] std::optional<std::string> optText(int col) const;
    [[nodiscard]] std::int64_t int64(int col) const;
    [[nodiscard]] std::optional<std::int64_t> optInt64(int col) const;
    [[nodiscard]] double real(int col) const;
    [[nodiscard]] std::optional<double> optReal(int col) const;
    [[nodiscard]] int columnCount() const;

private:
    Db* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    int m_bindError = 0;
};

/// BEGIN IMMEDIATE … COMMIT; rolls back in the destructor unless commit() succeeded.
/// Inside another transaction on the same connection it nests as a SAVEPOINT.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    /// False when BEGIN failed (e.g. the database is read-only or locked); error() says why.
    [[nodiscard]] bool began() const { return m_began; }
    [[nodiscard]] const Error& beginError() const { return m_beginError; }
    Status commit();

private:
    Db& m_db;
    bool m_began = false;
    bool m_done = false;
    bool m_nested = false;
    Error m_beginError;
};

} // namespace assay::core
