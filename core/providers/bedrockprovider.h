// SPDX-License-Identifier: MIT
#pragma once

#include "providers/httpprovider.h"
#include "providers/sigv4.h"

#include <functional>

namespace assay::core {

struct BedrockOptions {
    std::string region = "us-east-1";
    AwsCredentials credentials; ///< in memory only (from the secrets store)
    /// UTC clock in ms for x-amz-date; empty = the system clock (tests pin it).
    std::function<std::int64_t()> clockMs;
};

/// AWS Bedrock Converse / ConverseStream. Requests are signed with our own SigV4 (the canonical URI is
/// double-encoded, so model ids with ':' sign correctly — Debian 12's libcurl does not); the streaming reply is
/// AWS eventstream (binary frames with CRCs), not SSE. EndpointSettings::baseUrl may be empty for the regional
/// https://bedrock-runtime.<region>.amazonaws.com. Thread-safe.
class BedrockProvider final : public HttpProvider {
public:
    BedrockProvider(HttpClient& client, EndpointSettings settings, BedrockOptions options);
    [[nodiscard]] ProviderKind kind() const override { return ProviderKind::Bedrock; }
    [[nodiscard]] Capabilities capabilities() const override;
    [[nodiscard]] nlohmann::json requestBody(const ProviderRequest& request) const;
    /// The path as sent: /model/<id, ':' as %3A>/converse(-stream).
    [[nodiscard]] static std::string wirePath(const std::string& model, bool stream);

protected:
    Result<HttpRequest> buildRequest(const ProviderRequest& request) const override;
    std::unique_ptr<ResponseDecoder> makeDecoder(const ProviderRequest& request) const override;
    std::string errorMessage(const HttpResponse& head, std::string_view body) const override;
    [[nodiscard]] std::vector<std::string> secrets() const override;

private:
    BedrockOptions m_options;
};

} // namespace assay::core
