// SPDX-License-Identifier: MIT
#include "util/result.h"

namespace assay::core {

const char* errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Ok:
        return "ok";
    case ErrorCode::Io:
        return "io";
    case ErrorCode::NotAWorkspace:
        return "not-a-workspace";
    case ErrorCode::NewerSchema:
        return "newer-schema";
    case ErrorCode::Corrupt:
        return "corrupt";
    case ErrorCode::ReadOnly:
        return "read-only";
    case ErrorCode::Sql:
        return "sql";
    case ErrorCode::NotFound:
        return "not-found";
    case ErrorCode::Conflict:
        return "conflict";
    case ErrorCode::Invalid:
        return "invalid";
    case ErrorCode::Http:
        return "http";
    case ErrorCode::Network:
        return "network";
    case ErrorCode::Timeout:
        return "timeout";
    case ErrorCode::Cancelled:
        return "cancelled";
    case ErrorCode::Offline:
        return "offline";
    case ErrorCode::Provider:
        return "provider";
    case ErrorCode::Runner:
        return "runner";
    case ErrorCode::Unsupported:
        return "unsupported";
    case ErrorCode::Unauthorized:
        return "unauthorized";
    case ErrorCode::RateLimited:
        return "rate-limited";
    }
    return "unknown";
}

std::string Error::describe() const
{
    if (detail.empty())
        return message;
    return message + " (" + detail + ")";
}

} // namespace assay::core
