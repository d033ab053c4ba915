// SPDX-License-Identifier: MIT
#include "http/httpclient.h"
#include "http/offline.h"
#include "http/redact.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace assay::core {

namespace {
using Clock = std::chrono::steady_clock;

struct Wake {
    CURLM* multi;
    void operator()() const noexcept { curl_multi_wakeup(multi); }
};

enum class Abort { None, Cancelled, Idle, TooLarge, Consumer, Offline, Resend };

struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

Slist makeSlist(const std::vector<std::string>& lines)
{
    curl_slist* l = nullptr;
    for (const auto& s : lines)
        l = curl_slist_append(l, s.c_str());
    return Slist(l);
}

std::once_flag s_globalInit;

std::string seconds(long ms)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms) / 1000.0);
    return buf;
}
} // namespace

struct Transfer {
    std::uint64_t id = 0;
    CURL* easy = nullptr;
    Slist headerList;
    HttpRequest request;
    HttpHandlers handlers;
    HttpResponse response;
    std::string host;
    std::stop_source own;
    std::optional<std::stop_callback<Wake>> ownWake;
    std::optional<std::stop_callback<Wake>> externalWake;
    HttpClient::Impl* impl = nullptr;
    Clock::time_point lastActivity;
    curl_off_t lastUpload = 0;
    bool headDelivered = false;
    bool requestSent = false; ///< the connection stood (new or reused) and the request went out
    Abort abort = Abort::None;
    std::string blockedAddress;
    char errorBuffer[CURL_ERROR_SIZE] = {};

    bool cancelRequested() const { return own.stop_requested() || request.cancel.stop_requested(); }
    bool idleExpired(Clock::time_point now) const
    {
        return request.idleTimeoutMs > 0 && now - lastActivity > std::chrono::milliseconds(request.idleTimeoutMs);
    }
    ~Transfer()
    {
        if (easy)
            curl_easy_cleanup(easy);
    }
};

struct HttpClient::Impl {
    HttpClientOptions options;
    CURLM* multi = nullptr;
    Slist resolveList;
    std::atomic<bool> offline { false };
    std::atomic<bool> stopping { false };
    std::atomic<std::uint64_t> nextId { 1 };
    std::atomic<std::size_t> active { 0 };
    std::mutex mutex;
    std::vector<std::unique_ptr<Transfer>> incoming; // guarded by mutex
    std::map<CURL*, std::unique_ptr<Transfer>> running; // worker thread only
    std::thread worker;

    void run();
    void drainDone();
    void sweep();
    void finish(std::unique_ptr<Transfer> t, CURLcode code);
    void complete(std::unique_ptr<Transfer> t, Result<HttpResponse> result);
    void deliverHead(Transfer& t);
    Error curlError(const Transfer& t, CURLcode code) const;
};

