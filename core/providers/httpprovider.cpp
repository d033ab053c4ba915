// SPDX-License-Identifier: MIT
#include "providers/httpprovider.h"
#include "http/redact.h"
#include "providers/providererror.h"
#include "util/displaytext.h"
#include "util/ids.h"

#include <algorithm>
#include <chrono>

namespace assay::core {

namespace {
using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double, std::milli>(to - from).count();
}

constexpr std::size_t kWireBody = 16 * 1024; ///< request body kept for the cell view
constexpr std::size_t kWireEdge = 1024; ///< first and last bytes of the response kept

/// State of one call, shared by the HTTP handlers (worker thread only after submit).
struct Call final : DecoderSink {
    const HttpProvider* provider = nullptr;
    EventSink sink;
    std::unique_ptr<ResponseDecoder> decoder;
    std::optional<ModelPrice> price;
    std::vector<std::string> secrets;
    bool streaming = false;
    Clock::time_point started;
    std::optional<Clock::time_point> firstToken;
    HttpResponse head;
    bool errorMode = false;
    std::string errorBody;
    std::optional<std::int64_t> retryAfterMs;
    std::optional<Error> decodeError;
    bool busy = false; ///< the decoder's error says the server is busy
    std::size_t maxOutputBytes = 0;
    std::size_t outputBytes = 0; ///< text delivered so far
    bool outputOverflow = false; ///< more text came than maxOutputBytes; the rest was dropped
    std::optional<std::int64_t> inputTokens;
    std::optional<std::int64_t> outputTokens;
    std::int64_t deltas = 0;
    std::string rawFinish;
    nlohmann::json extras = nlohmann::json::object();
    std::string wireMethod;
    std::string wireUrl;
    std::string wireBody;
    std::string responseHead; ///< the first kWireEdge bytes of the response
    std::string responseTail; ///< the last kWireEdge bytes after those
    std::size_t responseBytes = 0;

    void record(std::string_view bytes)
    {
        responseBytes += bytes.size();
        if (responseHead.size() < kWireEdge) {
            const std::size_t take = std::min(bytes.size(), kWireEdge - responseHead.size());
            responseHead.append(bytes.substr(0, take));
            bytes.remove_prefix(take);
        }
        responseTail.append(bytes);
        if (responseTail.size() > kWireEdge)
            responseTail.erase(0, responseTail.size() - kWireEdge);
    }

    void delta(TokenDelta&& d) override
    {
        if (outputOverflow)
            return;
        if (outputBytes + d.text.size() > maxOutputBytes) {
            outputOverflow = true; // deliver what fits, then fail (onData and complete check the flag)
            d.text = std::string(utf8Prefix(d.text, maxOutputBytes - outputBytes));
            if (d.text.empty())
                return;
        }
        if (!firstToken && (!d.text.empty() || !d.logprobs.empty()))
            firstToken = Clock::now();
        outputBytes += d.text.size();
        ++deltas;
        sink(ProviderEvent(std::move(d)));
    }
    void reportBusy() override { busy = true; }
    Error overflowError() const
    {
        return makeError(ErrorCode::Http,
            "The model's output was longer than the limit of " + std::to_string(maxOutputBytes)
                + " bytes, so Assay stopped reading it.");
    }
    void usage(std::optional<std::int64_t> in, std::optional<std::int64_t> out) override
    {
        if (in)
            inputTokens = in;
        if (out)
            outputTokens = out;
    }
    void finishReason(std::string raw) override { rawFinish = std::move(raw); }
    void extra(const std::string& key, nlohmann::json value) override { extras[key] = std::move(value); }

    CallStats stats() const
    {
        CallStats s;
        const auto now = Clock::now();
        s.latencyMs = msSince(started, now);
        if (streaming && firstToken)
            s.ttftMs = msSince(started, *firstToken);
        s.usageReported = outputTokens.has_value();
        s.usage.inputTokens = inputTokens.value_or(0);
        s.usage.outputTokens = outputTokens.value_or(deltas);
        const double genMs = s.ttftMs >= 0 ? s.latencyMs - s.ttftMs : s.latencyMs;
        if (genMs > 0)
            s.outputTokensPerSecond = static_cast<double>(s.usage.outputTokens) * 1000.0 / genMs;
        if (price) {
            s.cost = price->cost(s.usage, s.latencyMs);
            s.costKnown = true;
        }
        s.httpStatus = static_cast<int>(head.status);
        s.extras = extras;
        const bool cut = responseBytes > responseHead.size() + responseTail.size();
        s.wire = { { "request",
                       { { "method", wireMethod }, { "url", wireUrl },
                           { "body", validUtf8(redactSecrets(wireBody, secrets)) },
                           { "bodyTruncated", wireBody.size() >= kWireBody } } },
            { "response",
                { { "status", s.httpStatus }, { "bytes", responseBytes },
                    { "head", validUtf8(redactSecrets(responseHead, secrets)) },
                    { "tail", validUtf8(redactSecrets(responseTail, secrets)) }, { "elided", cut } } } };
        return s;
    }

