// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace assay::cli {

/// `assay-cli run FILE.json --workspace WS [--resume RUN_ID] [--output results.jsonl|csv] [--json]`.
int runRunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace assay::cli
