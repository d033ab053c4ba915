// SPDX-License-Identifier: MIT
#pragma once

#include "providers/provider.h"

#include <map>
#include <optional>
#include <string>

namespace assay::core {

/// Price of one model. Cloud APIs: per million tokens. Self-hosted: per GPU-hour of wall time.
struct ModelPrice {
    double inputPerMillion = 0;
    double outputPerMillion = 0;
    double gpuHourly = 0; ///< charged for the call's latency; the run engine may amortize it over a whole run
    bool operator==(const ModelPrice&) const = default;

    /// Cost of one call with this usage and latency.
    [[nodiscard]] double cost(const TokenUsage& usage, double latencyMs) const;
};

/// Editable per-model price table (the user maintains it; nothing is downloaded). Value type.
class PriceTable {
public:
    void set(const std::string& model, ModelPrice price) { m_prices[model] = price; }
    void setDefault(ModelPrice price) { m_default = price; }
    /// Exact model id first, then the default when one is set.
    [[nodiscard]] std::optional<ModelPrice> find(const std::string& model) const;

private:
    std::map<std::string, ModelPrice> m_prices;
    std::optional<ModelPrice> m_default;
};

} // namespace assay::core
