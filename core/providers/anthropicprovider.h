// SPDX-License-Identifier: MIT
#pragma once

#include "providers/httpprovider.h"

namespace assay::core {

/// Anthropic Messages API (POST {base}/v1/messages, x-api-key, anthropic-version), streaming through SSE
/// events message_start / content_block_delta / message_delta / message_stop and in-stream error events.
/// System messages go to the top-level "system" field. No seed, no logprobs. Thread-safe.
/// Without a key no x-api-key header is sent (a local gateway may need none). An in-stream overloaded_error or
/// rate_limit_error is reported as "busy" (retried by the run engine when it came before any output).
class AnthropicProvider final : public HttpProvider {
public:
    static constexpr std::int64_t kDefaultMaxTokens = 1024; ///< the API requires max_tokens

    AnthropicProvider(HttpClient& client, EndpointSettings settings);
    [[nodiscard]] ProviderKind kind() const override { return ProviderKind::Anthropic; }
    [[nodiscard]] Capabilities capabilities() const override;
    [[nodiscard]] nlohmann::json requestBody(const ProviderRequest& request) const;

protected:
    Result<HttpRequest> buildRequest(const ProviderRequest& request) const override;
    std::unique_ptr<ResponseDecoder> makeDecoder(const ProviderRequest& request) const override;
};

} // namespace assay::core
