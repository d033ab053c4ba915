// SPDX-License-Identifier: MIT
// Every server fault through the whole run engine (scheduler -> provider -> loopback server -> workspace file):
// the cell the user then sees (status, error sentence, partial output, attempts) and how often the server was hit.
#include "runschedulertest.h"

#include <QtTest>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// One prompt, one endpoint, one row: one cell.
RunFixtureSpec oneCell()
{
    return RunFixtureSpec { {}, 1, 1, 1, {}, "rows" };
}

json fast(int attempts, int timeoutMs = 10'000)
{
    return json { { "retries", { { "maxAttempts", attempts }, { "baseBackoffMs", 10 }, { "maxBackoffMs", 50 } } },
        { "timeoutMs", timeoutMs }, { "cache", false } };
}
} // namespace

#define RUN_ONE(harness, patch, cellVar)                                                                               \
    auto outcome_ = (harness).run((harness).definition(patch));                                                        \
    QVERIFY2(outcome_.ok(), outcome_.ok() ? "" : outcome_.error().message.c_str());                                    \
    QCOMPARE(outcome_->status, RunStatus::Finished);                                                                   \
    const auto all_ = (harness).cells(outcome_->runId);                                                                \
    QCOMPARE(all_.size(), std::size_t(1));                                                                             \
    const RunCell& cellVar = all_.front()

class TestRunFaults : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stallTimesOut();
    void droppedConnectionRetriedThenFails();
    void retryAfterIsHonoured();
    void serverErrorRetriedThenFails();
    void serverErrorRecovers();
    void truncatedStreamKeepsPartialOutput();
    void invalidJsonInStream();
    void invalidJsonBody();
    void slowBodyWithinTimeout();
    void badKeyIsNotRetried();
};

void TestRunFaults::stallTimesOut()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    StreamScript s;
    s.stallAfter = 1;
    s.stallMs = 120'000; // far past the 600 ms limit (cut short when the harness stops the server)
    auto finished = std::make_shared<std::atomic<bool>>(false);
    Handler stream = openAiStream(s);
    h.server().route(
        RunHarness::route(0), counting(log, [stream, finished](const RecordedRequest& r, ResponseWriter& w) {
            stream(r, w);
            finished->store(!w.dropped());
        }));
    RUN_ONE(h, fast(1, 600), cell);
    QVERIFY2(!finished->load(), "the server got to the end of its reply: the timeout did not end the stalled call");
    QCOMPARE(cell.status, CellStatus::Failed);
    QCOMPARE(cell.provenance["errorCode"].get<std::string>(), std::string(errorCodeName(ErrorCode::Timeout)));
    QCOMPARE(cell.output, std::string("Hello")); // the partial output is kept
    QVERIFY2(contains(cell.error, "partial output"), cell.error.c_str());
    QCOMPARE(log->total.load(), 1);
}

void TestRunFaults::droppedConnectionRetriedThenFails()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    StreamScript s;
    s.dropAfter = 1;
    h.server().route(RunHarness::route(0), counting(log, openAiStream(s)));
    RUN_ONE(h, fast(2), cell);
    QCOMPARE(cell.status, CellStatus::Failed);
    QCOMPARE(cell.provenance["errorCode"].get<std::string>(), std::string(errorCodeName(ErrorCode::Network)));
    QCOMPARE(cell.provenance["attempts"].get<int>(), 2);
    QVERIFY2(contains(cell.error, ". Tried 2 times."), cell.error.c_str());
    QCOMPARE(log->total.load(), 2);
}

void TestRunFaults::retryAfterIsHonoured()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0),
        counting(log,
            failFirst(
                1, jsonStatus(429, R"({"error":{"message":"slow down"}})", { { "Retry-After", "1" } }), openAiAuto())));
    // A tiny backoff: only Retry-After can explain a wait of a second.
    RUN_ONE(h, fast(3), cell);
    QCOMPARE(cell.status, CellStatus::Ok);
    QCOMPARE(cell.output, std::string("Hello, world!"));
    QCOMPARE(cell.provenance["attempts"].get<int>(), 2);
    const auto times = log->times();
    QCOMPARE(times.size(), std::size_t(2));
    const auto gapMs = std::chrono::duration_cast<std::chrono::milliseconds>(times[1] - times[0]).count();
    qInfo("Retry-After: 1 -> the second request came %lld ms after the first", static_cast<long long>(gapMs));
    QVERIFY2(gapMs >= 950, "the retry did not wait for Retry-After"); // a lower bound only (load only adds)
}

