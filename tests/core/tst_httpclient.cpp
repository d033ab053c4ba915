// SPDX-License-Identifier: MIT
#include "http/httpclient.h"
#include "http/offline.h"
#include "http/redact.h"
#include "httptest.h"
#include "loopbackserver.h"

#include <QElapsedTimer>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>

using namespace assay::core;
using assay::test::describe;
using assay::test::get;
using assay::test::LoopbackServer;
using assay::test::RecordedRequest;
using assay::test::ResponseWriter;

namespace {

/// Submits with streaming handlers and waits; collects chunks.
struct Streamed {
    Result<HttpResponse> result = makeError(ErrorCode::Ok, "");
    std::vector<std::string> chunks;
    long headStatus = 0;
};

/// How long an event-based check waits for something that must happen. It only bounds a FAILING test (which would
/// otherwise hang); a passing one never waits for it, however loaded the machine. Never a performance limit.
constexpr std::chrono::seconds kEventually { 60 };

/// A latch shared by a test and a server handler (held by shared_ptr: routes outlive test functions). The handler
/// counts its arrival, then waits until the test opens the latch, or kEventually passes.
class Gate {
public:
    void arrive()
    {
        std::lock_guard lock(m_mutex);
        ++m_arrived;
        m_cv.notify_all();
    }
    /// Waits until at least @p n handlers arrived; false after kEventually (and then at once for every later
    /// waiter, so a failing test fails in kEventually, not once per waiter).
    bool waitArrived(int n)
    {
        std::unique_lock lock(m_mutex);
        if (!m_cv.wait_for(lock, kEventually, [&] { return m_arrived >= n || m_gaveUp; }))
            m_gaveUp = true;
        m_cv.notify_all();
        return m_arrived >= n;
    }
    void open()
    {
        std::lock_guard lock(m_mutex);
        m_open = true;
        m_cv.notify_all();
    }
    /// Waits until the test opens the gate; false after kEventually.
    bool waitOpen()
    {
        std::unique_lock lock(m_mutex);
        return m_cv.wait_for(lock, kEventually, [&] { return m_open; });
    }
    [[nodiscard]] bool isOpen()
    {
        std::lock_guard lock(m_mutex);
        return m_open;
    }
    [[nodiscard]] int arrived()
    {
        std::lock_guard lock(m_mutex);
        return m_arrived;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    int m_arrived = 0;
    bool m_open = false;
    bool m_gaveUp = false;
};

/// A route that sends "first;" and then nothing until @p gate opens (the server "stalls" for as long as the test
/// wants); it then ends the response.
assay::test::Handler stallUntil(std::shared_ptr<Gate> gate)
{
    return [gate](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, {});
        w.chunk("first;");
        gate->arrive();
        gate->waitOpen();
        w.endChunked();
    };
}

/// Opens the gate when the test function leaves, pass or fail, so no handler is left waiting.
struct OpenOnExit {
    std::shared_ptr<Gate> gate;
    ~OpenOnExit() { gate->open(); }
};
} // namespace

class TestHttpClient : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void postAndHeaders();
    void streamingChunksAndHead();
    void keepAliveReusesConnection();
    void connectionRefused();
    void idleTimeout();
    void totalTimeout();
    void cancelMidStream();
    void cancelThroughStopToken();
    void responseSizeCap();
    void droppedMidBody();
    void closedWithoutAnswer();
    void invalidHttp();
    void consumerAbort();
    void concurrentTransfers();
    void proxyIsUsed();
    void unreadableCaBundle();
    void destructorCancelsRunning();

private:
    LoopbackServer m_server;
};

void TestHttpClient::initTestCase()
{
    QVERIFY2(m_server.start(), m_server.lastError().c_str());
    m_server.route("/echo", [](const RecordedRequest& r, ResponseWriter& w) {
        w.send(200, { { "Content-Type", "text/plain" }, { "X-Method", r.method } }, r.body);
    });
    m_server.route("/chunks", [](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", "text/plain" } });
        for (int i = 0; i < 3; ++i) {
            w.chunk("part" + std::to_string(i) + ";");
            w.sleepMs(20);
        }
        w.endChunked();
    });
    m_server.route("/big", [](const RecordedRequest&, ResponseWriter& w) { w.send(200, {}, std::string(10000, 'b')); });
    m_server.route("/drop", [](const RecordedRequest&, ResponseWriter& w) {
        w.raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        w.sleepMs(20);
        w.drop();
    });
    m_server.route("/nothing", [](const RecordedRequest&, ResponseWriter& w) { w.drop(); });
    m_server.route("/garbage", [](const RecordedRequest&, ResponseWriter& w) {
        w.raw("HELLO THERE\r\n\r\n");
        w.drop();
    });
}

