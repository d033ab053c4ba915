// SPDX-License-Identifier: MIT
// The run engine under a hostile server (issue 10, §5), through the whole engine: RunScheduler -> provider -> HTTP
// client -> loopback server, and the cells read back from the workspace file. Requests that leave the machine are
// the attempts the cell records; a huge streamed reply cannot bloat memory or the workspace; garbage bytes never
// reach a stored error; messages read as sentences; busy in-stream errors and keyless Anthropic gateways.
#include "runschedulertest.h"

#include "providers/httpprovider.h"
#include "storage/modelrepository.h"

#include <QByteArray>
#include <QFileInfo>
#include <QString>
#include <QtTest>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// Valid UTF-8 by Qt's decoder (independent of the product's own check): decoding replaces nothing.
bool isUtf8(const std::string& text)
{
    const QByteArray bytes = QByteArray::fromStdString(text);
    return QString::fromUtf8(bytes).toUtf8() == bytes;
}

const std::string kReplacement = "\xEF\xBF\xBD"; // U+FFFD

json fast(int attempts, bool stream = true)
{
    return json { { "retries", { { "maxAttempts", attempts }, { "baseBackoffMs", 5 }, { "maxBackoffMs", 20 } } },
        { "timeoutMs", 20'000 }, { "cache", false }, { "stream", stream } };
}

/// Adds an Anthropic endpoint "a0" answering on <server>/a0/v1/messages; returns the definition patch using it.
json withAnthropicEndpoint(RunHarness& h, json patch)
{
    auto db = Workspace::open(h.path());
    if (!db)
        return patch;
    Endpoint e;
    e.name = "a0";
    e.kind = EndpointKind::Anthropic;
    e.baseUrl = h.server().baseUrl() + "/a0";
    e.remoteModel = "claude-test";
    if (!ModelRepository(*db, "test").createEndpoint(e))
        return patch;
    patch["endpoints"] = json::array({ "a0" });
    return patch;
}

/// Raw bytes of a complete HTTP/1.1 response (for status lines and bodies a well-behaved writer would not send).
std::string rawResponse(const std::string& statusLine, const std::string& contentType, const std::string& body)
{
    return statusLine + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + std::to_string(body.size())
        + "\r\n\r\n" + body;
}

std::uint64_t fileSize(const std::string& path)
{
    const QFileInfo info(QString::fromStdString(path));
    return info.exists() ? static_cast<std::uint64_t>(info.size()) : 0;
}
} // namespace

#define RUN_ALL(harness, patch, options, cellsVar)                                                                     \
    auto outcome_ = (harness).run((harness).definition(patch), options);                                               \
    QVERIFY2(outcome_.ok(), outcome_.ok() ? "" : outcome_.error().message.c_str());                                    \
    QCOMPARE(outcome_->status, RunStatus::Finished);                                                                   \
    const std::vector<RunCell> cellsVar = (harness).cells(outcome_->runId)

class TestRunHostile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resentRequestsAreCountedAttempts_data();
    void resentRequestsAreCountedAttempts();
    void streamedOversizeReplyIsBounded();
    void garbageBytesNeverReachAnError_data();
    void garbageBytesNeverReachAnError();
    void noDoubledFullStop_data();
    void noDoubledFullStop();
    void anthropicOverloadedInStream_data();
    void anthropicOverloadedInStream();
    void deeplyNestedReplyFailsTheCell_data();
    void deeplyNestedReplyFailsTheCell();
    void anthropicWithoutKey();
    void anthropicWithoutKeyRefusedByServer();
};

void TestRunHostile::resentRequestsAreCountedAttempts_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("concurrency");
    QTest::newRow("500 on fresh connections, one at a time") << 500 << 1;
    QTest::newRow("500 on fresh connections, two at a time") << 500 << 2;
    QTest::newRow("200 on fresh connections, two at a time") << 200 << 2;
}

