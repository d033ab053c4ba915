// SPDX-License-Identifier: MIT
#pragma once

#include "domain/model.h"
#include "http/httpclient.h"
#include "providers/embeddings.h"
#include "providers/pricing.h"
#include "providers/provider.h"
#include "secrets/secretstore.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

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
/// A missing key is an error that names the endpoint and the secret NAME, never a value. A model of the local runner
/// (settings.runner) whose key is missing is not loaded: the error says so and where to load it.
/// An embeddings endpoint (settings.purpose == "embeddings") gets no chat provider: use makeEmbeddings().
class ProviderFactory {
public:
    static Result<std::unique_ptr<Provider>> make(HttpClient& http, const Endpoint& endpoint, SecretStore* secrets,
        const PriceTable& prices, const CallLimits& limits);
    /// The embeddings client of an OpenAI-compatible or local endpoint (the same key rules as make()).
    static Result<EmbeddingsClient> makeEmbeddings(
        HttpClient& http, const Endpoint& endpoint, SecretStore* secrets, const CallLimits& limits);
    /// The endpoint's key from @p secrets ("" when it names none), with the errors described above.
    static Result<std::string> keyFor(const Endpoint& endpoint, SecretStore* secrets);
    /// Registered by the local runner for a loaded model (its key lives in memory only while it is loaded).
    static bool isLocalRunner(const Endpoint& endpoint);
    /// The devices a local runner's model computes on (settings.runner.computeDevices, e.g. ["CPU"]): endpoints that
    /// share one take turns in a run. Empty for every other endpoint; ["CPU"] for a runner endpoint that predates it.
    static std::vector<std::string> computeDevices(const Endpoint& endpoint);
    /// Two such lists name a common device: their models take turns (the scheduler; the Local Runner table).
    static bool shareADevice(const std::vector<std::string>& a, const std::vector<std::string>& b);
    /// Serves embeddings (cosine similarity), not chat.
    static bool servesEmbeddings(const Endpoint& endpoint);
    /// The endpoint's model prices (per million tokens / per GPU hour) from its capability-matrix row.
    static PriceTable pricesFor(const Endpoint& endpoint, const std::optional<Model>& model);
};

} // namespace assay::core
