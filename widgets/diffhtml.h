// SPDX-License-Identifier: MIT
#pragma once

#include "catalog/worddiff.h"

#include <QString>

namespace assay::widgets {

/// HTML for one side of a word diff: the old side shows Equal + Removed (red, struck through), the new side
/// Equal + Added (green). Text is escaped; line breaks kept. @p dark picks colours readable on a dark base.
QString diffSideHtml(const std::vector<core::DiffSegment>& segments, bool newSide, bool dark);

} // namespace assay::widgets
