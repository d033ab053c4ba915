// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace assay::cli {

/// `assay-cli catalog SUBCOMMAND --workspace FILE …`: list, search, show, render and label prompts of a workspace.
/// --workspace may also come before the subcommand. Answers its own --help at every level.
int runCatalogCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace assay::cli
