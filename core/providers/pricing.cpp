// SPDX-License-Identifier: MIT
#include "providers/pricing.h"

namespace assay::core {

double ModelPrice::cost(const TokenUsage& usage, double latencyMs) const
{
    return static_cast<double>(usage.inputTokens) * inputPerMillion / 1e6
        + static_cast<double>(usage.outputTokens) * outputPerMillion / 1e6 + gpuHourly * latencyMs / 3.6e6;
}

std::optional<ModelPrice> PriceTable::find(const std::string& model) const
{
    if (auto it = m_prices.find(model); it != m_prices.end())
        return it->second;
    return m_default;
}

} // namespace assay::core
