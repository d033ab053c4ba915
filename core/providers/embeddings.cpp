// SPDX-License-Identifier: MIT
#include "providers/embeddings.h"

#include "http/redact.h"
#include "providers/providererror.h"
#include "util/displaytext.h"
#include "util/jsonguard.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace assay::core {

EmbeddingsClient::EmbeddingsClient(HttpClient& client, EndpointSettings settings, std::string model)
    : m_client(client)
    , m_settings(std::move(settings))
    , m_model(std::move(model))
{
}

Result<Embeddings> EmbeddingsClient::embed(const std::vector<std::string>& inputs, std::stop_token cancel) const
{
    using nlohmann::json;
    std::string base = m_settings.baseUrl;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    HttpRequest r;
    r.method = "POST";
    r.url = base + "/embeddings";
    r.headers = { { "Content-Type", "application/json" }, { "Accept", "application/json" } };
    if (!m_settings.apiKey.empty())
        r.headers.push_back({ "Authorization", "Bearer " + m_settings.apiKey });
    for (const auto& h : m_settings.extraHeaders)
        r.headers.push_back(h);
    r.body = json { { "model", m_model }, { "input", inputs }, { "encoding_format", "float" } }.dump();
    r.connectTimeoutMs = m_settings.connectTimeoutMs;
    r.totalTimeoutMs = m_settings.totalTimeoutMs;
    r.maxResponseBytes = m_settings.maxResponseBytes;
    r.cancel = std::move(cancel);
    const std::vector<std::string> secrets { m_settings.apiKey };
    auto response = performBlocking(m_client, std::move(r));
    if (!response) {
        Error e = response.error();
        e.message = redactSecrets(std::move(e.message), secrets);
        e.detail = redactSecrets(std::move(e.detail), secrets);
        return e;
    }
    if (response->status < 200 || response->status > 299) {
        Error e = errorForHttpStatus(response->status, extractErrorMessage(response->body), std::nullopt);
        e.message = validUtf8(redactSecrets(std::move(e.message), secrets)); // the body may be any bytes
        return e;
    }
    const json j = parseJsonBounded(response->body);
    const auto data = j.is_object() ? j.find("data") : j.end();
    if (!j.is_object() || data == j.end() || !data->is_array())
        return makeError(ErrorCode::Provider, "The embeddings response had no data array.");
    Embeddings out;
    out.model = j.value("model", m_model);
    if (auto u = j.find("usage"); u != j.end() && u->is_object())
        out.promptTokens = u->value("prompt_tokens", std::int64_t { 0 });
    out.vectors.resize(inputs.size());
    for (const json& item : *data) {
        const auto index = item.is_object() ? item.value("index", std::size_t { 0 }) : inputs.size();
        const auto vec = item.is_object() ? item.find("embedding") : item.end();
        if (index >= inputs.size() || vec == item.end() || !vec->is_array() || vec->empty())
            return makeError(ErrorCode::Provider, "The embeddings response had a malformed item.");
        auto& target = out.vectors[index];
        target.reserve(vec->size());
        for (const json& x : *vec) {
            if (!x.is_number())
                return makeError(ErrorCode::Provider, "The embeddings response had a non-numeric value.");
            target.push_back(x.get<double>());
        }
    }
    for (const auto& v : out.vectors)
        if (v.empty())
            return makeError(ErrorCode::Provider,
                "The embeddings response had " + std::to_string(data->size()) + " vectors for "
                    + std::to_string(inputs.size()) + " inputs.");
    return out;
}

double cosineSimilarity(const std::vector<double>& a, const std::vector<double>& b)
{
    if (a.size() != b.size() || a.empty())
        return 0;
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    if (na == 0 || nb == 0)
        return 0;
    return dot / (std::sqrt(na) * std::sqrt(nb));
}

} // namespace assay::core
