// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>

namespace assay::gpu {

/// Lower-case hex SHA-256 of a file, read in 4 MiB chunks. `progress(done, total)` is called after each chunk;
/// a stop request returns Cancelled. Thread-safe (no shared state).
core::Result<std::string> sha256File(const std::string& path, std::stop_token stop = {},
    const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

} // namespace assay::gpu
