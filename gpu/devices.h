// SPDX-License-Identifier: MIT
#pragma once

#include "domain/device.h"
#include "runnerinstall.h"
#include "util/result.h"

#include <string>
#include <vector>

namespace assay::gpu {

/// Parses the output of `llama-server --list-devices` ("  CUDA0: NVIDIA … (24080 MiB, 23500 MiB free)") into GPU
/// entries. Lines that do not match are ignored; "(none)" gives an empty list.
std::vector<core::DeviceInfo> parseListDevices(const std::string& output);

/// The CPU as a device: model name from /proc/cpuinfo, RAM from /proc/meminfo (capped by a cgroup v2 memory.max),
/// logical CPUs this process may use, physical cores.
core::DeviceInfo cpuDevice();

/// The CPU plus every GPU the installed llama-server's backends see (runs `llama-server --list-devices`, ~0.1 s).
/// Never fails: when the runner is missing or the listing fails, the CPU is returned with `warning` set.
/// Blocking; call from a worker thread. Thread-safe.
core::DeviceList listDevices(const RunnerInstall& install);

/// "24.0 GiB", "512 MiB", "8.1 MiB".
std::string formatBytes(std::uint64_t bytes);

} // namespace assay::gpu
