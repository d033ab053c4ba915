// SPDX-License-Identifier: MIT
#include "providers/anthropicprovider.h"
#include "providers/providererror.h"
#include "providers/sseparser.h"
#include "util/jsonguard.h"

namespace assay::core {

namespace {
using nlohmann::json;

void readUsage(const json& holder, DecoderSink& sink)
{
    auto u = holder.find("usage");
    if (u == holder.end() || !u->is_object())
        return;
    std::optional<std::int64_t> in, out;
    if (auto i = u->find("input_tokens"); i != u->end() && i->is_number_integer())
        in = i->get<std::int64_t>();
    if (auto o = u->find("output_tokens"); o != u->end() && o->is_number_integer())
        out = o->get<std::int64_t>();
    sink.usage(in, out);
}

std::string errorType(const json& j)
{
    const json e = j.value("error", json::object());
    return e.is_object() ? e.value("type", std::string()) : std::string();
}

Error apiError(const json& j)
{
    const json e = j.value("error", json::object());
    const std::string type = errorType(j);
    const std::string message = e.is_object() ? e.value("message", std::string("unknown error")) : e.dump();
    const ErrorCode code = type == "rate_limit_error"                  ? ErrorCode::RateLimited
        : type == "authentication_error" || type == "permission_error" ? ErrorCode::Unauthorized
        : type == "not_found_error"                                    ? ErrorCode::NotFound
        : type == "invalid_request_error"                              ? ErrorCode::Invalid
                                                                       : ErrorCode::Provider;
    return makeError(
        code, endSentence("Anthropic reported an error (" + (type.empty() ? "error" : type) + "): " + message));
}

class StreamDecoder final : public ResponseDecoder {
public:
    Status feed(std::string_view bytes, DecoderSink& sink) override
    {
        Status s = m_sse.feed(bytes, [&](const SseEvent& ev) { return onEvent(ev, sink); });
        if (m_error)
            return *m_error;
        return s;
    }
    Status end(DecoderSink&) override
    {
        if (m_error)
            return *m_error;
        if (!m_stopped)
            return makeError(
                ErrorCode::Provider, "The response stream ended before the model finished (no message_stop event).");
        return {};
    }

private:
    bool onEvent(const SseEvent& ev, DecoderSink& sink)
    {
        const json j = parseJsonBounded(ev.data);
        if (j.is_discarded() || !j.is_object()) {
            m_error = makeError(ErrorCode::Provider,
                "Anthropic sent malformed streaming data (not JSON): \"" + snippet(ev.data) + "\".");
            return false;
        }
        const std::string type = j.value("type", ev.event);
        if (type == "error") {
            m_error = apiError(j);
            // Anthropic sends overloaded_error (and rate_limit_error) inside a 200 stream too: "busy", which the run
            // engine retries when no output came before it (providers/provider.h, shouldRetry).
            if (const std::string kind = errorType(j); kind == "overloaded_error" || kind == "rate_limit_error")
                sink.reportBusy();
            return false;
        }
        if (type == "message_start") {
            if (auto m = j.find("message"); m != j.end() && m->is_object()) {
                readUsage(*m, sink);
                if (auto model = m->find("model"); model != m->end() && model->is_string())
                    sink.extra("model", *model);
            }
        } else if (type == "content_block_delta") {
            const json d = j.value("delta", json::object());
            if (d.is_object() && d.value("type", std::string()) == "text_delta") {
                TokenDelta delta;
                delta.text = d.value("text", std::string());
                if (!delta.text.empty())
                    sink.delta(std::move(delta));
            }
        } else if (type == "message_delta") {
            const json d = j.value("delta", json::object());
            if (d.is_object()) {
                if (auto r = d.find("stop_reason"); r != d.end() && r->is_string())
                    sink.finishReason(r->get<std::string>());
            }
            readUsage(j, sink);
        } else if (type == "message_stop") {
            m_stopped = true;
        }
        return true; // ping, content_block_start/stop and unknown events need nothing
    }

    SseParser m_sse;
    std::optional<Error> m_error;
    bool m_stopped = false;
};

class JsonDecoder final : public ResponseDecoder {
public:
    Status feed(std::string_view bytes, DecoderSink&) override
    {
        m_body.append(bytes);
        return {};
    }
    Status end(DecoderSink& sink) override
    {
        const json j = parseJsonBounded(m_body);
        if (j.is_discarded() || !j.is_object())
            return makeError(
                ErrorCode::Provider, "Anthropic's response was not valid JSON: \"" + snippet(m_body) + "\".");
        if (j.value("type", std::string()) == "error")
            return apiError(j);
        TokenDelta d;
        if (auto content = j.find("content"); content != j.end() && content->is_array()) {
            for (const auto& block : *content) {
                if (block.is_object() && block.value("type", std::string()) == "text")
                    d.text += block.value("text", std::string());
            }
        }
        if (!d.text.empty())
            sink.delta(std::move(d));
        if (auto r = j.find("stop_reason"); r != j.end() && r->is_string())
            sink.finishReason(r->get<std::string>());
        readUsage(j, sink);
        return {};
    }

private:
    std::string m_body;
};
} // namespace

AnthropicProvider::AnthropicProvider(HttpClient& client, EndpointSettings settings)
    : HttpProvider(client, std::move(settings))
{
}

Capabilities AnthropicProvider::capabilities() const
{
    Capabilities c;
    c.seed = false;
    c.logprobs = false;
    return c;
}

nlohmann::json AnthropicProvider::requestBody(const ProviderRequest& request) const
{
    json body;
    body["model"] = request.model;
    std::string system;
    json messages = json::array();
    for (const auto& m : request.messages) {
        if (m.role == "system") {
            system += (system.empty() ? "" : "\n\n") + m.content;
            continue;
        }
        messages.push_back({ { "role", m.role }, { "content", m.content } });
    }
    if (!system.empty())
        body["system"] = system;
    body["messages"] = std::move(messages);
    const ModelParameters& p = request.parameters;
    body["max_tokens"] = p.maxTokens.value_or(kDefaultMaxTokens);
    if (p.temperature)
        body["temperature"] = *p.temperature;
    if (p.topP)
        body["top_p"] = *p.topP;
    if (!p.stop.empty())
        body["stop_sequences"] = p.stop;
    if (request.stream)
        body["stream"] = true;
    return body;
}

Result<HttpRequest> AnthropicProvider::buildRequest(const ProviderRequest& request) const
{
    // No key, no x-api-key header: a local gateway (LiteLLM, a proxy on this machine ...) may need none. The real
    // API then answers 401, which HttpProvider reports as "this endpoint has no API key" (providers/httpprovider.cpp).
    HttpRequest r;
    r.method = "POST";
    r.url = endpointUrl("/v1/messages");
    r.headers.push_back({ "Content-Type", "application/json" });
    r.headers.push_back({ "Accept", request.stream ? "text/event-stream" : "application/json" });
    if (!m_settings.apiKey.empty())
        r.headers.push_back({ "x-api-key", m_settings.apiKey });
    r.headers.push_back({ "anthropic-version", "2023-06-01" });
    r.body = requestBody(request).dump();
    return r;
}

std::unique_ptr<ResponseDecoder> AnthropicProvider::makeDecoder(const ProviderRequest& request) const
{
    if (request.stream)
        return std::make_unique<StreamDecoder>();
    return std::make_unique<JsonDecoder>();
}

} // namespace assay::core
