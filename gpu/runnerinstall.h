// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <string>

namespace assay::gpu {

/// Where the llama.cpp runtime (llama-server, llama-bench, libggml*) lives on this machine.
struct RunnerInstall {
    std::string prefix; ///< install prefix: bin/llama-server, lib/libllama.so …
    std::string serverPath;
    std::string version; ///< `llama-server --version` first line, e.g. "version: 1 (de3ff81)"
};

/// Looks for llama-server: $ASSAY_LLAMA_DIR, then the prefix the build was configured with, then beside the
/// executable (../lib/assay/llama). Returns NotFound with the places it looked when there is none.
core::Result<RunnerInstall> locateRunner(const std::string& executableDir = {});

} // namespace assay::gpu