namespace {
size_t onHeaderLine(char* buffer, size_t size, size_t n, void* user)
{
    auto* t = static_cast<Transfer*>(user);
    const size_t bytes = size * n;
    std::string_view line(buffer, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    t->lastActivity = Clock::now();
    if (line.starts_with("HTTP/")) {
        t->response.headers.clear(); // a new header block (after 100 Continue or a proxy CONNECT)
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        t->response.headers.push_back({ std::string(line.substr(0, colon)), std::string(value) });
    }
    return bytes;
}

size_t onBody(char* data, size_t size, size_t n, void* user)
{
    auto* t = static_cast<Transfer*>(user);
    const size_t bytes = size * n;
    t->lastActivity = Clock::now();
    if (!t->headDelivered)
        t->impl->deliverHead(*t);
    t->response.bytesReceived += bytes;
    if (t->response.bytesReceived > t->request.maxResponseBytes) {
        t->abort = Abort::TooLarge;
        return 0;
    }
    if (t->handlers.onData) {
        if (!t->handlers.onData(std::string_view(data, bytes))) {
            t->abort = Abort::Consumer;
            return 0;
        }
    } else {
        t->response.body.append(data, bytes);
    }
    return bytes;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow)
{
    auto* t = static_cast<Transfer*>(user);
    const auto now = Clock::now();
    if (ulnow != t->lastUpload) {
        t->lastUpload = ulnow;
        t->lastActivity = now;
    }
    if (t->cancelRequested()) {
        t->abort = Abort::Cancelled;
        return 1;
    }
    if (t->idleExpired(now)) {
        t->abort = Abort::Idle;
        return 1;
    }
    return 0;
}

curl_socket_t onOpenSocket(void* user, curlsocktype, struct curl_sockaddr* address)
{
    auto* t = static_cast<Transfer*>(user);
    if (t->impl->offline.load() && !isLoopbackAddress(&address->addr)) {
        t->abort = Abort::Offline;
        return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype, address->protocol);
}

// Called by curl right before it sends the request, on a new or a reused connection: once per request that leaves
// the machine. A second call for the same transfer is curl about to re-send it behind our back (it does that, at
// once and up to 5 times, when a reused keep-alive connection was closed without an answer; libcurl 7.88 re-sends
// POST bodies too). That request could reach a paid API, so it is refused here and the transfer fails as "closed
// without answering" (Network): the run engine then decides about a retry and counts it as an attempt. So each
// transfer sends at most one request, whatever curl's version and whatever the method.
int onPrereq(void* user, char* primaryIp, char*, int, int)
{
    auto* t = static_cast<Transfer*>(user);
    if (t->impl->offline.load() && !isLoopbackIp(primaryIp ? primaryIp : "")) {
        t->abort = Abort::Offline;
        t->blockedAddress = primaryIp ? primaryIp : "";
        return CURL_PREREQFUNC_ABORT;
    }
    if (t->requestSent) {
        t->abort = Abort::Resend;
        return CURL_PREREQFUNC_ABORT;
    }
    t->requestSent = true;
    return CURL_PREREQFUNC_OK;
}
} // namespace

void HttpClient::Impl::deliverHead(Transfer& t)
{
    t.headDelivered = true;
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = status;
    long version = 0;
    curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
    switch (version) {
    case CURL_HTTP_VERSION_1_0:
        t.response.httpVersion = 10;
        break;
    case CURL_HTTP_VERSION_1_1:
        t.response.httpVersion = 11;
        break;
    case CURL_HTTP_VERSION_2_0:
        t.response.httpVersion = 20;
        break;
    case CURL_HTTP_VERSION_3:
        t.response.httpVersion = 30;
        break;
    default:
        t.response.httpVersion = 0;
    }
    if (t.handlers.onHead)
        t.handlers.onHead(t.response);
}

Error HttpClient::Impl::curlError(const Transfer& t, CURLcode code) const
{
    const std::string detail = std::string("curl ") + std::to_string(static_cast<int>(code)) + ": "
        + (t.errorBuffer[0] ? t.errorBuffer : curl_easy_strerror(code));
    const std::string& host = t.host;
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return makeError(ErrorCode::Network, "Could not find the host " + host + " (name lookup failed).", detail);
    case CURLE_COULDNT_RESOLVE_PROXY:
        return makeError(ErrorCode::Network, "Could not find the proxy host (name lookup failed).", detail);
    case CURLE_COULDNT_CONNECT:
        return makeError(ErrorCode::Network,
            "Could not connect to " + host + ": the connection was refused or the host is unreachable.", detail);
    case CURLE_OPERATION_TIMEDOUT: {
        if (!t.requestSent) {
            long limit = t.request.connectTimeoutMs;
            if (t.request.totalTimeoutMs > 0 && (limit <= 0 || t.request.totalTimeoutMs < limit))
                limit = t.request.totalTimeoutMs;
            return makeError(
                ErrorCode::Timeout, "Could not connect to " + host + " within " + seconds(limit) + " s.", detail);
        }
        return makeError(ErrorCode::Timeout,
            "The request to " + host + " did not finish within the time limit of " + seconds(t.request.totalTimeoutMs)
                + " s.",
            detail);
    }
    case CURLE_GOT_NOTHING:
        return makeError(
            ErrorCode::Network, "The server " + host + " closed the connection without answering.", detail);
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return makeError(
            ErrorCode::Network, "The connection to " + host + " was lost before the response was complete.", detail);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL: // the scheme was checked at submit: here it is a reply that is not HTTP
        return makeError(ErrorCode::Network, "The server " + host + " did not answer with valid HTTP.", detail);
    case CURLE_SSL_CACERT_BADFILE:
        return makeError(ErrorCode::Network,
            "The CA bundle \"" + t.impl->options.caBundle + "\" could not be read; check the TLS settings.", detail);
    case CURLE_PEER_FAILED_VERIFICATION:
        return makeError(ErrorCode::Network,
            "The TLS certificate of " + host + " could not be verified (wrong host or untrusted issuer).", detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
        return makeError(ErrorCode::Network, "The secure (TLS) connection to " + host + " failed.", detail);
    case CURLE_URL_MALFORMAT:
        return makeError(ErrorCode::Invalid, "The address of " + host + " is not a valid http(s) URL.", detail);
    default:
        return makeError(ErrorCode::Network, "The request to " + host + " failed.", detail);
    }
}

void HttpClient::Impl::complete(std::unique_ptr<Transfer> t, Result<HttpResponse> result)
{
    t->ownWake.reset();
    t->externalWake.reset();
    HttpHandlers handlers = std::move(t->handlers);
    t.reset(); // frees the easy handle before the caller hears about it
    --active;
    if (handlers.onComplete)
        handlers.onComplete(std::move(result));
}

void HttpClient::Impl::finish(std::unique_ptr<Transfer> t, CURLcode code)
{
    if (t->abort == Abort::None && code == CURLE_ABORTED_BY_CALLBACK && t->cancelRequested())
        t->abort = Abort::Cancelled;
    std::optional<Error> error;
    switch (t->abort) {
    case Abort::Cancelled:
        error = makeError(ErrorCode::Cancelled, "The request was cancelled.");
        break;
    case Abort::Idle:
        error = makeError(ErrorCode::Timeout,
            "The server " + t->host + " sent nothing for " + seconds(t->request.idleTimeoutMs) + " s (idle timeout).");
        break;
    case Abort::TooLarge:
        error = makeError(ErrorCode::Http,
            "The response from " + t->host + " was larger than the limit of "
                + std::to_string(t->request.maxResponseBytes) + " bytes.");
        break;
    case Abort::Consumer:
        error = makeError(ErrorCode::Invalid, "The response was rejected by its reader.");
        break;
    case Abort::Resend:
        error = makeError(ErrorCode::Network, "The server " + t->host + " closed the connection without answering.",
            std::string("a reused keep-alive connection was closed before any reply; the request was not re-sent on a "
                        "new connection (that is a new attempt, for the run engine to decide)"));
        break;
    case Abort::Offline:
        error = makeError(ErrorCode::Offline,
            "Offline mode is on: " + t->host
                + " resolved to an address outside this computer, so Assay did not connect.",
            t->blockedAddress);
        break;
    case Abort::None:
        if (code != CURLE_OK)
            error = curlError(*t, code);
        break;
    }
    if (error)
        return complete(std::move(t), std::move(*error));
    if (!t->headDelivered)
        deliverHead(*t);
    HttpResponse response = std::move(t->response);
    complete(std::move(t), std::move(response));
}

void HttpClient::Impl::drainDone()
{
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL* easy = msg->easy_handle;
        const CURLcode code = msg->data.result;
        auto it = running.find(easy);
        if (it == running.end())
            continue;
        std::unique_ptr<Transfer> t = std::move(it->second);
        running.erase(it);
        curl_multi_remove_handle(multi, easy);
        finish(std::move(t), code);
    }
}

