// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace assay::core {

/// A random RFC 4122 version-4 UUID in lower-case text form (OpenSSL's CSPRNG).
std::string newUuid();
bool isUuid(std::string_view text);

/// Lower-case hex SHA-256 of the bytes.
std::string sha256Hex(std::string_view bytes);
/// Lower-case hex HMAC-SHA-256.
std::string hmacSha256Hex(std::string_view key, std::string_view bytes);
/// Raw 32-byte HMAC-SHA-256.
std::string hmacSha256Raw(std::string_view key, std::string_view bytes);

/// Milliseconds since the Unix epoch (UTC).
std::int64_t nowMs();
/// ISO-8601 UTC text with milliseconds, e.g. 2026-11-23T10:00:00.123Z.
std::string isoTime(std::int64_t ms);

} // namespace assay::core
