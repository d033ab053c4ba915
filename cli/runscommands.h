// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace assay::cli {

/// `assay-cli runs list|summary|export`: the runs of a workspace, each column's summary of one run, and the export
/// of its comparison grid (CSV, JSON Lines with provenance, or a self-contained HTML report).
int runRunsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace assay::cli
