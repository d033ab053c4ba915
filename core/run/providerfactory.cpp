// SPDX-License-Identifier: MIT
#include "run/providerfactory.h"

#include "providers/anthropicprovider.h"
#include "providers/bedrockprovider.h"
#include "providers/openaiprovider.h"
#include "util/jsonread.h"

#include <algorithm>

namespace assay::core {

namespace {
std::string settingText(const Endpoint& e, const char* key, const std::string& fallback = {})
{
    if (e.settings.contains(key) && e.settings[key].is_string())
        return e.settings[key].get<std::string>();
    return fallback;
}
} // namespace

PriceTable ProviderFactory::pricesFor(const Endpoint& endpoint, const std::optional<Model>& model)
{
    PriceTable table;
    if (model && (model->priceInPerMTok || model->priceOutPerMTok || model->priceGpuHour))
        table.set(endpoint.remoteModel,
            ModelPrice { model->priceInPerMTok.value_or(0), model->priceOutPerMTok.value_or(0),
                model->priceGpuHour.value_or(0) });
    return table;
}

bool ProviderFactory::isLocalRunner(const Endpoint& endpoint)
{
    const auto runner = endpoint.settings.find("runner");
    return endpoint.kind == EndpointKind::Local && runner != endpoint.settings.end() && runner->is_object();
}

std::vector<std::string> ProviderFactory::computeDevices(const Endpoint& endpoint)
{
    if (!isLocalRunner(endpoint))
        return {};
    std::vector<std::string> out;
    const nlohmann::json& runner = endpoint.settings["runner"];
    if (const auto it = runner.find("computeDevices"); it != runner.end() && it->is_array())
        for (const auto& d : *it)
            if (d.is_string() && !d.get_ref<const std::string&>().empty())
                out.push_back(d.get<std::string>());
    if (out.empty())
        out.push_back("CPU");
    return out;
}

bool ProviderFactory::shareADevice(const std::vector<std::string>& a, const std::vector<std::string>& b)
{
    return std::any_of(
        a.begin(), a.end(), [&](const std::string& d) { return std::find(b.begin(), b.end(), d) != b.end(); });
}

bool ProviderFactory::servesEmbeddings(const Endpoint& endpoint)
{
    return settingText(endpoint, "purpose") == "embeddings";
}

Result<std::string> ProviderFactory::keyFor(const Endpoint& endpoint, SecretStore* secrets)
{
    if (endpoint.secretRef.empty())
        return std::string();
    auto value = secrets ? secrets->get(endpoint.secretRef)
                         : Result<std::string>(makeError(ErrorCode::NotFound, "no key store is open"));
    if (value)
        return value;
    // The local runner's key exists only while its llama-server runs: a missing one means the model is not loaded
    // (unloaded, crashed, or Assay restarted since). Say that, not which secret is missing.
    if (isLocalRunner(endpoint) && value.error().code == ErrorCode::NotFound)
        return makeError(ErrorCode::Runner,
            "endpoint '" + endpoint.name
                + "' is a model on the local runner and it is not loaded: load the model first on Models & Runner "
                  "→ Local Runner");
    if (!secrets)
        return makeError(ErrorCode::Unauthorized,
            "endpoint '" + endpoint.name + "' needs the secret '" + endpoint.secretRef + "' and no key store is open");
    return makeError(value.error().code == ErrorCode::NotFound ? ErrorCode::Unauthorized : value.error().code,
        "endpoint '" + endpoint.name + "' needs the secret '" + endpoint.secretRef + "': " + value.error().message);
}

Result<EmbeddingsClient> ProviderFactory::makeEmbeddings(
    HttpClient& http, const Endpoint& endpoint, SecretStore* secrets, const CallLimits& limits)
{
    if (endpoint.kind != EndpointKind::OpenAi && endpoint.kind != EndpointKind::Local)
        return makeError(ErrorCode::Unsupported,
            "endpoint '" + endpoint.name + "': embeddings need an OpenAI-compatible or local endpoint");
    auto key = keyFor(endpoint, secrets);
    if (!key)
        return key.error();
    EndpointSettings s;
    s.baseUrl = endpoint.baseUrl;
    s.apiKey = std::move(*key);
    s.connectTimeoutMs = limits.connectTimeoutMs;
    s.totalTimeoutMs = limits.totalTimeoutMs;
    return EmbeddingsClient(http, std::move(s), endpoint.remoteModel);
}

Result<std::unique_ptr<Provider>> ProviderFactory::make(HttpClient& http, const Endpoint& endpoint,
    SecretStore* secrets, const PriceTable& prices, const CallLimits& limits)
{
    if (servesEmbeddings(endpoint))
        return makeError(ErrorCode::Unsupported,
            "endpoint '" + endpoint.name
                + "' serves embeddings (for cosine similarity), not chat: choose a chat endpoint for runs");
    auto keyResult = keyFor(endpoint, secrets);
    if (!keyResult)
        return keyResult.error();
    std::string key = std::move(*keyResult);
    EndpointSettings s;
    s.baseUrl = endpoint.baseUrl;
    s.connectTimeoutMs = limits.connectTimeoutMs;
    s.totalTimeoutMs = limits.totalTimeoutMs;
    s.streamIdleTimeoutMs = limits.streamIdleTimeoutMs;
    s.prices = prices;
    switch (endpoint.kind) {
    case EndpointKind::OpenAi:
    case EndpointKind::Local: {
        s.apiKey = std::move(key);
        OpenAiOptions o;
        o.chatPath = settingText(endpoint, "chatPath", o.chatPath);
        o.query = settingText(endpoint, "query");
        o.azureKeyHeader = jsonBool(endpoint.settings, "azureKeyHeader"); // stored JSON: never throws
        return std::unique_ptr<Provider>(std::make_unique<OpenAiProvider>(http, std::move(s), o));
    }
    case EndpointKind::Anthropic:
        s.apiKey = std::move(key);
        return std::unique_ptr<Provider>(std::make_unique<AnthropicProvider>(http, std::move(s)));
    case EndpointKind::Bedrock: {
        BedrockOptions o;
        o.region = settingText(endpoint, "region", o.region);
        const auto first = key.find(':');
        if (first == std::string::npos)
            return makeError(ErrorCode::Invalid,
                "endpoint '" + endpoint.name + "': secret '" + endpoint.secretRef
                    + "' must be ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]");
        const auto second = key.find(':', first + 1);
        o.credentials.accessKeyId = key.substr(0, first);
        o.credentials.secretAccessKey
            = key.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
        if (second != std::string::npos)
            o.credentials.sessionToken = key.substr(second + 1);
        return std::unique_ptr<Provider>(std::make_unique<BedrockProvider>(http, std::move(s), std::move(o)));
    }
    }
    return makeError(ErrorCode::Unsupported, "endpoint '" + endpoint.name + "': unknown kind");
}

} // namespace assay::core
