// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace assay::cli {

/// `assay-cli --version`: Assay's version, the workspace schema version this build writes, and the llama.cpp
/// runner (llama-server) it found, with its version, or how to install it.
int runVersion(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace assay::cli
