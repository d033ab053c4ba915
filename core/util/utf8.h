// SPDX-License-Identifier: MIT
#pragma once
// The one rule for text that came from outside (a server's reply, a file name): valid UTF-8 before it is stored,
// shown or printed.

#include <cstddef>
#include <string>
#include <string_view>

namespace assay::core {

/// @p bytes as valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF): each maximal
/// invalid subsequence becomes U+FFFD (the Unicode/WHATWG "replacement of maximal subparts"). Valid text is
/// returned unchanged.
std::string validUtf8(std::string_view bytes);

/// True when @p bytes is valid UTF-8 by the same rule.
bool isValidUtf8(std::string_view bytes);

/// The longest prefix of @p text of at most @p maxBytes that does not end inside a UTF-8 sequence.
std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes);

} // namespace assay::core