void TestRunHostile::resentRequestsAreCountedAttempts()
{
    QFETCH(int, status);
    QFETCH(int, concurrency);
    RunHarness h(RunFixtureSpec { {}, 1, 1, 6, {}, "rows" }); // 6 cells on one endpoint: its connections are shared
    QVERIFY(h.ok());
    h.server().setCloseReusedConnections(true);
    h.server().route(
        RunHarness::route(0), status == 200 ? openAiAuto() : jsonStatus(status, R"({"error":{"message":"boom"}})"));
    json patch = fast(3);
    patch["concurrency"] = concurrency;
    RUN_ALL(h, patch, SchedulerOptions {}, cells);
    QCOMPARE(cells.size(), std::size_t(6));

    // What the server received, per cell (the rows are unique, so the last user message names the cell).
    std::map<std::string, int> received;
    for (const auto& r : h.server().requests())
        ++received[lastUserMessage(r.body)];
    int attempts = 0;
    int ok = 0;
    for (const RunCell& c : cells) {
        const int recorded = c.provenance.value("attempts", 0);
        attempts += recorded;
        const std::string message = lastUserMessage(c.request.dump()); // the normalized request has "messages"
        QVERIFY2(recorded >= 1 && recorded <= 3, c.error.c_str());
        QVERIFY2(received[message] == recorded,
            (message + ": the server received " + std::to_string(received[message]) + " requests, the cell records "
                + std::to_string(recorded) + " attempts")
                .c_str());
        if (c.status == CellStatus::Ok) {
            ++ok;
        } else {
            QCOMPARE(c.status, CellStatus::Failed);
            QCOMPARE(recorded, 3); // every attempt met a 500 or a closed connection: all retryable
        }
    }
    // 500: every cell fails. 200: fresh connections answer, so cells succeed (one may meet reused connections on
    // all three attempts when two run at once; the counts above hold either way).
    QVERIFY(status == 200 ? ok > 0 : ok == 0);
    QCOMPARE(static_cast<int>(h.server().requestCount()), attempts);
    QVERIFY2(h.server().unansweredCount() > 0, "no connection was reused, so the test proved nothing");
    qInfo("%d attempts recorded, %llu requests received, %llu of them closed unanswered", attempts,
        static_cast<unsigned long long>(h.server().requestCount()),
        static_cast<unsigned long long>(h.server().unansweredCount()));
}

void TestRunHostile::streamedOversizeReplyIsBounded()
{
    RunHarness h(RunFixtureSpec { {}, 1, 1, 1, {}, "rows" });
    QVERIFY(h.ok());
    constexpr std::size_t kServerBytes = 40u << 20; // more than the transfer cap (32 MiB): the old engine kept it all
    auto sent = std::make_shared<std::atomic<std::size_t>>(0);
    h.server().route(RunHarness::route(0), [sent](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", "text/event-stream" } });
        const json event = { { "choices",
            json::array({ { { "index", 0 }, { "delta", { { "content", std::string(60 * 1024, 'x') } } } } }) } };
        const std::string frame = "data: " + event.dump() + "\n\n";
        while (sent->load() < kServerBytes && w.chunk(frame))
            *sent += frame.size();
        w.chunk("data: [DONE]\n\n");
        w.endChunked();
    });
    auto delivered = std::make_shared<std::atomic<std::size_t>>(0);
    SchedulerOptions options;
    options.onDelta = [delivered](const std::string&, std::string_view text, bool) { *delivered += text.size(); };
    RUN_ALL(h, fast(3), options, cells);
    QCOMPARE(cells.size(), std::size_t(1));
    const RunCell& c = cells.front();
    QCOMPARE(c.status, CellStatus::Failed);
    // Stored: a bounded prefix, and the cell says how much came.
    QVERIFY2(c.output.size() <= kFailedOutputKeepBytes, std::to_string(c.output.size()).c_str());
    QVERIFY(c.output.size() > kFailedOutputKeepBytes / 2);
    QCOMPARE(c.provenance.value("outputTruncated", false), true);
    const std::size_t outputLimit = EndpointSettings {}.maxOutputBytes;
    QCOMPARE(c.provenance.value("outputBytesReceived", std::size_t(0)), outputLimit);
    // Held: the engine stopped reading at the output limit instead of taking the whole stream.
    QVERIFY2(delivered->load() <= outputLimit, std::to_string(delivered->load()).c_str());
    const std::uint64_t onDisk = fileSize(h.path()) + fileSize(h.path() + "-wal");
    qInfo("server sent %zu bytes before the client stopped, %zu reached the engine, %zu stored; workspace %llu bytes",
        sent->load(), delivered->load(), c.output.size(), static_cast<unsigned long long>(onDisk));
    QVERIFY2(onDisk < (2u << 20), std::to_string(onDisk).c_str());
    QVERIFY2(contains(c.error, "longer than the limit"), c.error.c_str());
    QCOMPARE(c.provenance.value("attempts", 0), 1); // a reply cut for its size is not paid for again
}