void HttpClient::Impl::sweep()
{
    const auto now = Clock::now();
    for (auto it = running.begin(); it != running.end();) {
        Transfer& t = *it->second;
        const bool stop = stopping.load() || t.cancelRequested();
        const bool idle = !stop && t.idleExpired(now);
        if (!stop && !idle) {
            ++it;
            continue;
        }
        t.abort = stop ? Abort::Cancelled : Abort::Idle;
        std::unique_ptr<Transfer> owned = std::move(it->second);
        it = running.erase(it);
        curl_multi_remove_handle(multi, owned->easy);
        finish(std::move(owned), CURLE_ABORTED_BY_CALLBACK);
    }
}

void HttpClient::Impl::run()
{
    for (;;) {
        std::vector<std::unique_ptr<Transfer>> fresh;
        {
            std::lock_guard lock(mutex);
            fresh.swap(incoming);
        }
        for (auto& t : fresh) {
            if (stopping.load()) {
                complete(std::move(t), makeError(ErrorCode::Cancelled, "The request was cancelled."));
                continue;
            }
            t->lastActivity = Clock::now();
            if (curl_multi_add_handle(multi, t->easy) != CURLM_OK) {
                complete(std::move(t), makeError(ErrorCode::Network, "The HTTP engine could not start the request."));
                continue;
            }
            CURL* easy = t->easy;
            running.emplace(easy, std::move(t));
        }
        if (stopping.load()) {
            sweep(); // cancels everything still running
            std::lock_guard lock(mutex);
            if (incoming.empty() && running.empty())
                return;
            continue;
        }
        int stillRunning = 0;
        curl_multi_perform(multi, &stillRunning);
        drainDone();
        sweep();
        // Wake-ups come from submit/cancel; the 50 ms cap gives idle timeouts sub-second precision.
        curl_multi_poll(multi, nullptr, 0, running.empty() ? 1000 : 50, nullptr);
    }
}

