// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// One row of the capability matrix (table `model`). Unknown facts stay nullopt / empty.
struct Model {
    std::string id; ///< UUID; assigned on insert when empty
    std::string name; ///< unique in the workspace
    std::string provider; ///< vendor or project, e.g. "Anthropic", "Meta"
    bool openWeights = false;
    std::string licence;
    std::optional<bool> commercialUse;
    std::optional<double> parametersB; ///< billions of parameters
    std::optional<std::int64_t> contextWindow; ///< tokens
    std::optional<bool> fineTunable;
    std::string trainingData;
    std::string languages;
    std::string hardware;
    std::optional<double> priceInPerMTok; ///< currency units per 1M input tokens
    std::optional<double> priceOutPerMTok; ///< per 1M output tokens
    std::optional<double> priceGpuHour; ///< self-hosted models
    std::string notes;
    std::int64_t createdAt = 0;
};

/// The API family an endpoint speaks. Persisted as text ("openai" …) — never rename the strings.
enum class EndpointKind { OpenAi, Anthropic, Bedrock, Local };

inline const char* endpointKindName(EndpointKind kind)
{
    switch (kind) {
    case EndpointKind::OpenAi:
        return "openai";
    case EndpointKind::Anthropic:
        return "anthropic";
    case EndpointKind::Bedrock:
        return "bedrock";
    case EndpointKind::Local:
        return "local";
    }
    return "openai";
}

inline std::optional<EndpointKind> parseEndpointKind(std::string_view text)
{
    for (EndpointKind k : { EndpointKind::OpenAi, EndpointKind::Anthropic, EndpointKind::Bedrock, EndpointKind::Local })
        if (text == endpointKindName(k))
            return k;
    return std::nullopt;
}

/// How to reach a model (table `endpoint`). Holds no secret: secretRef is the NAME of a key that the
/// key store (OS keyring or 0600 file) resolves at request time.
struct Endpoint {
    std::string id; ///< UUID; assigned on insert when empty
    std::string name; ///< unique in the workspace
    EndpointKind kind = EndpointKind::OpenAi;
    std::string baseUrl;
    std::optional<std::string> modelId; ///< the capability-matrix row, if known
    std::string remoteModel; ///< the model name the API expects
    std::string secretRef; ///< name of the key, e.g. "openai-prod"; never the key itself
    nlohmann::json settings = nlohmann::json::object(); ///< region, timeouts, rate limits, headers — no secrets
    std::int64_t createdAt = 0;
};

} // namespace assay::core
