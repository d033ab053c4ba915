// SPDX-License-Identifier: MIT
#pragma once

#include "domain/model.h"
#include "http/httpclient.h"
#include "providers/pricing.h"
#include "providers/provider.h"
#include "secrets/secretstore.h"

#include <memory>
#include <optional>

namespace assay::core {

/// Limits applied to every call of a provider built for a run.
struct CallLimits {
    long totalTimeoutMs = 120'000; ///< submission to the end of the response
    long streamIdleTimeoutMs = 60'000;
    long connectTimeoutMs = 10'000;
};

/// Builds the Provider for an Endpoint. The key is read from @p secrets under endpoint.secretRef (no secretRef:
/// no key, for local servers). Bedrock's secret is "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]" and its
/// region comes from settings.region. Endpoint settings read: region, chatPath, query, azureKeyHeader.
/// A missing key is an error that names the endpoint and the secret NAME, never a value.
class ProviderFactory {
public:
    static Result<std::unique_ptr<Provider>> make(HttpClient& http, const Endpoint& endpoint, SecretStore* secrets,
        const PriceTable& prices, const CallLimits& limits);
    /// The endpoint's model prices (per million tokens / per GPU hour) from its capability-matrix row.
    static PriceTable pricesFor(const Endpoint& endpoint, const std::optional<Model>& model);
};

} // namespace assay::core
