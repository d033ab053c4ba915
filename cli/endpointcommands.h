// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace assay::cli {

/// `assay-cli endpoints list | add NAME | test NAME --workspace WS`: how runs reach their models.
int runEndpointsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace assay::cli
