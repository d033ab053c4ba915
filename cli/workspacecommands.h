// SPDX-License-Identifier: MIT
#pragma once

#include "cli.h"

#include <memory>

namespace assay::cli {

/// `assay-cli workspace init FILE [--samples]` and `assay-cli workspace check FILE [--json]`.
std::shared_ptr<const CommandGroup> makeWorkspaceCommands();

} // namespace assay::cli