    /// @p inBody: the error came from inside a 2xx body (the decoder), where the retry rule is this call's to make.
    void fail(Error error, bool inBody = false)
    {
        ErrorEvent ev;
        ev.stats = stats();
        if (deltas > 0 && error.code != ErrorCode::Cancelled)
            error.message = endSentence(std::move(error.message)) + " The partial output received before this ("
                + std::to_string(deltas) + " chunks) was kept.";
        // Whatever bytes the server sent (a garbage reply, a cut multibyte character), the sentence is valid UTF-8.
        error.message = validUtf8(redactSecrets(std::move(error.message), secrets));
        error.detail = validUtf8(redactSecrets(std::move(error.detail), secrets));
        ev.error = std::move(error);
        ev.retryAfterMs = retryAfterMs;
        if (inBody)
            ev.retry = busy && deltas == 0; // see shouldRetry (providers/provider.h)
        sink(ProviderEvent(std::move(ev)));
    }

    void complete(Result<HttpResponse> result)
    {
        if (decodeError)
            return fail(*decodeError, true);
        if (!result.ok())
            return fail(result.error());
        if (errorMode) {
            const std::string message = provider->errorMessageFor(head, errorBody);
            return fail(provider->errorForStatus(head.status, message, retryAfterMs));
        }
        if (Status s = decoder->end(*this); !s.ok())
            return fail(s.error(), true);
        if (outputOverflow)
            return fail(overflowError(), true);
        CallStats s = stats();
        if (outputTokens || inputTokens)
            sink(ProviderEvent(UsageEvent { s.usage }));
        FinishEvent fin;
        fin.rawReason = rawFinish;
        fin.reason = normalizeFinishReason(rawFinish);
        fin.stats = std::move(s);
        sink(ProviderEvent(std::move(fin)));
    }
};
} // namespace

HttpProvider::HttpProvider(HttpClient& client, EndpointSettings settings)
    : m_client(client)
    , m_settings(std::move(settings))
{
}

std::string HttpProvider::errorMessage(const HttpResponse&, std::string_view body) const
{
    return extractErrorMessage(body);
}

std::string HttpProvider::errorMessageFor(const HttpResponse& head, std::string_view body) const
{
    return errorMessage(head, body);
}

Error HttpProvider::errorForStatus(
    long status, std::string_view providerMessage, std::optional<std::int64_t> retryAfterMs) const
{
    Error e = errorForHttpStatus(status, providerMessage, retryAfterMs);
    const auto s = secrets();
    const bool keyless = std::all_of(s.begin(), s.end(), [](const std::string& k) { return k.empty(); });
    if (keyless && e.code == ErrorCode::Unauthorized) {
        const std::string said = providerMessage.empty() ? std::string() : ": " + std::string(providerMessage);
        e.message = endSentence("The server requires an API key and this endpoint has none (HTTP "
                        + std::to_string(status) + ")" + said)
            + " Set a key for this endpoint in the endpoint settings.";
    }
    return e;
}

std::string HttpProvider::endpointUrl(std::string_view path) const
{
    std::string base = m_settings.baseUrl;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    if (!path.starts_with('/'))
        base += '/';
    return base + std::string(path);
}

Result<CallHandle> HttpProvider::start(const ProviderRequest& request, EventSink sink)
{
    auto http = buildRequest(request);
    if (!http.ok())
        return http.error();
    HttpRequest& r = *http;
    for (const auto& h : m_settings.extraHeaders)
        r.headers.push_back(h);
    r.connectTimeoutMs = m_settings.connectTimeoutMs;
    r.totalTimeoutMs = m_settings.totalTimeoutMs;
    r.idleTimeoutMs = request.stream ? m_settings.streamIdleTimeoutMs : 0;
    r.maxResponseBytes = m_settings.maxResponseBytes;
    r.cancel = request.cancel;

    auto call = std::make_shared<Call>();
    call->provider = this;
    call->sink = std::move(sink);
    call->decoder = makeDecoder(request);
    call->price = m_settings.prices.find(request.model);
    call->secrets = secrets();
    call->streaming = request.stream;
    call->maxOutputBytes = m_settings.maxOutputBytes;
    call->started = Clock::now();
    call->wireMethod = r.method;
    call->wireUrl = redactUrl(r.url);
    call->wireBody = r.body.substr(0, kWireBody);

    HttpHandlers handlers;
    handlers.onHead = [call](const HttpResponse& head) {
        call->head.status = head.status;
        call->head.headers = head.headers;
        call->head.httpVersion = head.httpVersion;
        call->errorMode = head.status < 200 || head.status > 299;
        if (const std::string ra = head.header("Retry-After"); !ra.empty())
            call->retryAfterMs = parseRetryAfter(ra, nowMs());
    };
    handlers.onData = [call](std::string_view bytes) {
        call->record(bytes);
        if (call->errorMode) {
            if (call->errorBody.size() < kFailedOutputKeepBytes)
                call->errorBody.append(bytes.substr(0, kFailedOutputKeepBytes - call->errorBody.size()));
            return true;
        }
        if (Status s = call->decoder->feed(bytes, *call); !s.ok()) {
            call->decodeError = s.error();
            return false;
        }
        if (call->outputOverflow) {
            call->decodeError = call->overflowError();
            return false; // stop reading: the rest of the body is never held
        }
        return true;
    };
    handlers.onComplete = [call](Result<HttpResponse> result) { call->complete(std::move(result)); };
    auto handle = m_client.submit(std::move(r), std::move(handlers));
    if (!handle.ok())
        return handle.error();
    return CallHandle(*handle);
}

} // namespace assay::core
