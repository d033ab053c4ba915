// SPDX-License-Identifier: MIT
#pragma once

#include "http/httpclient.h"
#include "providers/pricing.h"
#include "providers/provider.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// How to reach one HTTP endpoint. The key lives in memory only (from the secrets store); never persisted.
struct EndpointSettings {
    std::string baseUrl; ///< e.g. "https://api.openai.com/v1", "http://127.0.0.1:8080/v1"
    std::string apiKey;
    std::vector<HttpHeader> extraHeaders;
    long connectTimeoutMs = 10'000;
    long totalTimeoutMs = 600'000;
    long streamIdleTimeoutMs = 60'000; ///< streaming only: longest silence between bytes
    std::size_t maxResponseBytes = 32u << 20;
    /// The model's text in one call (streamed or not): a reply over it fails with its first maxOutputBytes kept, so
    /// a hostile or broken server cannot make a call hold (or a cell store) tens of MB. About a million tokens.
    std::size_t maxOutputBytes = 4u << 20;
    PriceTable prices;
};

/// What a response decoder reports while it reads the body.
class DecoderSink {
public:
    virtual ~DecoderSink() = default;
    virtual void delta(TokenDelta&& delta) = 0;
    /// Either count may be unknown; later reports overwrite earlier ones field by field.
    virtual void usage(std::optional<std::int64_t> input, std::optional<std::int64_t> output) = 0;
    virtual void finishReason(std::string raw) = 0;
    virtual void extra(const std::string& key, nlohmann::json value) = 0;
    /// The error the decoder is about to return says the server is busy (overloaded, throttling): the call did not
    /// fail for what it asked. Retried when no output came before it (providers/provider.h, shouldRetry).
    virtual void reportBusy() = 0;
};

/// Turns one response body (2xx) into deltas, usage and a finish reason. One per call; worker thread only.
class ResponseDecoder {
public:
    virtual ~ResponseDecoder() = default;
    /// Next body bytes. An error ends the call with it (deltas already sent are kept).
    virtual Status feed(std::string_view bytes, DecoderSink& sink) = 0;
    /// The body ended cleanly: parse what was buffered; fail when the stream was cut short.
    virtual Status end(DecoderSink& sink) = 0;
};

/// Shared machinery of HTTP providers: submits through the HttpClient, maps HTTP statuses and transport
/// failures to ErrorEvents, measures TTFT/latency/throughput and prices the call. A provider and its
/// HttpClient must outlive the calls they started. Every error sentence it reports is valid UTF-8 (util/displaytext.h)
/// with known secrets redacted, whatever bytes the server sent; the text of one call is bounded by
/// EndpointSettings::maxOutputBytes.
class HttpProvider : public Provider {
public:
    HttpProvider(HttpClient& client, EndpointSettings settings);
    Result<CallHandle> start(const ProviderRequest& request, EventSink sink) final;
    [[nodiscard]] const EndpointSettings& settings() const { return m_settings; }
    /// The call machinery's access to errorMessage().
    [[nodiscard]] std::string errorMessageFor(const HttpResponse& head, std::string_view body) const;
    /// errorForHttpStatus, except that a 401/403 to an endpoint that sent no credentials says so (a keyless endpoint
    /// is allowed: local gateways need none; this one's server wants a key).
    [[nodiscard]] Error errorForStatus(
        long status, std::string_view providerMessage, std::optional<std::int64_t> retryAfterMs) const;

protected:
    /// URL, headers and body of the call (timeouts and limits are filled in by the base).
    virtual Result<HttpRequest> buildRequest(const ProviderRequest& request) const = 0;
    virtual std::unique_ptr<ResponseDecoder> makeDecoder(const ProviderRequest& request) const = 0;
    /// The message inside an error body (default: extractErrorMessage).
    virtual std::string errorMessage(const HttpResponse& head, std::string_view body) const;
    /// Secrets this provider holds; scrubbed from every error message it reports.
    [[nodiscard]] virtual std::vector<std::string> secrets() const { return { m_settings.apiKey }; }
    /// Joins baseUrl and a path with exactly one '/'.
    [[nodiscard]] std::string endpointUrl(std::string_view path) const;

    HttpClient& m_client;
    EndpointSettings m_settings;
};

} // namespace assay::core
