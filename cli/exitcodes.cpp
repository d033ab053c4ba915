// SPDX-License-Identifier: MIT
#include "exitcodes.h"

#include <iomanip>

namespace assay::cli {

ExitCode exitCodeFor(core::ErrorCode code)
{
    switch (code) {
    case core::ErrorCode::Ok:
        return ExitCode::Ok;
    case core::ErrorCode::Io:
    case core::ErrorCode::NotFound:
    case core::ErrorCode::ReadOnly:
        return ExitCode::CannotOpen;
    case core::ErrorCode::NewerSchema:
        return ExitCode::NewerSchema;
    case core::ErrorCode::NotAWorkspace:
        return ExitCode::NotAWorkspace;
    default:
        return ExitCode::Problem;
    }
}

void printExitCodes(std::ostream& out)
{
    out << "Exit codes:\n";
    for (const auto& info : kExitCodes)
        out << "  " << toInt(info.code) << "  " << std::left << std::setw(17) << info.name << info.meaning << '\n';
}

} // namespace assay::cli
