// SPDX-License-Identifier: MIT
#include "providers/bedrockprovider.h"
#include "providers/eventstreamdecoder.h"
#include "providers/providererror.h"
#include "util/ids.h"
#include "util/jsonguard.h"

namespace assay::core {

namespace {
using nlohmann::json;

void readUsage(const json& j, DecoderSink& sink)
{
    auto u = j.find("usage");
    if (u == j.end() || !u->is_object())
        return;
    std::optional<std::int64_t> in, out;
    if (auto i = u->find("inputTokens"); i != u->end() && i->is_number_integer())
        in = i->get<std::int64_t>();
    if (auto o = u->find("outputTokens"); o != u->end() && o->is_number_integer())
        out = o->get<std::int64_t>();
    sink.usage(in, out);
    if (auto m = j.find("metrics"); m != j.end() && m->is_object())
        sink.extra("metrics", *m);
}

ErrorCode codeForException(std::string_view type)
{
    if (type.starts_with("throttling") || type.starts_with("Throttling"))
        return ErrorCode::RateLimited;
    if (type.starts_with("validation") || type.starts_with("Validation"))
        return ErrorCode::Invalid;
    if (type.starts_with("accessDenied") || type.starts_with("AccessDenied"))
        return ErrorCode::Unauthorized;
    if (type.starts_with("resourceNotFound") || type.starts_with("ResourceNotFound"))
        return ErrorCode::NotFound;
    return ErrorCode::Provider;
}

class StreamDecoder final : public ResponseDecoder {
public:
    Status feed(std::string_view bytes, DecoderSink& sink) override
    {
        Status s = m_frames.feed(bytes, [&](EventStreamMessage&& m) { return onMessage(m, sink); });
        if (m_error)
            return *m_error;
        return s;
    }
    Status end(DecoderSink&) override
    {
        if (m_error)
            return *m_error;
        if (m_frames.hasPartialMessage())
            return makeError(ErrorCode::Provider, "The Bedrock response stream was cut in the middle of a frame.");
        if (!m_stopped)
            return makeError(
                ErrorCode::Provider, "The response stream ended before the model finished (no messageStop event).");
        return {};
    }

private:
    bool onMessage(const EventStreamMessage& m, DecoderSink& sink)
    {
        const std::string messageType = m.header(":message-type");
        if (messageType == "exception") {
            const std::string type = m.header(":exception-type");
            const json p = parseJsonBounded(m.payload);
            const std::string message = p.is_object() ? p.value("message", snippet(m.payload)) : snippet(m.payload);
            m_error = makeError(codeForException(type), endSentence("Bedrock reported " + type + ": " + message));
            if (type.starts_with("throttling") || type.starts_with("Throttling")
                || type.starts_with("serviceUnavailable") || type.starts_with("ServiceUnavailable"))
                sink.reportBusy();
            return false;
        }
        if (messageType == "error") {
            m_error = makeError(ErrorCode::Provider,
                endSentence("Bedrock reported " + m.header(":error-code") + ": " + m.header(":error-message")));
            return false;
        }
        const json p = parseJsonBounded(m.payload);
        if (p.is_discarded() || !p.is_object()) {
            m_error = makeError(
                ErrorCode::Provider, "Bedrock sent a malformed event (not JSON): \"" + snippet(m.payload) + "\".");
            return false;
        }
        const std::string event = m.header(":event-type");
        if (event == "contentBlockDelta") {
            const json d = p.value("delta", json::object());
            TokenDelta delta;
            if (d.is_object())
                delta.text = d.value("text", std::string());
            if (!delta.text.empty())
                sink.delta(std::move(delta));
        } else if (event == "messageStop") {
            sink.finishReason(p.value("stopReason", std::string()));
            m_stopped = true;
        } else if (event == "metadata") {
            readUsage(p, sink);
        }
        return true;
    }

    EventStreamDecoder m_frames;
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
                ErrorCode::Provider, "Bedrock's response was not valid JSON: \"" + snippet(m_body) + "\".");
        TokenDelta d;
        const json message = j.value("output", json::object()).value("message", json::object());
        if (auto content = message.find("content"); content != message.end() && content->is_array()) {
            for (const auto& block : *content) {
                if (block.is_object() && block.contains("text") && block["text"].is_string())
                    d.text += block["text"].get<std::string>();
            }
        }
        if (!d.text.empty())
            sink.delta(std::move(d));
        sink.finishReason(j.value("stopReason", std::string()));
        readUsage(j, sink);
        return {};
    }

private:
    std::string m_body;
};

