// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace assay::cli {

/// `assay-cli keys set NAME | list | remove NAME`: the API keys endpoints name in their secret_ref, kept in the
/// user's 0600 secrets file (core/secrets/filesecretstore.h). `set` reads the value from stdin, never from argv.
int runKeysCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace assay::cli
