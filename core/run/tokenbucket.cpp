// SPDX-License-Identifier: MIT
#include "run/tokenbucket.h"

#include <algorithm>
#include <cmath>

namespace assay::core {

TokenBucket::TokenBucket(double perMinute, Clock::time_point now)
    : m_ratePerMs(perMinute > 0 ? perMinute / 60'000.0 : 0)
    , m_capacity(std::max(1.0, perMinute / 60.0))
    , m_tokens(m_capacity)
    , m_last(now)
{
}

void TokenBucket::refill(Clock::time_point now)
{
    if (now <= m_last)
        return;
    const double ms = std::chrono::duration<double, std::milli>(now - m_last).count();
    m_tokens = std::min(m_capacity, m_tokens + ms * m_ratePerMs);
    m_last = now;
}

double TokenBucket::available(Clock::time_point now)
{
    refill(now);
    return m_tokens;
}

TokenBucket::Clock::duration TokenBucket::waitFor(double amount, Clock::time_point now)
{
    if (unlimited())
        return Clock::duration::zero();
    refill(now);
    const double need = std::min(amount, m_capacity);
    if (m_tokens >= need)
        return Clock::duration::zero();
    const double ms = std::ceil((need - m_tokens) / m_ratePerMs);
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(std::max(1.0, ms)));
}

void TokenBucket::take(double amount, Clock::time_point now)
{
    if (unlimited())
        return;
    refill(now);
    m_tokens -= amount;
}

void TokenBucket::adjust(double amount)
{
    if (unlimited())
        return;
    m_tokens = std::min(m_capacity, m_tokens + amount);
}

} // namespace assay::core