HttpClient::HttpClient(HttpClientOptions options)
    : m_impl(std::make_unique<Impl>())
{
    std::call_once(s_globalInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_impl->options = std::move(options);
    m_impl->offline = m_impl->options.offline;
    m_impl->resolveList = makeSlist(m_impl->options.resolve);
    m_impl->multi = curl_multi_init();
    curl_multi_setopt(m_impl->multi, CURLMOPT_MAXCONNECTS, 256L);
    curl_multi_setopt(m_impl->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    m_impl->worker = std::thread([impl = m_impl.get()] { impl->run(); });
}

HttpClient::~HttpClient()
{
    m_impl->stopping = true;
    curl_multi_wakeup(m_impl->multi);
    m_impl->worker.join();
    curl_multi_cleanup(m_impl->multi);
}

void HttpClient::setOffline(bool offline)
{
    m_impl->offline = offline;
}

bool HttpClient::offline() const
{
    return m_impl->offline.load();
}

std::size_t HttpClient::activeCount() const
{
    return m_impl->active.load();
}

Result<HttpHandle> HttpClient::submit(HttpRequest request, HttpHandlers handlers)
{
    Impl& d = *m_impl;
    auto host = urlHost(request.url);
    if (!host.ok())
        return host.error();
    if (d.offline.load()) {
        ASSAY_TRY(checkOfflineAllowed(request.url));
        if (!d.options.proxy.empty() && !checkOfflineAllowed(d.options.proxy).ok())
            return makeError(ErrorCode::Offline,
                "Offline mode is on and the configured proxy is not on this computer, so Assay does not connect.");
    }
    if (d.stopping.load())
        return makeError(ErrorCode::Cancelled, "The HTTP client is shutting down.");

    auto t = std::make_unique<Transfer>();
    t->id = d.nextId++;
    t->impl = &d;
    t->host = *host;
    t->request = std::move(request);
    t->handlers = std::move(handlers);
    t->easy = curl_easy_init();
    if (!t->easy)
        return makeError(ErrorCode::Network, "The HTTP engine could not create a request.");

    std::vector<std::string> headerLines;
    for (const auto& h : t->request.headers)
        headerLines.push_back(h.name + ": " + h.value);
    headerLines.emplace_back("Expect:"); // no 100-continue round trip
    t->headerList = makeSlist(headerLines);

    CURL* e = t->easy;
    const HttpRequest& r = t->request;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!d.options.caBundle.empty())
        curl_easy_setopt(e, CURLOPT_CAINFO, d.options.caBundle.c_str());
    curl_easy_setopt(e, CURLOPT_PROXY, d.options.proxy.c_str()); // "" disables environment proxies
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r.connectTimeoutMs);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r.totalTimeoutMs);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, d.options.userAgent.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headerList.get());
    if (d.resolveList)
        curl_easy_setopt(e, CURLOPT_RESOLVE, d.resolveList.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errorBuffer);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &onHeaderLine);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, t.get());
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &onOpenSocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t.get());
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &onPrereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, t.get());
    if (r.method == "HEAD") {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (r.method != "GET") {
        if (r.method != "POST")
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }

    if (d.options.log)
        d.options.log("HTTP " + r.method + " " + redactUrl(r.url) + " [" + formatHeadersForLog(r.headers) + "] "
            + std::to_string(r.body.size()) + " bytes");

    t->ownWake.emplace(t->own.get_token(), Wake { d.multi });
    t->externalWake.emplace(t->request.cancel, Wake { d.multi });
    HttpHandle handle(t->id, t->own);
    ++d.active;
    {
        std::lock_guard lock(d.mutex);
        d.incoming.push_back(std::move(t));
    }
    curl_multi_wakeup(d.multi);
    return handle;
}

Result<HttpResponse> performBlocking(HttpClient& client, HttpRequest request)
{
    std::promise<Result<HttpResponse>> promise;
    auto future = promise.get_future();
    HttpHandlers handlers;
    handlers.onComplete = [&promise](Result<HttpResponse> r) { promise.set_value(std::move(r)); };
    auto handle = client.submit(std::move(request), std::move(handlers));
    if (!handle.ok())
        return handle.error();
    return future.get();
}

} // namespace assay::core