void TestRunHostile::garbageBytesNeverReachAnError_data()
{
    QTest::addColumn<QByteArray>("replyBytes");
    QTest::addColumn<bool>("stream");
    const std::string garbage = "\xFF\xFE oops \xE2\x82"; // not UTF-8, then a multibyte sequence cut short
    QTest::newRow("500 with a garbage body")
        << QByteArray::fromStdString(rawResponse("HTTP/1.1 500 Internal Server Error", "text/plain", garbage)) << true;
    QTest::newRow("garbage status text, JSON body with a cut character") << QByteArray::fromStdString(
        rawResponse("HTTP/1.1 503 \xFF\xFE\xC3", "application/json", "{\"error\":{\"message\":\"busy \xF0\x9F\"}}"))
                                                                         << true;
    QTest::newRow("200 with a garbage body")
        << QByteArray::fromStdString(rawResponse("HTTP/1.1 200 OK", "application/json", garbage)) << false;
    QTest::newRow("a garbage streaming event") << QByteArray::fromStdString(
        std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                    "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\ndata: ")
        + garbage + "\n\n") << true;
    QTest::newRow("an overlong and a surrogate in a 400 body") << QByteArray::fromStdString(
        rawResponse("HTTP/1.1 400 Bad Request", "text/plain", "bad \xC0\xAF and \xED\xA0\x80 here"))
                                                               << true;
}

void TestRunHostile::garbageBytesNeverReachAnError()
{
    QFETCH(QByteArray, replyBytes);
    QFETCH(bool, stream);
    const std::string reply = replyBytes.toStdString();
    RunHarness h(RunFixtureSpec { {}, 1, 1, 1, {}, "rows" });
    QVERIFY(h.ok());
    h.server().route(RunHarness::route(0), [reply](const RecordedRequest&, ResponseWriter& w) {
        w.raw(reply);
        w.closeAfter();
    });
    RUN_ALL(h, fast(1, stream), SchedulerOptions {}, cells); // read back from the workspace file
    QCOMPARE(cells.size(), std::size_t(1));
    const RunCell& c = cells.front();
    QCOMPARE(c.status, CellStatus::Failed);
    QVERIFY(!c.error.empty());
    QVERIFY2(isUtf8(c.error), c.error.c_str());
    QVERIFY2(contains(c.error, kReplacement), c.error.c_str()); // replaced, not dropped
    QVERIFY(isUtf8(c.output));
}

void TestRunHostile::noDoubledFullStop_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("messageBytes");
    QTest::addColumn<int>("attempts");
    QTest::newRow("503, retried") << 503 << QByteArray("Service unavailable, please retry the request.") << 3;
    QTest::newRow("429, retried") << 429 << QByteArray("Rate limit reached for this request.") << 2;
    QTest::newRow("400") << 400 << QByteArray("Invalid request.") << 1;
    QTest::newRow("401") << 401 << QByteArray("Bad key!") << 1;
    QTest::newRow("404") << 404 << QByteArray("No such model.") << 1;
    QTest::newRow("502 without a full stop") << 502 << QByteArray("upstream gone") << 2;
}

void TestRunHostile::noDoubledFullStop()
{
    QFETCH(int, status);
    QFETCH(QByteArray, messageBytes);
    QFETCH(int, attempts);
    const std::string message = messageBytes.toStdString();
    RunHarness h(RunFixtureSpec { {}, 1, 1, 1, {}, "rows" });
    QVERIFY(h.ok());
    h.server().route(RunHarness::route(0), jsonStatus(status, json { { "error", { { "message", message } } } }.dump()));
    RUN_ALL(h, fast(attempts), SchedulerOptions {}, cells);
    QCOMPARE(cells.size(), std::size_t(1));
    const RunCell& c = cells.front();
    QCOMPARE(c.status, CellStatus::Failed);
    QCOMPARE(c.provenance.value("attempts", 0), attempts);
    QVERIFY2(contains(c.error, message), c.error.c_str());
    QVERIFY2(!contains(c.error, ".."), c.error.c_str());
    QVERIFY2(!contains(c.error, "!."), c.error.c_str());
    QVERIFY2(!contains(c.error, ". ("), c.error.c_str());
    QVERIFY2(c.error.back() == '.', c.error.c_str());
    if (attempts > 1)
        QVERIFY2(contains(c.error, ". Tried " + std::to_string(attempts) + " times."), c.error.c_str());
}

void TestRunHostile::anthropicOverloadedInStream_data()
{
    QTest::addColumn<bool>("afterOutput");
    QTest::newRow("before any output: retried") << false;
    QTest::newRow("after output: not retried") << true;
}

