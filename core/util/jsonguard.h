// SPDX-License-Identifier: MIT
#pragma once
// What nlohmann::json lets through, or cannot survive, in JSON from outside: nesting so deep that its recursive
// dump(), copy and comparison overflow the stack; a NUL byte, which its lexer takes for the end of the input (so
// whatever follows is silently ignored); the same key twice in one object (it keeps the last); a number too large
// for a double (reported without a position). Read every untrusted JSON text through checkJsonText (or
// parseJsonBounded) before nlohmann parses it.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// How deep arrays and objects may nest in JSON Assay reads from outside (the root container is level 1).
inline constexpr std::size_t kMaxJsonDepth = 64;

/// How many values (objects, arrays, strings, numbers, literals) one JSON document from outside may hold. A DOM
/// value costs ~16 bytes however short its text ("0," is 2): this keeps a parsed document within some hundred MB.
inline constexpr std::size_t kMaxJsonValues = 4'000'000;

struct JsonTextProblem {
    std::size_t offset = 0; ///< byte offset in the text
    std::string path; ///< the field, as the importers name fields ("prompts[0].name"); empty for the root
    std::string what; ///< "is a key twice in this object (also on line 3)"
};

/// Scans @p text (one JSON document, a UTF-8 byte-order mark allowed) for the problems above and for more than
/// @p maxValues values. Syntax errors are
/// left to the parser: scanning stops quietly at anything it does not understand. Linear time, no recursion.
std::optional<JsonTextProblem> checkJsonText(
    std::string_view text, std::size_t maxDepth = kMaxJsonDepth, std::size_t maxValues = kMaxJsonValues);

/// nlohmann::json::parse(text, nullptr, false) after checkJsonText: a discarded value when either fails. For JSON
/// whose problems need no position in a message (stored columns, caches, server replies).
nlohmann::json parseJsonBounded(std::string_view text, std::size_t maxDepth = kMaxJsonDepth);

/// True when @p value nests deeper than @p maxDepth (checked without recursion).
bool jsonDeeperThan(const nlohmann::json& value, std::size_t maxDepth = kMaxJsonDepth);

} // namespace assay::core
