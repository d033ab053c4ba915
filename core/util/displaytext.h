// SPDX-License-Identifier: MIT
#pragma once
// Text that came from outside (files, names, workspace rows) made safe to show: valid UTF-8, and no control
// character that a terminal would act on.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// Length of the valid UTF-8 sequence at @p i of @p s, or 0 when it is malformed (overlong forms, surrogates and
/// code points above U+10FFFF are malformed too).
std::size_t utf8SequenceLength(std::string_view s, std::size_t i);

/// The code point of the valid sequence of @p length bytes at @p i.
char32_t utf8CodePoint(std::string_view s, std::size_t i, std::size_t length);

/// @p bytes with every malformed sequence replaced by U+FFFD (one per maximal invalid byte run start, as
/// WHATWG's decoder does for single bytes); valid text is returned unchanged.
std::string validUtf8(std::string_view bytes);

/// True for C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F).
constexpr bool isControlCharacter(char32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/// The byte offset and code point of the first control character of the (UTF-8) text, or nothing.
struct ControlCharacter {
    std::size_t offset = 0;
    char32_t codePoint = 0;
};
std::optional<ControlCharacter> firstControlCharacter(std::string_view text);

/// "U+001B (ESC)" for messages.
std::string describeCodePoint(char32_t c);

/// @p text for a terminal: controls shown as visible escapes ("\x1b" for C0 and DEL, "\u009b" for C1), invalid
/// UTF-8 bytes as "\xff", a backslash that would read as such an escape left as it is. With @p keepLineBreaks,
/// LF and TAB pass through (multi-line fields such as message text); otherwise they are escaped too ("\n", "\t").
std::string visibleText(std::string_view text, bool keepLineBreaks = false);

} // namespace assay::core
