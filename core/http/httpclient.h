// SPDX-License-Identifier: MIT
#pragma once

#include "http/httptypes.h"
#include "util/result.h"

#include <cstdint>
#include <memory>
#include <stop_token>

namespace assay::core {

/// A submitted transfer. Copyable; cancel() is thread-safe and idempotent, and the transfer then completes
/// with ErrorCode::Cancelled (unless it had already finished).
class HttpHandle {
public:
    HttpHandle() = default;
    HttpHandle(std::uint64_t id, std::stop_source source)
        : m_id(id)
        , m_source(std::move(source))
    {
    }
    void cancel() { m_source.request_stop(); }
    [[nodiscard]] std::uint64_t id() const { return m_id; }

private:
    std::uint64_t m_id = 0;
    std::stop_source m_source { std::nostopstate };
};

/// HTTP(S) client on libcurl's multi interface: ONE worker thread drives every transfer (curl_multi_poll,
/// woken by curl_multi_wakeup on submit and cancel). TLS verification is always on; HTTP/2 is used when the
/// server offers it over TLS; connections are kept alive and reused. Each submitted transfer sends at most one
/// request: when a reused connection is closed without an answer, curl's silent re-send on a new connection is
/// refused and the transfer fails (Network, "closed the connection without answering"), so whoever retries counts it.
///
/// Offline mode refuses any URL whose host is not loopback before DNS or a socket, and additionally refuses
/// non-loopback addresses at socket-open and request time, so a name that resolves elsewhere cannot slip through.
///
/// Thread-safe: submit(), setOffline() and HttpHandle::cancel() may be called from any thread, including from
/// inside handlers. The destructor cancels what is still running (each completes with Cancelled) and joins.
class HttpClient {
public:
    explicit HttpClient(HttpClientOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Starts a transfer. Refusals known up front (bad URL, offline mode) are returned here, synchronously,
    /// and then no handler is ever called. Otherwise handlers.onComplete is called exactly once, on the worker.
    Result<HttpHandle> submit(HttpRequest request, HttpHandlers handlers);

    void setOffline(bool offline);
    [[nodiscard]] bool offline() const;

    /// Transfers submitted and not yet completed.
    [[nodiscard]] std::size_t activeCount() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

/// Blocking convenience for tools and tests: submits and waits. Never call it from an HttpHandlers callback.
Result<HttpResponse> performBlocking(HttpClient& client, HttpRequest request);

} // namespace assay::core
