// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

namespace assay::core {

/// Where a run stands, as the progress callback reports it. "This start" excludes cells a resumed run already had.
struct RunProgress {
    std::int64_t total = 0; ///< cells in the plan
    std::int64_t alreadyDone = 0; ///< ok cells committed before this start (a resume skips them)
    std::int64_t done = 0; ///< ok cells committed by this start, cached ones included
    std::int64_t cached = 0; ///< of done: answered from the cache without a request
    std::int64_t failed = 0;
    std::int64_t cancelled = 0;
    std::int64_t inFlight = 0; ///< calls running now
    std::int64_t retries = 0; ///< attempts scheduled again after a retryable failure
    std::int64_t tokensIn = 0;
    std::int64_t tokensOut = 0;
    double cost = 0; ///< of this start's requests (cached cells cost nothing)
    double elapsedMs = 0;
    std::optional<double> etaMs; ///< unknown until a cell finished
    bool finished = false; ///< the last report of the run

    /// Cells that have a committed outcome now.
    [[nodiscard]] std::int64_t completed() const { return alreadyDone + done + failed + cancelled; }
};

} // namespace assay::core