void TestRunFaults::serverErrorRetriedThenFails()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0), counting(log, jsonStatus(500, R"({"error":{"message":"boom"}})")));
    RUN_ONE(h, fast(3), cell);
    QCOMPARE(cell.status, CellStatus::Failed);
    QVERIFY2(contains(cell.error, "server error (HTTP 500): boom"), cell.error.c_str());
    QVERIFY2(contains(cell.error, "boom. Tried 3 times."), cell.error.c_str());
    QCOMPARE(cell.provenance["httpStatus"].get<int>(), 500);
    QCOMPARE(log->total.load(), 3);
}

void TestRunFaults::serverErrorRecovers()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0),
        counting(log, failFirst(2, jsonStatus(503, R"({"error":{"message":"busy"}})"), openAiAuto())));
    RUN_ONE(h, fast(3), cell);
    QCOMPARE(cell.status, CellStatus::Ok);
    QCOMPARE(cell.provenance["attempts"].get<int>(), 3);
    QVERIFY(cell.error.empty());
    QCOMPARE(log->total.load(), 3);
}

void TestRunFaults::truncatedStreamKeepsPartialOutput()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    StreamScript s;
    s.omitEnd = true;
    h.server().route(RunHarness::route(0), counting(log, openAiStream(s)));
    RUN_ONE(h, fast(3), cell);
    QCOMPARE(cell.status, CellStatus::Failed);
    QCOMPARE(cell.output, std::string("Hello, world!"));
    QCOMPARE(cell.provenance["errorCode"].get<std::string>(), std::string(errorCodeName(ErrorCode::Provider)));
    QVERIFY(!cell.error.empty());
    QCOMPARE(log->total.load(), 1); // a cut-off 200 is not paid for again
}

void TestRunFaults::invalidJsonInStream()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    StreamScript s;
    s.garbageAfter = 2;
    h.server().route(RunHarness::route(0), counting(log, openAiStream(s)));
    RUN_ONE(h, fast(3), cell);
    QCOMPARE(cell.status, CellStatus::Failed);
    QCOMPARE(cell.output, std::string("Hello,"));
    QVERIFY2(contains(cell.error, "JSON") || contains(cell.error, "json"), cell.error.c_str());
    QCOMPARE(log->total.load(), 1);
}

void TestRunFaults::invalidJsonBody()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0), counting(log, jsonStatus(200, "{not json")));
    json patch = fast(3);
    patch["stream"] = false;
    RUN_ONE(h, patch, cell);
    QCOMPARE(cell.status, CellStatus::Failed);
    QVERIFY(cell.output.empty());
    QVERIFY(!cell.error.empty());
    QCOMPARE(log->total.load(), 1);
}

void TestRunFaults::slowBodyWithinTimeout()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    StreamScript s;
    s.delayMs = 150; // 4 tokens: ~600 ms, each gap far inside the limits (60 s)
    h.server().route(RunHarness::route(0), counting(log, openAiStream(s)));
    RUN_ONE(h, fast(1, 60'000), cell);
    QCOMPARE(cell.status, CellStatus::Ok);
    QCOMPARE(cell.output, std::string("Hello, world!"));
    QVERIFY(cell.latencyMs && *cell.latencyMs >= 500);
    QVERIFY(cell.ttftMs && *cell.ttftMs >= 100 && *cell.ttftMs < *cell.latencyMs);
    QCOMPARE(cell.tokensIn, std::optional<std::int64_t>(7));
    QCOMPARE(cell.tokensOut, std::optional<std::int64_t>(4));
}

void TestRunFaults::badKeyIsNotRetried()
{
    RunHarness h(oneCell());
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0), counting(log, jsonStatus(401, R"({"error":{"message":"bad key"}})")));
    RUN_ONE(h, fast(3), cell);
    QCOMPARE(cell.status, CellStatus::Failed);
    QCOMPARE(cell.provenance["errorCode"].get<std::string>(), std::string(errorCodeName(ErrorCode::Unauthorized)));
    QCOMPARE(log->total.load(), 1);
}

QTEST_GUILESS_MAIN(TestRunFaults)
#include "tst_runfaults.moc"
