// SPDX-License-Identifier: MIT
#pragma once

namespace assay::core {

/// Unicode XID_Start, plus '_' (the first character of a template variable name, template.h).
bool isIdentifierStart(char32_t c);
/// Unicode XID_Continue (letters, combining marks, digits of every script, '_').
bool isIdentifierContinue(char32_t c);

} // namespace assay::core
