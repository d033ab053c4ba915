// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <chrono>
#include <string>

namespace assay::gpu {

/// Where the llama.cpp runtime (llama-server, llama-bench, libggml*) lives on this machine.
struct RunnerInstall {
    std::string prefix; ///< install prefix: bin/llama-server, lib/libllama.so …
    std::string serverPath;
    std::string version; ///< `llama-server --version` first line, e.g. "version: 1 (de3ff81)"
};

/// Whether locateRunner asks the server for its version (which runs it: a GUI thread passes PathOnly and probes
/// with runnerVersion() on a worker).
enum class RunnerProbe { WithVersion, PathOnly };

/// Looks for llama-server: $ASSAY_LLAMA_DIR, then the prefix the build was configured with, then beside the
/// executable (../lib/assay/llama). Returns NotFound with the places it looked when there is none. With
/// RunnerProbe::PathOnly, version stays empty and nothing is run (only the files are looked at).
core::Result<RunnerInstall> locateRunner(
    const std::string& executableDir = {}, RunnerProbe probe = RunnerProbe::WithVersion);

/// Runs `serverPath --version` (no shell) and returns the line naming the version, "" when it says none or does
/// not answer within @p timeout (it is killed then). Blocks: call it off the GUI thread. Thread-safe.
std::string runnerVersion(
    const std::string& serverPath, std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));

} // namespace assay::gpu
