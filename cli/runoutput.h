// SPDX-License-Identifier: MIT
#pragma once
// What `assay-cli run` writes: the results file (JSONL or CSV) and the progress line.

#include "domain/run.h"
#include "run/runprogress.h"
#include "util/result.h"

#include <string>
#include <vector>

namespace assay::cli {

/// Writes every cell of a run to @p path: JSON Lines when it ends in .jsonl, CSV when it ends in .csv
/// (Invalid otherwise). Written to a temp file, then renamed.
core::Status writeResults(const std::string& path, const std::vector<core::RunCell>& cells);

/// One progress line: "[#####.....] 120/1800  ok 117  failed 3  cached 0  in flight 16  1.2k tok  $0.0034  ETA 12s".
/// @p bar false: the same figures without the bar (for logs).
std::string progressLine(const core::RunProgress& p, bool bar);

} // namespace assay::cli