std::string authority(std::string_view url)
{
    auto start = url.find("://");
    start = start == std::string_view::npos ? 0 : start + 3;
    auto end = url.find_first_of("/?#", start);
    std::string_view a = url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (auto at = a.rfind('@'); at != std::string_view::npos)
        a.remove_prefix(at + 1);
    return std::string(a);
}
} // namespace

BedrockProvider::BedrockProvider(HttpClient& client, EndpointSettings settings, BedrockOptions options)
    : HttpProvider(client, std::move(settings))
    , m_options(std::move(options))
{
    if (m_settings.baseUrl.empty())
        m_settings.baseUrl = "https://bedrock-runtime." + m_options.region + ".amazonaws.com";
}

Capabilities BedrockProvider::capabilities() const
{
    Capabilities c;
    c.seed = false;
    c.logprobs = false;
    return c;
}

std::string BedrockProvider::wirePath(const std::string& model, bool stream)
{
    return "/model/" + sigV4UriEncode(model, true) + (stream ? "/converse-stream" : "/converse");
}

nlohmann::json BedrockProvider::requestBody(const ProviderRequest& request) const
{
    json body;
    json system = json::array();
    json messages = json::array();
    for (const auto& m : request.messages) {
        if (m.role == "system")
            system.push_back({ { "text", m.content } });
        else
            messages.push_back({ { "role", m.role }, { "content", json::array({ { { "text", m.content } } }) } });
    }
    body["messages"] = std::move(messages);
    if (!system.empty())
        body["system"] = std::move(system);
    json config = json::object();
    const ModelParameters& p = request.parameters;
    if (p.maxTokens)
        config["maxTokens"] = *p.maxTokens;
    if (p.temperature)
        config["temperature"] = *p.temperature;
    if (p.topP)
        config["topP"] = *p.topP;
    if (!p.stop.empty())
        config["stopSequences"] = p.stop;
    if (!config.empty())
        body["inferenceConfig"] = std::move(config);
    return body;
}

Result<HttpRequest> BedrockProvider::buildRequest(const ProviderRequest& request) const
{
    const AwsCredentials& creds = m_options.credentials;
    if (creds.accessKeyId.empty() || creds.secretAccessKey.empty())
        return makeError(ErrorCode::Unauthorized, "No AWS access key is set for this Bedrock endpoint.");
    HttpRequest r;
    r.method = "POST";
    const std::string path = wirePath(request.model, request.stream);
    r.url = endpointUrl(path);
    r.body = requestBody(request).dump();

    // The base URL may carry a path prefix (a proxy); sign the full path as sent.
    std::string fullPath = r.url.substr(r.url.find(authority(r.url)) + authority(r.url).size());
    SigV4Input in;
    in.method = "POST";
    in.path = fullPath;
    in.payload = r.body;
    in.region = m_options.region;
    in.service = "bedrock";
    in.amzDate = amzDate(m_options.clockMs ? m_options.clockMs() : nowMs());
    in.headers = { { "Content-Type", "application/json" }, { "Host", authority(r.url) }, { "X-Amz-Date", in.amzDate } };
    if (!creds.sessionToken.empty())
        in.headers.push_back({ "X-Amz-Security-Token", creds.sessionToken });
    const SigV4Signature sig = signSigV4(in, creds);
    r.headers = in.headers;
    r.headers.push_back({ "Accept", request.stream ? "application/vnd.amazon.eventstream" : "application/json" });
    r.headers.push_back({ "Authorization", sig.authorization });
    return r;
}

std::unique_ptr<ResponseDecoder> BedrockProvider::makeDecoder(const ProviderRequest& request) const
{
    if (request.stream)
        return std::make_unique<StreamDecoder>();
    return std::make_unique<JsonDecoder>();
}

std::vector<std::string> BedrockProvider::secrets() const
{
    return { m_settings.apiKey, m_options.credentials.secretAccessKey, m_options.credentials.sessionToken };
}

std::string BedrockProvider::errorMessage(const HttpResponse& head, std::string_view body) const
{
    std::string type = head.header("x-amzn-ErrorType");
    if (auto colon = type.find(':'); colon != std::string::npos)
        type.resize(colon);
    const std::string message = extractErrorMessage(body);
    return type.empty() ? message : type + ": " + message;
}

} // namespace assay::core
