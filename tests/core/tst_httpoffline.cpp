// SPDX-License-Identifier: MIT
// What may leave the machine through the HTTP client: credentials redacted from logs and URLs, and offline mode,
// which refuses every host that is not this machine before a name lookup or a socket (checked against a loopback
// server set as the proxy: the only place a refused request could have gone). The transfers themselves (streaming,
// timeouts, cancel, faults) are tst_httpclient's.
#include "http/httpclient.h"
#include "http/offline.h"
#include "http/redact.h"
#include "httptest.h"
#include "loopbackserver.h"

#include <QtTest>

#include <mutex>
#include <string>
#include <vector>

using namespace assay::core;
using assay::test::describe;
using assay::test::get;
using assay::test::LoopbackServer;
using assay::test::RecordedRequest;
using assay::test::ResponseWriter;

class TestHttpOffline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void redactHeaders_data();
    void redactHeaders();
    void redactUrls();
    void logNeverContainsKeys();
    void loopbackHosts_data();
    void loopbackHosts();

    void offlineRefusesBeforeConnecting_data();
    void offlineRefusesBeforeConnecting();
    void offlineCheckSeesAConnection();
    void offlineAllowsLoopback();
    void offlineRefusesResolvedNonLoopback();
    void offlineRefusesRemoteProxy();

private:
    LoopbackServer m_server;
};

void TestHttpOffline::initTestCase()
{
    QVERIFY2(m_server.start(), m_server.lastError().c_str());
    m_server.route("/echo", [](const RecordedRequest& r, ResponseWriter& w) {
        w.send(200, { { "Content-Type", "text/plain" }, { "X-Method", r.method } }, r.body);
    });
}

void TestHttpOffline::cleanupTestCase()
{
    m_server.stop();
}

void TestHttpOffline::redactHeaders_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("secret");
    QTest::newRow("authorization") << "Authorization" << true;
    QTest::newRow("lower authorization") << "authorization" << true;
    QTest::newRow("proxy-authorization") << "Proxy-Authorization" << true;
    QTest::newRow("x-api-key") << "X-Api-Key" << true;
    QTest::newRow("azure api-key") << "api-key" << true;
    QTest::newRow("x-amz-date") << "X-Amz-Date" << true;
    QTest::newRow("x-amz-security-token") << "x-amz-security-token" << true;
    QTest::newRow("cookie") << "Cookie" << true;
    QTest::newRow("content-type") << "Content-Type" << false;
    QTest::newRow("anthropic-version") << "anthropic-version" << false;
    QTest::newRow("accept") << "Accept" << false;
}

void TestHttpOffline::redactHeaders()
{
    QFETCH(QString, name);
    QFETCH(bool, secret);
    QCOMPARE(isSecretHeader(name.toStdString()), secret);
    const std::string shown = redactHeaderValue(name.toStdString(), "sk-live-123");
    QCOMPARE(shown == "[redacted]", secret);
    const std::string line = formatHeadersForLog({ { name.toStdString(), "sk-live-123" } });
    QCOMPARE(line.find("sk-live-123") == std::string::npos, secret);
}

void TestHttpOffline::redactUrls()
{
    QCOMPARE(
        redactUrl("https://user:pw@host/v1?key=abc&x=1"), std::string("https://[redacted]@host/v1?key=[redacted]&x=1"));
    QCOMPARE(redactUrl("https://h/p?api_key=s3cret#frag"), std::string("https://h/p?api_key=[redacted]#frag"));
    QCOMPARE(
        redactUrl("https://h/p?X-Amz-Signature=abc&a=b"), std::string("https://h/p?X-Amz-Signature=[redacted]&a=b"));
    QCOMPARE(redactUrl("http://127.0.0.1:8080/v1/chat"), std::string("http://127.0.0.1:8080/v1/chat"));
    QCOMPARE(
        redactSecrets("key sk-1 and sk-1 again", { "sk-1", "" }), std::string("key [redacted] and [redacted] again"));
}

void TestHttpOffline::logNeverContainsKeys()
{
    std::mutex mutex;
    std::vector<std::string> lines;
    HttpClientOptions options;
    options.log = [&](std::string_view line) {
        std::lock_guard lock(mutex);
        lines.emplace_back(line);
    };
    HttpClient client(options);
    HttpRequest r = get(m_server.baseUrl() + "/echo?api_key=sk-query-secret");
    r.headers = { { "Authorization", "Bearer sk-header-secret" }, { "x-api-key", "sk-anthropic-secret" },
        { "X-Amz-Security-Token", "aws-token-secret" }, { "Content-Type", "application/json" } };
    auto res = performBlocking(client, r);
    QVERIFY2(res.ok(), describe(res));
    std::lock_guard lock(mutex);
    QVERIFY(!lines.empty());
    for (const auto& l : lines) {
        QVERIFY2(l.find("secret") == std::string::npos, l.c_str());
        QVERIFY(l.find("Content-Type: application/json") != std::string::npos);
    }
}

void TestHttpOffline::loopbackHosts_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("loopback");
    QTest::newRow("localhost") << "localhost" << true;
    QTest::newRow("LOCALHOST") << "LOCALHOST" << true;
    QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
    QTest::newRow("127.5.6.7") << "127.5.6.7" << true;
    QTest::newRow("[::1]") << "[::1]" << true;
    QTest::newRow("::1") << "::1" << true;
    QTest::newRow("v4-mapped") << "::ffff:127.0.0.1" << true;
    QTest::newRow("10.0.0.1") << "10.0.0.1" << false;
    QTest::newRow("128.0.0.1") << "128.0.0.1" << false;
    QTest::newRow("0.0.0.0") << "0.0.0.0" << false;
    QTest::newRow("localhost.evil.com") << "localhost.evil.com" << false;
    QTest::newRow("127.0.0.1.nip.io") << "127.0.0.1.nip.io" << false;
    QTest::newRow("shorthand 127.1") << "127.1" << false; // would need non-standard parsing: refused
    QTest::newRow("::2") << "::2" << false;
    QTest::newRow("api.openai.com") << "api.openai.com" << false;
}

