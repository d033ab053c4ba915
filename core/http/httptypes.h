// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

struct HttpHeader {
    std::string name;
    std::string value;
    bool operator==(const HttpHeader&) const = default;
};

/// Case-insensitive lookup; returns "" when absent.
std::string findHeader(const std::vector<HttpHeader>& headers, std::string_view name);

/// One request. Value type; the client copies what it needs.
struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<HttpHeader> headers;
    std::string body;
    long connectTimeoutMs = 10'000;
    long totalTimeoutMs = 0; ///< whole transfer; 0 = no limit
    long idleTimeoutMs = 0; ///< longest gap without a received byte (from the start); 0 = no limit
    std::size_t maxResponseBytes = 64u << 20; ///< hard cap on the response body
    std::stop_token cancel; ///< a stop request cancels the transfer (reported as ErrorCode::Cancelled)
};

/// Status line, headers and (when not streamed to a callback) the body.
struct HttpResponse {
    long status = 0;
    std::vector<HttpHeader> headers; ///< names as received
    std::string body; ///< empty when HttpHandlers::onData consumed it
    std::size_t bytesReceived = 0;
    long httpVersion = 0; ///< 11, 20 ... (curl's CURL_HTTP_VERSION_x mapped to 10/11/20/30)
    std::string header(std::string_view name) const { return findHeader(headers, name); }
};

/// Callbacks run on the client's worker thread: keep them short and never block in them.
struct HttpHandlers {
    /// Once, when the status and headers are known (before the first body byte).
    std::function<void(const HttpResponse& head)> onHead;
    /// Each body chunk as it arrives; return false to abort. When unset the body is buffered into the response.
    std::function<bool(std::string_view chunk)> onData;
    /// Exactly once per submitted request: the response (any HTTP status) or a transport error
    /// (Network, Timeout, Cancelled, Offline, Http for an over-size body, Invalid when onData aborted).
    std::function<void(Result<HttpResponse>)> onComplete;
};

/// Client-wide settings.
struct HttpClientOptions {
    std::string caBundle; ///< PEM file of trusted CAs; empty = the system store. Verification is always on.
    std::string proxy; ///< e.g. "http://proxy.corp:3128"; empty = no proxy (environment variables are ignored)
    bool offline = false; ///< refuse every host that is not loopback (can be toggled later with setOffline)
    std::vector<std::string> resolve; ///< curl --resolve style "host:port:address" pins
    std::string userAgent = std::string("Assay/") + ASSAY_VERSION;
    /// Optional log line sink (request lines with secrets redacted). Called from any thread.
    std::function<void(std::string_view line)> log;
};

} // namespace assay::core
