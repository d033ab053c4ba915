// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <array>
#include <ostream>

namespace assay::cli {

/// assay-cli's exit status. Scripts depend on these numbers: they are printed by `assay-cli --help` and listed in
/// README.md. Never renumber; append new codes at the end.
enum class ExitCode : int {
    Ok = 0, ///< success; `workspace check` found no problem
    Problem = 1, ///< a check found a problem, or the command failed
    Usage = 2, ///< unknown command or option, missing or extra argument
    CannotOpen = 3, ///< the file or its folder does not exist, or cannot be read or written
    NewerSchema = 4, ///< the workspace was written by a newer Assay
    NotAWorkspace = 5, ///< the file is not an Assay workspace
    CellsFailed = 6, ///< `run` finished, but some cells failed (their errors are in the workspace and the output)
    Cancelled = 7, ///< `run` was interrupted (Ctrl+C / SIGTERM); continue it with --resume RUN_ID
};

struct ExitCodeInfo {
    ExitCode code;
    const char* name;
    const char* meaning;
};

inline constexpr std::array<ExitCodeInfo, 8> kExitCodes { {
    { ExitCode::Ok, "ok", "success; 'workspace check' found no problem" },
    { ExitCode::Problem, "problem", "a check found a problem, or the command failed" },
    { ExitCode::Usage, "usage", "unknown command or option, missing or extra argument" },
    { ExitCode::CannotOpen, "cannot-open", "the file or its folder does not exist, or cannot be read or written" },
    { ExitCode::NewerSchema, "newer-schema", "the workspace was written by a newer Assay" },
    { ExitCode::NotAWorkspace, "not-a-workspace", "the file is not an Assay workspace" },
    { ExitCode::CellsFailed, "cells-failed", "'run' finished, but some cells failed" },
    { ExitCode::Cancelled, "cancelled", "'run' was interrupted; continue it with --resume RUN_ID" },
} };

inline int toInt(ExitCode code)
{
    return static_cast<int>(code);
}

/// The exit code a command returns when a core call failed with @p code.
ExitCode exitCodeFor(core::ErrorCode code);

/// The exit status of a subcommand that failed with @p error: a refused argument or value (Invalid) is a usage
/// error and something the command looked for and did not find (NotFound) a problem; otherwise, and always while
/// @p opening the workspace (a missing file is cannot-open), exitCodeFor().
int commandExitCode(const core::Error& error, bool opening = false);

/// Writes the exit-code table (as shown in --help).
void printExitCodes(std::ostream& out);

} // namespace assay::cli