void TestHttpClient::cleanupTestCase()
{
    m_server.stop();
}

void TestHttpClient::postAndHeaders()
{
    m_server.clearRequests();
    HttpClient client;
    HttpRequest r = get(m_server.baseUrl() + "/echo");
    r.method = "POST";
    r.body = std::string(5000, 'p'); // large enough that curl would otherwise send Expect: 100-continue
    r.headers = { { "Content-Type", "application/json" }, { "X-Custom", "v" } };
    auto res = performBlocking(client, r);
    QVERIFY2(res.ok(), describe(res));
    QCOMPARE(res->status, 200L);
    QCOMPARE(res->body, r.body);
    QCOMPARE(res->header("x-method"), std::string("POST"));
    QCOMPARE(res->httpVersion, 11L);
    const auto reqs = m_server.requests();
    QCOMPARE(reqs.size(), std::size_t(1));
    QCOMPARE(reqs[0].header("X-Custom"), std::string("v"));
    QVERIFY(reqs[0].header("User-Agent").starts_with("Assay/"));
    QVERIFY(reqs[0].header("Expect").empty());
}

void TestHttpClient::streamingChunksAndHead()
{
    // The server sends each part only after the client has handed the previous one to onData, so the parts
    // arrive in pieces however the machine schedules the two threads.
    auto delivered = std::make_shared<Gate>();
    m_server.route("/lockstep", [delivered](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", "text/plain" } });
        for (int i = 0; i < 3; ++i) {
            w.chunk("part" + std::to_string(i) + ";");
            if (!delivered->waitArrived(i + 1))
                break;
        }
        w.endChunked();
    });
    HttpClient client;
    std::promise<void> done;
    std::vector<std::string> chunks;
    long headStatus = 0;
    bool headBeforeData = true;
    Result<HttpResponse> result = makeError(ErrorCode::Ok, "");
    HttpHandlers h;
    h.onHead = [&](const HttpResponse& head) { headStatus = head.status; };
    h.onData = [&](std::string_view c) {
        headBeforeData = headBeforeData && headStatus == 200;
        chunks.emplace_back(c);
        delivered->arrive();
        return true;
    };
    h.onComplete = [&](Result<HttpResponse> r) {
        result = std::move(r);
        done.set_value();
    };
    QVERIFY(client.submit(get(m_server.baseUrl() + "/lockstep"), h).ok());
    done.get_future().wait();
    QVERIFY2(result.ok(), describe(result));
    QVERIFY(headBeforeData);
    QVERIFY(result->body.empty()); // streamed, not buffered
    std::string joined;
    for (const auto& c : chunks)
        joined += c;
    QCOMPARE(joined, std::string("part0;part1;part2;"));
    QVERIFY(chunks.size() >= 3); // arrived in pieces, as sent
}

void TestHttpClient::keepAliveReusesConnection()
{
    HttpClient client;
    const auto before = m_server.connectionCount();
    for (int i = 0; i < 20; ++i) {
        auto res = performBlocking(client, get(m_server.baseUrl() + "/echo"));
        QVERIFY2(res.ok(), describe(res));
    }
    QCOMPARE(m_server.connectionCount() - before, std::uint64_t(1));
}

void TestHttpClient::connectionRefused()
{
    LoopbackServer closed;
    QVERIFY(closed.start());
    const std::string url = closed.baseUrl() + "/x";
    closed.stop(); // the port is now closed
    HttpClient client;
    auto res = performBlocking(client, get(url));
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Network);
    QVERIFY(res.error().message.find("Could not connect") != std::string::npos);
}

void TestHttpClient::idleTimeout()
{
    // The server sends one part and then stalls until this test lets it go: the transfer must end on its own, with
    // the idle-timeout code, while the server is still stalled, and not before the idle time has passed since that
    // part (a lower bound: a slow machine only makes the gap longer).
    auto gate = std::make_shared<Gate>();
    OpenOnExit release { gate };
    m_server.route("/stall-idle", stallUntil(gate));
    HttpRequest r = get(m_server.baseUrl() + "/stall-idle");
    r.idleTimeoutMs = 300;
    QElapsedTimer sinceData;
    std::promise<Result<HttpResponse>> done;
    HttpHandlers h;
    h.onData = [&](std::string_view) {
        sinceData.start();
        return true;
    };
    h.onComplete = [&](Result<HttpResponse> res) { done.set_value(std::move(res)); };
    HttpClient client; // after what its handlers use: destroyed first
    QVERIFY(client.submit(r, h).ok());
    auto future = done.get_future();
    QCOMPARE(future.wait_for(kEventually), std::future_status::ready);
    const auto gap = sinceData.isValid() ? sinceData.elapsed() : -1;
    QVERIFY(!gate->isOpen()); // the server had not finished: the client gave up by itself
    auto res = future.get();
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Timeout);
    QVERIFY2(res.error().message.find("idle timeout") != std::string::npos, res.error().message.c_str());
    QVERIFY2(gap >= 250, std::to_string(gap).c_str());
}

