// SPDX-License-Identifier: MIT
#include "storage/db.h"

#include <sqlite3.h>

#include <utility>

namespace assay::core {

namespace {
    ErrorCode mapSqliteCode(int rc)
    {
        switch (rc & 0xFF) {
        case SQLITE_NOTADB:
            return ErrorCode::NotAWorkspace;
        case SQLITE_CORRUPT:
            return ErrorCode::Corrupt;
        case SQLITE_READONLY:
        case SQLITE_PERM:
            return ErrorCode::ReadOnly;
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_FULL:
            return ErrorCode::Io;
        case SQLITE_CONSTRAINT:
            return ErrorCode::Conflict;
        default:
            return ErrorCode::Sql;
        }
    }
} // namespace

Db::~Db()
{
    if (m_db)
        sqlite3_close_v2(m_db);
}

Db::Db(Db&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
    , m_path(std::move(other.m_path))
    , m_readOnly(other.m_readOnly)
{
}

Db& Db::operator=(Db&& other) noexcept
{
    if (this != &other) {
        if (m_db)
            sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
        m_readOnly = other.m_readOnly;
    }
    return *this;
}

Result<Db> Db::open(const std::string& path, Mode mode)
{
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_URI; // URIs carry mode=ro / immutable=1
    switch (mode) {
    case Mode::ReadOnly:
        flags |= SQLITE_OPEN_READONLY;
        break;
    case Mode::ReadWrite:
        flags |= SQLITE_OPEN_READWRITE;
        break;
    case Mode::Create:
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        break;
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Db db;
    db.m_db = raw;
    db.m_path = path;
    db.m_readOnly = mode == Mode::ReadOnly;
    if (rc != SQLITE_OK) {
        std::string detail = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return makeError(mapSqliteCode(rc), "Cannot open " + path, detail);
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    if (auto st = db.exec("PRAGMA foreign_keys=ON"); !st)
        return st.error();
    return db;
}

Status Db::exec(std::string_view sql)
{
    char* msg = nullptr;
    const std::string s(sql);
    const int rc = sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
        std::string detail = msg ? msg : sqlite3_errstr(rc);
        sqlite3_free(msg);
        return makeError(mapSqliteCode(rc), "Database statement failed", detail);
    }
    return {};
}

Result<Statement> Db::prepare(std::string_view sql)
{
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK)
        return sqlError("Cannot prepare a database statement");
    return Statement(this, stmt);
}

Result<std::int64_t> Db::queryInt(std::string_view sql)
{
    auto st = prepare(sql);
    if (!st)
        return st.error();
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return makeError(ErrorCode::Sql, "Query returned no row", std::string(sql));
    return st->int64(0);
}

Result<std::string> Db::queryText(std::string_view sql)
{
    auto st = prepare(sql);
    if (!st)
        return st.error();
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return makeError(ErrorCode::Sql, "Query returned no row", std::string(sql));
    return st->text(0);
}

std::int64_t Db::lastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }
int Db::changes() const { return sqlite3_changes(m_db); }

Error Db::sqlError(std::string message) const
{
    const int rc = m_db ? sqlite3_extended_errcode(m_db) : SQLITE_ERROR;
    return makeError(mapSqliteCode(rc), std::move(message), m_db ? sqlite3_errmsg(m_db) : "no connection");
}

// --- Statement -------------------------------------------------------------------------------------------------

Statement::~Statement()
{
    if (m_stmt)
        sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db)
    , m_stmt(std::exchange(other.m_stmt, nullptr))
    , m_bindError(other.m_bindError)
{
}

Statement& Statement::operator=(Statement&& other) noexcept
{
    if (this != &other) {
        if (m_stmt)
            sqlite3_finalize(m_stmt);
        m_db = other.m_db;
        m_stmt = std::exchange(other.m_stmt, nullptr);
        m_bindError = other.m_bindError;
    }
    return *this;
}

Statement& Statement::bind(int index, std::string_view text)
{
    const int rc = sqlite3_bind_text64(
        m_stmt, index, text.data(), static_cast<sqlite3_uint64>(text.size()), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value)
{
    if (const int rc = sqlite3_bind_int64(m_stmt, index, value); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    if (const int rc = sqlite3_bind_double(m_stmt, index, value); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bindNull(int index)
{
    if (const int rc = sqlite3_bind_null(m_stmt, index); rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bindBlob(int index, std::string_view bytes)
{
    const int rc = sqlite3_bind_blob64(
        m_stmt, index, bytes.data(), static_cast<sqlite3_uint64>(bytes.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK)
        m_bindError = rc;
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text)
{
    return text ? bind(index, std::string_view(*text)) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<double>& value)
{
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value)
{
    return value ? bind(index, *value) : bindNull(index);
}

Result<bool> Statement::step()
{
    if (m_bindError != SQLITE_OK)
        return makeError(ErrorCode::Sql, "Cannot bind a statement parameter", sqlite3_errstr(m_bindError));
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return m_db->sqlError("Database query failed");
}

Status Statement::run()
{
    for (;;) {
        auto r = step();
        if (!r)
            return r.error();
        if (!*r)
            return {};
    }
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_bindError = SQLITE_OK;
}

bool Statement::isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

std::string Statement::text(int col) const
{
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
    const int n = sqlite3_column_bytes(m_stmt, col);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::optional<std::string> Statement::optText(int col) const
{
    if (isNull(col))
        return std::nullopt;
    return text(col);
}

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(m_stmt, col); }

std::optional<std::int64_t> Statement::optInt64(int col) const
{
    if (isNull(col))
        return std::nullopt;
    return int64(col);
}

double Statement::real(int col) const { return sqlite3_column_double(m_stmt, col); }

std::optional<double> Statement::optReal(int col) const
{
    if (isNull(col))
        return std::nullopt;
    return real(col);
}

int Statement::columnCount() const { return sqlite3_column_count(m_stmt); }

// --- Transaction -----------------------------------------------------------------------------------------------

Transaction::Transaction(Db& db)
    : m_db(db)
{
    auto st = m_db.exec("BEGIN IMMEDIATE");
    m_began = st.ok();
    if (!st)
        m_beginError = st.error();
}

Transaction::~Transaction()
{
    if (m_began && !m_done)
        (void)m_db.exec("ROLLBACK");
}

Status Transaction::commit()
{
    if (!m_began)
        return m_beginError;
    auto st = m_db.exec("COMMIT");
    if (st)
        m_done = true;
    return st;
}

} // namespace assay::core
