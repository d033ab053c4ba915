// SPDX-License-Identifier: MIT
// assay-cli: headless, links assay_core + assay_gpu only (no Qt). Commands live in commands.cpp.
#include "commands.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::ios::sync_with_stdio(false);
    const std::vector<std::string> args(argv + 1, argv + argc);
    const int rc = assay::cli::makeRootCommand()->dispatch(args, std::cout, std::cerr);
    std::cout.flush();
    return rc;
}