void TestHttpOffline::loopbackHosts()
{
    QFETCH(QString, host);
    QFETCH(bool, loopback);
    QCOMPARE(isLoopbackHost(host.toStdString()), loopback);
}

void TestHttpOffline::offlineRefusesBeforeConnecting_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("private ip") << "http://10.0.0.1/";
    QTest::newRow("name") << "https://api.openai.com/v1/chat/completions";
    QTest::newRow("ipv6") << "https://[2001:db8::1]:8443/v1";
    QTest::newRow("dns trick") << "http://127.0.0.1.nip.io:8080/";
    QTest::newRow("localhost lookalike") << "http://localhost.example.com/";
    QTest::newRow("unspecified") << "http://0.0.0.0:8080/";
}

void TestHttpOffline::offlineRefusesBeforeConnecting()
{
    // The loopback server is set as the HTTP proxy: it is where any socket for these URLs would go (an HTTP proxy
    // also resolves the target's name, so none is looked up here). offlineCheckSeesAConnection shows that without
    // offline mode such a request does reach it. Offline, none does: no connection, no request, no transfer.
    QFETCH(QString, url);
    HttpClientOptions options;
    options.offline = true;
    options.proxy = m_server.baseUrl();
    const auto connectionsBefore = m_server.connectionCount();
    const auto requestsBefore = m_server.requestCount();
    std::atomic<bool> completed { false };
    {
        HttpClient client(options);
        HttpHandlers handlers;
        handlers.onComplete = [&](Result<HttpResponse>) { completed = true; };
        auto handle = client.submit(get(url.toStdString()), handlers);
        QVERIFY(!handle.ok()); // refused synchronously, in submit()
        QCOMPARE(handle.error().code, ErrorCode::Offline);
        QVERIFY(handle.error().message.find("Offline mode is on") != std::string::npos);
        QCOMPARE(client.activeCount(), std::size_t(0)); // no transfer was ever created
    } // the destructor joins the worker: any handler call would have happened by now
    QVERIFY(!completed.load());
    QCOMPARE(m_server.connectionCount(), connectionsBefore);
    QCOMPARE(m_server.requestCount(), requestsBefore);
}

void TestHttpOffline::offlineCheckSeesAConnection()
{
    // The control for offlineRefusesBeforeConnecting: the same set-up online reaches the loopback proxy.
    HttpClientOptions options;
    options.proxy = m_server.baseUrl();
    HttpClient client(options);
    const auto connectionsBefore = m_server.connectionCount();
    const auto requestsBefore = m_server.requestCount();
    auto res = performBlocking(client, get("http://10.0.0.1/"));
    QVERIFY2(res.ok(), describe(res)); // the proxy answered (404: it has no such route)
    QCOMPARE(res->status, 404L);
    QCOMPARE(m_server.connectionCount(), connectionsBefore + 1);
    QCOMPARE(m_server.requestCount(), requestsBefore + 1);
}

void TestHttpOffline::offlineAllowsLoopback()
{
    HttpClientOptions options;
    options.offline = true;
    HttpClient client(options);
    auto res = performBlocking(client, get(m_server.baseUrl() + "/echo"));
    QVERIFY2(res.ok(), describe(res));
    QCOMPARE(res->status, 200L);
    auto res2 = performBlocking(client, get("http://localhost:" + std::to_string(m_server.port()) + "/echo"));
    QVERIFY2(res2.ok(), describe(res2));
    // Toggling at runtime.
    client.setOffline(false);
    QVERIFY(!client.offline());
    client.setOffline(true);
    QCOMPARE(client.submit(get("http://10.0.0.1/"), {}).error().code, ErrorCode::Offline);
}

void TestHttpOffline::offlineRefusesResolvedNonLoopback()
{
    // "localhost" passes the name check, but here it is pinned to a non-loopback documentation address
    // (192.0.2.1, TEST-NET-1): the socket-open check must refuse it without connecting.
    const std::string port = std::to_string(m_server.port());
    HttpClientOptions options;
    options.offline = true;
    options.resolve = { "localhost:" + port + ":192.0.2.1" };
    HttpClient client(options);
    auto res = performBlocking(client, get("http://localhost:" + port + "/echo"));
    QVERIFY(!res.ok());
    // Offline (not Network or Timeout, which a connect attempt to 192.0.2.1 ends in): refused at socket-open.
    QCOMPARE(res.error().code, ErrorCode::Offline);
    QVERIFY2(res.error().message.find("outside this computer") != std::string::npos, res.error().message.c_str());
}

void TestHttpOffline::offlineRefusesRemoteProxy()
{
    HttpClientOptions options;
    options.offline = true;
    options.proxy = "http://10.1.2.3:3128";
    HttpClient client(options);
    auto handle = client.submit(get(m_server.baseUrl() + "/echo"), {});
    QVERIFY(!handle.ok());
    QCOMPARE(handle.error().code, ErrorCode::Offline);
}

QTEST_GUILESS_MAIN(TestHttpOffline)
#include "tst_httpoffline.moc"
