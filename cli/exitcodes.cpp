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

int commandExitCode(const core::Error& error, bool opening)
{
    if (!opening && error.code == core::ErrorCode::Invalid)
        return toInt(ExitCode::Usage);
    if (!opening && error.code == core::ErrorCode::NotFound)
        return toInt(ExitCode::Problem);
    return toInt(exitCodeFor(error.code));
}

} // namespace assay::cli
