// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace assay::core {

/// Substring search that ignores the case of ASCII letters, over UTF-8 text (other bytes compare exactly, so a
/// needle's non-ASCII letters match only in the same case). The comparison grid filters tens of MB of model output
/// per keystroke with it: candidates are found 16 bytes at a time (SSE2), then verified. Immutable after
/// construction; thread-safe to share.
class FoldedSearch {
public:
    explicit FoldedSearch(std::string_view needle);
    [[nodiscard]] bool in(std::string_view haystack) const;
    [[nodiscard]] bool empty() const { return m_needle.empty(); }
    /// True when @p needle has no letter outside ASCII (then in() is a full case-insensitive search).
    [[nodiscard]] static bool asciiOnly(std::string_view needle);

private:
    [[nodiscard]] bool matchesAt(const unsigned char* at) const;

    std::string m_needle; ///< folded to lower case
};

/// The longest run of plain characters that every match of the regular expression @p pattern must contain, for a
/// FoldedSearch pre-filter: top-level letters, digits and spaces outside groups and classes, the character before
/// a quantifier dropped; ASCII only (FoldedSearch folds ASCII letters only). Empty when there is none, or the
/// pattern has a top-level alternation or inline options ("(?x)" ignores spaces).
std::string requiredLiteral(std::string_view pattern);

} // namespace assay::core
