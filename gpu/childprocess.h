// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <chrono>
#include <string>
#include <vector>

namespace assay::gpu {

struct CapturedRun {
    int exitCode = -1; ///< exit status, or -signal when killed
    std::string output; ///< stdout and stderr interleaved
};

/// Runs `argv` (argv[0] is a path, no shell), captures its output (at most `maxOutput` bytes kept) and waits at most
/// `timeout`; on timeout the child is killed and Timeout is returned. Thread-safe.
core::Result<CapturedRun> runCaptured(
    const std::vector<std::string>& argv, std::chrono::milliseconds timeout, std::size_t maxOutput = 1 << 20);

} // namespace assay::gpu
