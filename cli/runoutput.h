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

/// The failure summary `run` prints to stderr: the distinct reasons of the failed cells ("ENDPOINT: ERROR"), most
/// frequent first, at most @p maxReasons lines "  N x REASON", then "  and M more reasons" when there are more.
/// Valid UTF-8 whatever the stored errors hold.
std::vector<std::string> failureSummary(const std::vector<core::RunCell>& cells, std::size_t maxReasons = 5);

/// One progress line: "[#####.....] 120/1800  ok 117  failed 3  cached 0  in flight 16  1.2k tok  $0.0034  ETA 12s".
/// @p bar false: the same figures without the bar (for logs).
std::string progressLine(const core::RunProgress& p, bool bar);

} // namespace assay::cli