void TestHttpClient::totalTimeout()
{
    // The server keeps sending (a part every 20 ms) until the client hangs up: only the time limit can end the
    // transfer, even though data keeps arriving, and the server sees the client go.
    auto hungUp = std::make_shared<std::atomic<bool>>(false);
    auto gate = std::make_shared<Gate>();
    OpenOnExit release { gate };
    m_server.route("/endless", [hungUp, gate](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, {});
        while (!gate->isOpen()) {
            if (!w.chunk("x")) {
                *hungUp = true;
                return;
            }
            w.sleepMs(20);
        }
    });
    HttpRequest r = get(m_server.baseUrl() + "/endless");
    r.totalTimeoutMs = 400;
    std::atomic<int> parts { 0 };
    std::promise<Result<HttpResponse>> done;
    HttpHandlers h;
    h.onData = [&](std::string_view) {
        ++parts;
        return true;
    };
    h.onComplete = [&](Result<HttpResponse> res) { done.set_value(std::move(res)); };
    HttpClient client; // after what its handlers use: destroyed first
    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.submit(r, h).ok());
    auto future = done.get_future();
    QCOMPARE(future.wait_for(kEventually), std::future_status::ready);
    QVERIFY(timer.elapsed() >= 350); // not before the limit (a lower bound holds on any machine)
    auto res = future.get();
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Timeout);
    QVERIFY2(res.error().message.find("time limit") != std::string::npos, res.error().message.c_str());
    QVERIFY(parts.load() >= 1);
    QTRY_VERIFY_WITH_TIMEOUT(hungUp->load(), int(std::chrono::milliseconds(kEventually).count()));
}

void TestHttpClient::cancelMidStream()
{
    // After the first part the server stalls until this test lets it go. A cancel must end the transfer while the
    // server is still stalled (no more data, no end of the response will come to notice it by).
    auto gate = std::make_shared<Gate>();
    OpenOnExit release { gate };
    m_server.route("/stall-cancel", stallUntil(gate));
    std::promise<Result<HttpResponse>> done;
    std::atomic<int> chunks { 0 };
    std::promise<void> firstChunk;
    HttpHandlers h;
    h.onData = [&](std::string_view) {
        if (chunks++ == 0)
            firstChunk.set_value();
        return true;
    };
    h.onComplete = [&](Result<HttpResponse> r) { done.set_value(std::move(r)); };
    HttpClient client; // after what its handlers use: destroyed first
    auto submitted = client.submit(get(m_server.baseUrl() + "/stall-cancel"), h);
    QVERIFY(submitted.ok());
    QCOMPARE(firstChunk.get_future().wait_for(kEventually), std::future_status::ready);
    submitted->cancel();
    auto future = done.get_future();
    QCOMPARE(future.wait_for(kEventually), std::future_status::ready);
    QVERIFY(!gate->isOpen()); // ended while the server was still stalled
    auto res = future.get();
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Cancelled);
    QCOMPARE(chunks.load(), 1);
}

void TestHttpClient::cancelThroughStopToken()
{
    auto gate = std::make_shared<Gate>();
    OpenOnExit release { gate };
    m_server.route("/stall-token", stallUntil(gate));
    HttpClient client;
    std::stop_source stop;
    HttpRequest r = get(m_server.baseUrl() + "/stall-token");
    r.cancel = stop.get_token();
    auto future = std::async(std::launch::async, [&] { return performBlocking(client, r); });
    QVERIFY(gate->waitArrived(1)); // the request is at the server, which now stalls
    stop.request_stop();
    QCOMPARE(future.wait_for(kEventually), std::future_status::ready);
    QVERIFY(!gate->isOpen());
    auto res = future.get();
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Cancelled);
}

void TestHttpClient::responseSizeCap()
{
    HttpClient client;
    HttpRequest r = get(m_server.baseUrl() + "/big");
    r.maxResponseBytes = 1024;
    auto res = performBlocking(client, r);
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Http);
    QVERIFY(res.error().message.find("larger than the limit of 1024 bytes") != std::string::npos);
    r.maxResponseBytes = 10000;
    QVERIFY(performBlocking(client, r).ok());
}

