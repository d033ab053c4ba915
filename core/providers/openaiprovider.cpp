// SPDX-License-Identifier: MIT
#include "providers/openaiprovider.h"
#include "providers/providererror.h"
#include "providers/sseparser.h"
#include "util/jsonguard.h"

namespace assay::core {

namespace {
using nlohmann::json;

std::vector<TokenLogprob> parseLogprobs(const json& choice)
{
    std::vector<TokenLogprob> out;
    const auto lp = choice.find("logprobs");
    if (lp == choice.end() || !lp->is_object())
        return out;
    const auto content = lp->find("content");
    if (content == lp->end() || !content->is_array())
        return out;
    for (const auto& item : *content) {
        if (!item.is_object())
            continue;
        TokenLogprob t;
        t.token = item.value("token", std::string());
        t.logprob = item.value("logprob", 0.0);
        if (auto top = item.find("top_logprobs"); top != item.end() && top->is_array()) {
            for (const auto& alt : *top) {
                if (alt.is_object())
                    t.top.emplace_back(alt.value("token", std::string()), alt.value("logprob", 0.0));
            }
        }
        out.push_back(std::move(t));
    }
    return out;
}

void parseCommon(const json& j, DecoderSink& sink)
{
    if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
        std::optional<std::int64_t> in, out;
        if (auto p = u->find("prompt_tokens"); p != u->end() && p->is_number_integer())
            in = p->get<std::int64_t>();
        if (auto c = u->find("completion_tokens"); c != u->end() && c->is_number_integer())
            out = c->get<std::int64_t>();
        sink.usage(in, out);
    }
    if (auto t = j.find("timings"); t != j.end() && t->is_object())
        sink.extra("timings", *t);
    if (auto f = j.find("system_fingerprint"); f != j.end() && f->is_string())
        sink.extra("system_fingerprint", *f);
}

std::optional<Error> errorInBody(const json& j)
{
    auto e = j.find("error");
    if (e == j.end() || e->is_null())
        return std::nullopt;
    std::string message = e->is_string() ? e->get<std::string>()
        : e->is_object()                 ? e->value("message", std::string("unknown error"))
                                         : e->dump();
    return makeError(ErrorCode::Provider, endSentence("The provider reported an error: " + message));
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
        if (!m_done && !m_finished)
            return makeError(ErrorCode::Provider,
                "The response stream ended before the model finished (no [DONE] and no finish reason).");
        return {};
    }

private:
    bool onEvent(const SseEvent& ev, DecoderSink& sink)
    {
        if (ev.data == "[DONE]") {
            m_done = true;
            return true;
        }
        const json j = parseJsonBounded(ev.data);
        if (j.is_discarded() || !j.is_object()) {
            m_error = makeError(ErrorCode::Provider,
                "The provider sent malformed streaming data (not JSON): \"" + snippet(ev.data) + "\".");
            return false;
        }
        if (auto e = errorInBody(j)) {
            m_error = std::move(e);
            return false;
        }
        parseCommon(j, sink);
        const auto choices = j.find("choices");
        if (choices == j.end() || !choices->is_array() || choices->empty())
            return true;
        const json& c = (*choices)[0];
        TokenDelta d;
        if (auto delta = c.find("delta"); delta != c.end() && delta->is_object()) {
            if (auto content = delta->find("content"); content != delta->end() && content->is_string())
                d.text = content->get<std::string>();
        }
        d.logprobs = parseLogprobs(c);
        if (!d.text.empty() || !d.logprobs.empty())
            sink.delta(std::move(d));
        if (auto fr = c.find("finish_reason"); fr != c.end() && fr->is_string()) {
            sink.finishReason(fr->get<std::string>());
            m_finished = true;
        }
        return true;
    }

    SseParser m_sse;
    std::optional<Error> m_error;
    bool m_done = false;
    bool m_finished = false;
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
                ErrorCode::Provider, "The provider's response was not valid JSON: \"" + snippet(m_body) + "\".");
        if (auto e = errorInBody(j))
            return *e;
        const auto choices = j.find("choices");
        if (choices == j.end() || !choices->is_array() || choices->empty())
            return makeError(ErrorCode::Provider, "The provider's response had no choices.");
        const json& c = (*choices)[0];
        TokenDelta d;
        if (auto m = c.find("message"); m != c.end() && m->is_object()) {
            if (auto content = m->find("content"); content != m->end() && content->is_string())
                d.text = content->get<std::string>();
        }
        d.logprobs = parseLogprobs(c);
        if (!d.text.empty() || !d.logprobs.empty())
            sink.delta(std::move(d));
        if (auto fr = c.find("finish_reason"); fr != c.end() && fr->is_string())
            sink.finishReason(fr->get<std::string>());
        parseCommon(j, sink);
        return {};
    }

private:
    std::string m_body;
};
} // namespace

OpenAiProvider::OpenAiProvider(HttpClient& client, EndpointSettings settings, OpenAiOptions options)
    : HttpProvider(client, std::move(settings))
    , m_options(std::move(options))
{
}

Capabilities OpenAiProvider::capabilities() const
{
    Capabilities c;
    c.seed = m_options.seed;
    c.logprobs = m_options.logprobs;
    return c;
}

nlohmann::json OpenAiProvider::requestBody(const ProviderRequest& request) const
{
    json body;
    body["model"] = request.model;
    json messages = json::array();
    for (const auto& m : request.messages)
        messages.push_back({ { "role", m.role }, { "content", m.content } });
    body["messages"] = std::move(messages);
    body["stream"] = request.stream;
    if (request.stream && m_options.streamUsage)
        body["stream_options"] = { { "include_usage", true } };
    const ModelParameters& p = request.parameters;
    if (p.temperature)
        body["temperature"] = *p.temperature;
    if (p.topP)
        body["top_p"] = *p.topP;
    if (p.maxTokens)
        body["max_tokens"] = *p.maxTokens;
    if (!p.stop.empty())
        body["stop"] = p.stop;
    if (p.seed && m_options.seed)
        body["seed"] = *p.seed;
    if (request.topLogprobs >= 0 && m_options.logprobs) {
        body["logprobs"] = true;
        if (request.topLogprobs > 0)
            body["top_logprobs"] = request.topLogprobs;
    }
    return body;
}

Result<HttpRequest> OpenAiProvider::buildRequest(const ProviderRequest& request) const
{
    HttpRequest r;
    r.method = "POST";
    r.url = endpointUrl(m_options.chatPath) + (m_options.query.empty() ? "" : "?" + m_options.query);
    r.headers.push_back({ "Content-Type", "application/json" });
    r.headers.push_back({ "Accept", request.stream ? "text/event-stream" : "application/json" });
    if (!m_settings.apiKey.empty()) {
        if (m_options.azureKeyHeader)
            r.headers.push_back({ "api-key", m_settings.apiKey });
        else
            r.headers.push_back({ "Authorization", "Bearer " + m_settings.apiKey });
    }
    r.body = requestBody(request).dump();
    return r;
}

std::unique_ptr<ResponseDecoder> OpenAiProvider::makeDecoder(const ProviderRequest& request) const
{
    if (request.stream)
        return std::make_unique<StreamDecoder>();
    return std::make_unique<JsonDecoder>();
}

} // namespace assay::core
