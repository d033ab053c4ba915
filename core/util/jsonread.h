// SPDX-License-Identifier: MIT
#pragma once
// Reading JSON that came from outside the running code (a workspace column, a file, a server) without exceptions:
// nlohmann's value(), at(), get<T>() and operator[] throw (or assert) when the document is not the shape the
// code expects, and dump() throws on invalid UTF-8 and recurses once per level of nesting. These never throw and
// never recurse. Thread-safe (pure functions).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// The member @p key of @p j, or nullptr when @p j is not an object or has no such member.
const nlohmann::json* jsonField(const nlohmann::json& j, std::string_view key);
/// The string member @p key, or @p fallback when it is missing or not a string.
std::string jsonText(const nlohmann::json& j, std::string_view key, std::string_view fallback = {});
/// The integer member @p key (a whole number in range), or nullopt.
std::optional<std::int64_t> jsonInt(const nlohmann::json& j, std::string_view key);
/// The boolean member @p key, or @p fallback when it is missing or not a boolean.
bool jsonBool(const nlohmann::json& j, std::string_view key, bool fallback = false);
/// The object member @p key, or an empty object when it is missing or not an object.
const nlohmann::json& jsonObject(const nlohmann::json& j, std::string_view key);
/// The array member @p key, or an empty array when it is missing or not an array.
const nlohmann::json& jsonArray(const nlohmann::json& j, std::string_view key);

/// How deeply @p j nests (a scalar is 0, [] is 1, [[1]] is 2), counted without recursion; stops counting
/// past @p limit (returns limit + 1 then).
std::size_t jsonDepth(const nlohmann::json& j, std::size_t limit);

/// dump() that never throws: invalid UTF-8 becomes U+FFFD, and a document nested deeper than @p maxDepth (where
/// nlohmann's recursive dump could overflow the stack) is described instead of printed.
std::string jsonDumpSafe(const nlohmann::json& j, int indent = -1, std::size_t maxDepth = 200);

} // namespace assay::core