void TestHttpClient::droppedMidBody()
{
    HttpClient client;
    auto res = performBlocking(client, get(m_server.baseUrl() + "/drop"));
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Network);
    QVERIFY2(res.error().message.find("lost before the response was complete") != std::string::npos,
        res.error().message.c_str());
}

void TestHttpClient::closedWithoutAnswer()
{
    HttpClient client;
    auto res = performBlocking(client, get(m_server.baseUrl() + "/nothing"));
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Network);
    QVERIFY2(res.error().message.find("without answering") != std::string::npos, res.error().message.c_str());
}

void TestHttpClient::invalidHttp()
{
    HttpClient client;
    auto res = performBlocking(client, get(m_server.baseUrl() + "/garbage"));
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Network);
    QVERIFY2(res.error().message.find("valid HTTP") != std::string::npos, res.error().message.c_str());
}

void TestHttpClient::consumerAbort()
{
    HttpClient client;
    std::promise<Result<HttpResponse>> done;
    HttpHandlers h;
    h.onData = [](std::string_view) { return false; };
    h.onComplete = [&](Result<HttpResponse> r) { done.set_value(std::move(r)); };
    QVERIFY(client.submit(get(m_server.baseUrl() + "/chunks"), h).ok());
    auto res = done.get_future().get();
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Invalid);
}

void TestHttpClient::concurrentTransfers()
{
    // Every handler waits until all n requests are at the server before it answers: they can only all succeed if
    // the one worker drives them at the same time (one after another, the first would wait for the rest forever).
    constexpr int n = 64;
    auto barrier = std::make_shared<Gate>();
    auto together = std::make_shared<std::atomic<int>>(0);
    m_server.route("/barrier", [barrier, together](const RecordedRequest&, ResponseWriter& w) {
        barrier->arrive();
        if (barrier->waitArrived(n))
            ++*together;
        w.send(200, {}, "done");
    });
    std::atomic<int> ok { 0 };
    std::atomic<int> finished { 0 };
    std::promise<void> all;
    HttpClient client; // after what its handlers use: destroyed first
    for (int i = 0; i < n; ++i) {
        HttpHandlers h;
        h.onComplete = [&](Result<HttpResponse> r) {
            if (r.ok() && r->status == 200 && r->body == "done")
                ++ok;
            if (++finished == n)
                all.set_value();
        };
        QVERIFY(client.submit(get(m_server.baseUrl() + "/barrier"), h).ok());
    }
    all.get_future().wait();
    QCOMPARE(ok.load(), n);
    QCOMPARE(together->load(), n); // all n were in flight at once
    QCOMPARE(client.activeCount(), std::size_t(0));
}

void TestHttpClient::proxyIsUsed()
{
    // The proxy is the loopback server; the target name is never resolved (an HTTP proxy does that).
    const std::string target = "http://models.example.invalid/v1/models";
    m_server.route(target, [](const RecordedRequest&, ResponseWriter& w) { w.send(200, {}, "via proxy"); });
    HttpClientOptions options;
    options.proxy = m_server.baseUrl();
    HttpClient client(options);
    auto res = performBlocking(client, get(target));
    QVERIFY2(res.ok(), describe(res));
    QCOMPARE(res->body, std::string("via proxy"));
}

void TestHttpClient::unreadableCaBundle()
{
    HttpClientOptions options;
    options.caBundle = "/nonexistent/assay-ca.pem";
    HttpClient client(options);
    auto res = performBlocking(client, get("https://127.0.0.1:" + std::to_string(m_server.port()) + "/echo"));
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Network);
    QVERIFY2(res.error().message.find("CA bundle") != std::string::npos
            || res.error().message.find("TLS") != std::string::npos,
        res.error().message.c_str());
}

void TestHttpClient::destructorCancelsRunning()
{
    auto gate = std::make_shared<Gate>();
    OpenOnExit release { gate };
    m_server.route("/stall-destructor", stallUntil(gate));
    std::promise<Result<HttpResponse>> done;
    auto future = done.get_future();
    {
        HttpClient client;
        HttpHandlers h;
        h.onComplete = [&](Result<HttpResponse> r) { done.set_value(std::move(r)); };
        QVERIFY(client.submit(get(m_server.baseUrl() + "/stall-destructor"), h).ok());
        QVERIFY(gate->waitArrived(1)); // running: the server has it and stalls
    }
    QVERIFY(!gate->isOpen());
    QCOMPARE(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    auto res = future.get();
    QVERIFY(!res.ok());
    QCOMPARE(res.error().code, ErrorCode::Cancelled);
}

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"
