// SPDX-License-Identifier: MIT
#pragma once

#include "cli.h"

#include <memory>

namespace assay::cli {

/// The whole command tree of assay-cli (the one place that registers commands).
std::shared_ptr<const CommandGroup> makeRootCommand();

} // namespace assay::cli