void TestRunHostile::anthropicOverloadedInStream()
{
    QFETCH(bool, afterOutput);
    RunHarness h(RunFixtureSpec { {}, 1, 1, 1, {}, "rows" });
    QVERIFY(h.ok());
    const json patch = withAnthropicEndpoint(h, fast(3));
    QCOMPARE(patch["endpoints"], json::array({ "a0" }));
    auto log = std::make_shared<ServerLog>();
    Handler overloaded = [afterOutput](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", "text/event-stream" } });
        w.chunk("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}"
                "\n\n");
        if (afterOutput)
            w.chunk("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    "{\"type\":\"text_delta\",\"text\":\"Par\"}}\n\n");
        w.chunk("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
                "\"Overloaded\"}}\n\n");
        w.endChunked();
    };
    h.server().route("/a0/v1/messages", counting(log, failFirst(1, overloaded, anthropicStream({}))));
    RUN_ALL(h, patch, SchedulerOptions {}, cells);
    QCOMPARE(cells.size(), std::size_t(1));
    const RunCell& c = cells.front();
    if (afterOutput) {
        QCOMPARE(c.status, CellStatus::Failed);
        QCOMPARE(c.output, std::string("Par"));
        QVERIFY2(contains(c.error, "overloaded_error): Overloaded."), c.error.c_str());
        QCOMPARE(log->total.load(), 1);
    } else {
        QVERIFY2(c.status == CellStatus::Ok, c.error.c_str());
        QCOMPARE(c.output, std::string("Hello, world!"));
        QCOMPARE(c.provenance.value("attempts", 0), 2);
        QCOMPARE(log->total.load(), 2);
    }
}

void TestRunHostile::deeplyNestedReplyFailsTheCell_data()
{
    QTest::addColumn<QByteArray>("replyBytes");
    QTest::addColumn<bool>("stream");
    // 200,000 levels: nlohmann's recursive destructor, dump() and copies overflow the stack on such a value.
    const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
    QTest::newRow("a 200 reply nested 200,000 deep")
        << QByteArray::fromStdString(rawResponse("HTTP/1.1 200 OK", "application/json", deep)) << false;
    QTest::newRow("an error body nested 200,000 deep") << QByteArray::fromStdString(
        rawResponse("HTTP/1.1 500 Internal Server Error", "application/json", "{\"error\":" + deep + "}"))
                                                       << false;
    QTest::newRow("a streamed event nested 200,000 deep") << QByteArray::fromStdString(
        std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\ndata: ") + deep
        + "\n\n") << true;
}

void TestRunHostile::deeplyNestedReplyFailsTheCell()
{
    QFETCH(QByteArray, replyBytes);
    QFETCH(bool, stream);
    const std::string reply = replyBytes.toStdString();
    RunHarness h(RunFixtureSpec { {}, 1, 1, 1, {}, "rows" });
    QVERIFY(h.ok());
    h.server().route(RunHarness::route(0), [reply](const RecordedRequest&, ResponseWriter& w) {
        w.raw(reply);
        w.closeAfter();
    });
    RUN_ALL(h, fast(1, stream), SchedulerOptions {}, cells); // no crash: the reply is refused, not parsed
    QCOMPARE(cells.size(), std::size_t(1));
    QCOMPARE(cells.front().status, CellStatus::Failed);
    QVERIFY(!cells.front().error.empty());
    QVERIFY(cells.front().error.size() < 4096);
}

void TestRunHostile::anthropicWithoutKey()
{
    RunHarness h(RunFixtureSpec { {}, 1, 1, 1, {}, "rows" });
    QVERIFY(h.ok());
    const json patch = withAnthropicEndpoint(h, fast(1)); // "a0" has no secret: a local gateway needs none
    h.server().route("/a0/v1/messages", anthropicStream({}));
    RUN_ALL(h, patch, SchedulerOptions {}, cells);
    QCOMPARE(cells.size(), std::size_t(1));
    QVERIFY2(cells.front().status == CellStatus::Ok, cells.front().error.c_str());
    QCOMPARE(cells.front().output, std::string("Hello, world!"));
    const auto requests = h.server().requests();
    QCOMPARE(requests.size(), std::size_t(1));
    QVERIFY(requests.front().header("x-api-key").empty());
    QCOMPARE(requests.front().header("anthropic-version"), std::string("2023-06-01"));
}

void TestRunHostile::anthropicWithoutKeyRefusedByServer()
{
    RunHarness h(RunFixtureSpec { {}, 1, 1, 1, {}, "rows" });
    QVERIFY(h.ok());
    const json patch = withAnthropicEndpoint(h, fast(3));
    h.server().route("/a0/v1/messages",
        jsonStatus(401,
            R"({"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}})"));
    RUN_ALL(h, patch, SchedulerOptions {}, cells);
    QCOMPARE(cells.size(), std::size_t(1));
    const RunCell& c = cells.front();
    QCOMPARE(c.status, CellStatus::Failed);
    QCOMPARE(c.provenance["errorCode"].get<std::string>(), std::string(errorCodeName(ErrorCode::Unauthorized)));
    QVERIFY2(contains(c.error, "requires an API key and this endpoint has none (HTTP 401): x-api-key header"),
        c.error.c_str());
    QCOMPARE(c.provenance.value("attempts", 0), 1);
}

QTEST_GUILESS_MAIN(TestRunHostile)
#include "tst_runhostile.moc"
