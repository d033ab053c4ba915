// SPDX-License-Identifier: MIT
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace assay::core {

/// What kind of failure happened; controllers map these to user-facing sentences.
/// Persisted in run cells — never renumber.
enum class ErrorCode : int {
    Ok = 0,
    Io = 1, ///< file missing, unreadable, unwritable
    NotAWorkspace = 2, ///< the file is not an Assay workspace (or not SQLite at all)
    NewerSchema = 3, ///< written by a newer Assay
    Corrupt = 4, ///< integrity check failed
    ReadOnly = 5, ///< the file or its folder cannot be written
    Sql = 6, ///< unexpected SQLite error
    NotFound = 7,
    Conflict = 8, ///< same id, different content; duplicate name
    Invalid = 9, ///< bad input (names file/line/field in the message)
    Http = 10,
    Network = 11,
    Timeout = 12,
    Cancelled = 13,
    Offline = 14, ///< blocked by offline mode
    Provider = 15, ///< the model API answered with an error
    Runner = 16, ///< local llama-server failed
    Unsupported = 17,
    Unauthorized = 18, ///< the API key or signature was rejected (HTTP 401/403)
    RateLimited = 19, ///< HTTP 429 or a provider throttling error; retry later
};

const char* errorCodeName(ErrorCode code);

/// An expected failure: a code, one clear sentence for the user, and optional detail for the log.
struct Error {
    ErrorCode code = ErrorCode::Ok;
    std::string message;
    std::string detail;

    [[nodiscard]] std::string describe() const;
};

inline Error makeError(ErrorCode code, std::string message, std::string detail = {})
{
    return Error { code, std::move(message), std::move(detail) };
}

/// Result<T>: a value or an Error (shaped like std::expected so it can be swapped for it in C++23).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Error error)
        : m_v(std::in_place_index<1>, std::move(error))
    {
    }

    [[nodiscard]] bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() &
    {
        assert(ok());
        return std::get<0>(m_v);
    }
    const T& value() const&
    {
        assert(ok());
        return std::get<0>(m_v);
    }
    T&& value() &&
    {
        assert(ok());
        return std::get<0>(std::move(m_v));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    [[nodiscard]] const Error& error() const
    {
        assert(!ok());
        return std::get<1>(m_v);
    }

private:
    std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
        , m_ok(false)
    {
    }
    [[nodiscard]] bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    [[nodiscard]] const Error& error() const
    {
        assert(!m_ok);
        return m_error;
    }

private:
    Error m_error;
    bool m_ok = true;
};

using Status = Result<void>;

} // namespace assay::core

/// Propagate an error from an expression returning Result<…>.
#define ASSAY_TRY(expr)                                                                                                \
    do {                                                                                                               \
        auto&& assay_try_r_ = (expr);                                                                                  \
        if (!assay_try_r_.ok())                                                                                        \
            return assay_try_r_.error();                                                                               \
    } while (false)
