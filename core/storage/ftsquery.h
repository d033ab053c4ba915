// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace assay::core {

/// Turns what a user typed into an FTS5 MATCH expression that cannot be misread as FTS syntax: every word becomes
/// a quoted prefix token ("word"*) and the tokens are ANDed. Words are split at ASCII characters other than
/// letters and digits (so quotes, parentheses, '*', ':', '^', '-' and '+' never reach FTS5), and operators such
/// as AND, OR, NOT or NEAR are searched for as plain words. Empty when the query has no words.
std::string ftsPrefixQuery(std::string_view userQuery, std::size_t maxWords = 16);

} // namespace assay::core
