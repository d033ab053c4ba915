// SPDX-License-Identifier: MIT
// Low-level helpers of RunnerSupervisor (process creation, ports, keys). Internal to assay_gpu.
#pragma once

#include "util/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace assay::gpu::detail {

/// A port on 127.0.0.1 that was free a moment ago (bind port 0, read it back, close).
core::Result<std::uint16_t> freeLoopbackPort();

/// 32 random bytes from OpenSSL's CSPRNG as 64 hex characters.
core::Result<std::string> randomApiKey();

struct SpawnedProcess {
    int pid = 0;
    int outFd = -1; ///< read end: the child's stdout and stderr
};

/// fork + execve with stdout/stderr into one pipe, stdin from /dev/null, every other descriptor closed,
/// a new process group, signals reset, and PR_SET_PDEATHSIG(SIGKILL) bound to the calling thread (with the
/// getppid() check for a parent that died before prctl). An exec failure is reported as an error, not a child exit.
core::Result<SpawnedProcess> spawnSupervised(const std::vector<std::string>& argv, const std::vector<std::string>& env);

/// The current environment minus variables that would change llama-server's behaviour behind Assay's back
/// (LLAMA_ARG_*, LLAMA_API_KEY, HF_*), plus `extra` ("NAME=value").
std::vector<std::string> childEnvironment(const std::vector<std::string>& extra);

} // namespace assay::gpu::detail
