// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>

namespace assay::core {

/// A token bucket refilled continuously at perMinute / 60 per second and holding at most one second's worth
/// (at least 1), so a limit of 600 requests/min allows bursts of 10 and then one every 100 ms. A take larger
/// than the capacity is allowed once the bucket is full and leaves it in debt. Not thread-safe (the scheduler's
/// dispatcher owns it). A perMinute of 0 means unlimited.
class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    explicit TokenBucket(double perMinute = 0, Clock::time_point now = Clock::now());

    [[nodiscard]] bool unlimited() const { return m_ratePerMs <= 0; }
    /// How long until @p amount can be taken (zero when it can be now).
    [[nodiscard]] Clock::duration waitFor(double amount, Clock::time_point now);
    /// Takes @p amount (call after waitFor() returned zero).
    void take(double amount, Clock::time_point now);
    /// Gives back (positive) or charges (negative) a correction, e.g. actual tokens minus the estimate.
    void adjust(double amount);
    [[nodiscard]] double available(Clock::time_point now);

private:
    void refill(Clock::time_point now);

    double m_ratePerMs = 0;
    double m_capacity = 0;
    double m_tokens = 0;
    Clock::time_point m_last;
};

} // namespace assay::core
