// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// Finds where a field lies in a JSON text, for error messages: @p path as the importers name fields
/// ("prompts[0].versions[2].content.messages[1].role", "[1].content"). Returns the byte offset of the field's key
/// (or of the value, for an array element); for a field that is missing, of the deepest enclosing value that
/// exists. nullopt when the text does not parse. Reads the text again, so call it only when reporting an error.
std::optional<std::size_t> locateJsonField(std::string_view text, const std::string& path);

} // namespace assay::core
