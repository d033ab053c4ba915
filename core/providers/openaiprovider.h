// SPDX-License-Identifier: MIT
#pragma once

#include "providers/httpprovider.h"

namespace assay::core {

/// Variations among OpenAI-compatible servers.
struct OpenAiOptions {
    std::string chatPath = "/chat/completions"; ///< appended to the base URL
    std::string query; ///< e.g. "api-version=2024-06-01" for Azure OpenAI
    bool azureKeyHeader = false; ///< send the key as "api-key" (Azure) instead of "Authorization: Bearer"
    bool streamUsage = true; ///< ask for stream_options.include_usage
    bool seed = true; ///< the server honours "seed"
    bool logprobs = true; ///< the server offers logprobs
};

/// OpenAI-compatible chat completions (OpenAI, Azure OpenAI, vLLM, TGI, Ollama /v1, LM Studio, llama-server):
/// SSE streaming with usage (stream_options.include_usage), seed, logprobs, and llama-server's "timings"
/// (kept in CallStats::extras). Thread-safe.
class OpenAiProvider final : public HttpProvider {
public:
    OpenAiProvider(HttpClient& client, EndpointSettings settings, OpenAiOptions options = {});
    [[nodiscard]] ProviderKind kind() const override { return ProviderKind::OpenAiCompatible; }
    [[nodiscard]] Capabilities capabilities() const override;

    /// The JSON body for a request (exposed for the cache key and for tests).
    [[nodiscard]] nlohmann::json requestBody(const ProviderRequest& request) const;

protected:
    Result<HttpRequest> buildRequest(const ProviderRequest& request) const override;
    std::unique_ptr<ResponseDecoder> makeDecoder(const ProviderRequest& request) const override;

private:
    OpenAiOptions m_options;
};

} // namespace assay::core
