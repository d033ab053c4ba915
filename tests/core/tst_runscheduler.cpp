// SPDX-License-Identifier: MIT
// RunScheduler against the loopback server and a real workspace file: what a cell records, the concurrency bound,
// rate limits, cancelling the run and one cell, the cache, resume, missing keys, progress, and no key anywhere.
#include "run/tokenbucket.h"
#include "runschedulertest.h"
#include "storage/modelrepository.h"

#include <QFile>
#include <QtTest>

#include <array>
#include <atomic>
#include <set>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
const std::string kKey = "sk-proj-THIS-IS-THE-SECRET-KEY-0123456789";

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

json settings(int concurrency, bool cache = false)
{
    return json { { "concurrency", concurrency }, { "cache", cache },
        { "retries", { { "maxAttempts", 1 }, { "baseBackoffMs", 10 } } } };
}

void routeAll(
    RunHarness& h, int endpoints, const std::shared_ptr<ServerLog>& log, int latencyMs = 0, StreamScript script = {})
{
    for (int i = 0; i < endpoints; ++i)
        h.server().route(RunHarness::route(i), counting(log, openAiAuto(script), latencyMs));
}
} // namespace

class TestRunScheduler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokenBucket();
    void cellRecordsEverything();
    void concurrencyBoundPerEndpoint();
    void localModelsSharingADeviceTakeTurns();
    void requestRateLimit();
    void tokenRateLimit();
    void cancelRun();
    void cancelOneCell();
    void cacheHitMakesNoRequest();
    void resumeRequestsOnlyMissing();
    void missingKeyNamesTheSecret();
    void keyNeverStored();
    void progressIsThrottled();
};

void TestRunScheduler::tokenBucket()
{
    const auto t0 = TokenBucket::Clock::now();
    TokenBucket b(600, t0); // 10 per second, burst 10
    for (int i = 0; i < 10; ++i) {
        QVERIFY(b.waitFor(1, t0) == TokenBucket::Clock::duration::zero());
        b.take(1, t0);
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(b.waitFor(1, t0)).count();
    QVERIFY2(wait >= 99 && wait <= 101, std::to_string(wait).c_str());
    QVERIFY(b.waitFor(1, t0 + std::chrono::milliseconds(100)) == TokenBucket::Clock::duration::zero());
    TokenBucket unlimited(0, t0);
    QVERIFY(unlimited.unlimited());
    TokenBucket tokens(6000, t0); // 100 tokens/s: a 500-token request waits for a full bucket, then goes into debt
    QVERIFY(tokens.waitFor(500, t0) == TokenBucket::Clock::duration::zero());
    tokens.take(500, t0);
    QVERIFY(tokens.waitFor(1, t0 + std::chrono::seconds(3)) > TokenBucket::Clock::duration::zero());
    QVERIFY(tokens.waitFor(1, t0 + std::chrono::seconds(5)) == TokenBucket::Clock::duration::zero());
}

void TestRunScheduler::cellRecordsEverything()
{
    RunHarness h({ {}, 2, 2, 3, {}, "rows" });
    QVERIFY(h.ok());
    { // a price for e0's model
        auto db = Workspace::open(h.path());
        ModelRepository models(*db);
        Model m;
        m.name = "priced";
        m.priceInPerMTok = 1000.0;
        m.priceOutPerMTok = 2000.0;
        auto made = models.createModel(m);
        QVERIFY(made.ok());
        auto e0 = models.findEndpointByName("e0");
        Endpoint e = **e0;
        e.modelId = made->id;
        QVERIFY(models.updateEndpoint(e).ok());
    }
    auto log = std::make_shared<ServerLog>();
    routeAll(h, 2, log);
    auto outcome = h.run(h.definition(settings(4)));
    QVERIFY2(outcome.ok(), outcome.ok() ? "" : outcome.error().message.c_str());
    QCOMPARE(outcome->status, RunStatus::Finished);
    QCOMPARE(outcome->progress.done, std::int64_t(12));
    QCOMPARE(outcome->progress.failed, std::int64_t(0));
    QCOMPARE(log->total.load(), 12);
    const auto cells = h.cells(outcome->runId);
    QCOMPARE(cells.size(), std::size_t(12));
    auto plan = h.plan(h.definition(settings(4)));
    const auto planned = plan->keys();
    std::set<std::string> keys(planned.begin(), planned.end());
    for (const auto& c : cells) {
        QVERIFY(keys.erase(c.cellKey) == 1);
        QCOMPARE(c.status, CellStatus::Ok);
        QCOMPARE(c.output, std::string("Hello, world!"));
        QCOMPARE(c.finishReason, std::string("stop"));
        QCOMPARE(c.tokensIn, std::optional<std::int64_t>(7));
        QCOMPARE(c.tokensOut, std::optional<std::int64_t>(4));
        QVERIFY(c.ttftMs && *c.ttftMs >= 0);
        QVERIFY(c.latencyMs && *c.latencyMs >= *c.ttftMs);
        QVERIFY(c.rowId.has_value());
        QCOMPARE(c.requestHash.size(), std::size_t(64));
        QCOMPARE(c.requestHash, RunPlan::requestHash(c.request));
        QVERIFY(c.request.contains("messages") && c.request["parameters"]["max_tokens"] == 16);
        const std::string endpoint = c.provenance["endpoint"].get<std::string>();
        QCOMPARE(c.modelName, endpoint == "e0" ? std::string("model-0") : std::string("model-1"));
        if (endpoint == "e0")
            QVERIFY(c.cost && qAbs(*c.cost - (7 * 1000.0 + 4 * 2000.0) / 1e6) < 1e-9);
        else
            QVERIFY(!c.cost);
    }
    QVERIFY(keys.empty());
    auto db = Workspace::open(h.path());
    QCOMPARE(RunRepository(*db).get(outcome->runId)->status, RunStatus::Finished);
}

void TestRunScheduler::concurrencyBoundPerEndpoint()
{
    RunHarness h({ {}, 1, 2, 20, {}, "rows" });
    QVERIFY(h.ok());
    auto log0 = std::make_shared<ServerLog>();
    auto log1 = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0), counting(log0, openAiAuto(), 40));
    h.server().route(RunHarness::route(1), counting(log1, openAiAuto(), 40));
    json d = h.definition(settings(3));
    d["concurrency"] = { { "default", 3 }, { "e1", 5 } };
    auto outcome = h.run(d);
    QVERIFY(outcome.ok());
    QCOMPARE(outcome->progress.done, std::int64_t(40));
    qInfo("max in flight: e0 %d (limit 3), e1 %d (limit 5)", log0->maxInFlight.load(), log1->maxInFlight.load());
    QCOMPARE(log0->maxInFlight.load(), 3); // reached and never exceeded
    QCOMPARE(log1->maxInFlight.load(), 5);
    // A total cap over both endpoints, shared between them.
    auto both = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0), counting(both, openAiAuto(), 40));
    h.server().route(RunHarness::route(1), counting(both, openAiAuto(), 40));
    d["maxInFlight"] = 4;
    outcome = h.run(d);
    QVERIFY(outcome.ok());
    QCOMPARE(outcome->progress.done, std::int64_t(40));
    qInfo("max in flight over both endpoints with maxInFlight 4: %d", both->maxInFlight.load());
    QCOMPARE(both->maxInFlight.load(), 4);
}

namespace {
/// Which endpoints had requests in the server at the same time.
struct Overlaps {
    std::array<std::atomic<int>, 3> active {};
    std::array<std::array<std::atomic<bool>, 3>, 3> seen {};
    std::mutex mutex;
    std::vector<int> order; ///< endpoint of each arrival (guarded by mutex)
};

Handler overlapping(const std::shared_ptr<Overlaps>& o, int endpoint, Handler inner)
{
    return [o, endpoint, inner](const RecordedRequest& r, ResponseWriter& w) {
        ++o->active[endpoint];
        {
            std::lock_guard lock(o->mutex);
            o->order.push_back(endpoint);
        }
        for (int k = 0; k < 6; ++k) { // look a few times while this request is in the server
            for (int other = 0; other < 3; ++other)
                if (other != endpoint && o->active[other].load() > 0)
                    o->seen[endpoint][other] = true;
            w.sleepMs(5);
        }
        --o->active[endpoint];
        inner(r, w);
    };
}
} // namespace

void TestRunScheduler::localModelsSharingADeviceTakeTurns()
{
    // e0 and e1: two llama-servers on the CPU; e2: one fully on a GPU. Each may take 2 calls at a time.
    RunHarness h({ {}, 1, 3, 12, {}, "rows" });
    QVERIFY(h.ok());
    {
        auto db = Workspace::open(h.path());
        QVERIFY(db.ok());
        ModelRepository repo(*db, "test");
        const std::vector<json> devices { json::array({ "CPU" }), json::array({ "CPU" }), json::array({ "CUDA0" }) };
        for (int i = 0; i < 3; ++i) {
            auto e = repo.findEndpointByName("e" + std::to_string(i));
            QVERIFY(e.ok() && e->has_value());
            Endpoint local = **e;
            local.kind = EndpointKind::Local;
            local.settings["runner"]
                = { { "modelSha256", "ab" + std::to_string(i) }, { "computeDevices", devices[i] } };
            QVERIFY(repo.updateEndpoint(local).ok());
        }
    }
    auto o = std::make_shared<Overlaps>();
    for (int i = 0; i < 3; ++i)
        h.server().route(RunHarness::route(i), overlapping(o, i, openAiAuto()));
    auto outcome = h.run(h.definition(settings(2)));
    QVERIFY2(outcome.ok(), outcome.ok() ? "" : outcome.error().message.c_str());
    QCOMPARE(outcome->progress.done, std::int64_t(36));
    QCOMPARE(outcome->progress.failed, std::int64_t(0));
    QVERIFY2(!o->seen[0][1] && !o->seen[1][0], "two models on the CPU computed at the same time");
    QVERIFY2(
        o->seen[2][0] || o->seen[2][1] || o->seen[0][2] || o->seen[1][2], "the GPU model waited for the CPU models");
    // Turns, not one model's whole queue before the other's: e1 starts before e0's last request.
    std::vector<int> order;
    {
        std::lock_guard lock(o->mutex);
        order = o->order;
    }
    std::vector<int> cpu;
    std::copy_if(order.begin(), order.end(), std::back_inserter(cpu), [](int e) { return e != 2; });
    QCOMPARE(cpu.size(), std::size_t(24));
    const auto firstOf1 = std::find(cpu.begin(), cpu.end(), 1) - cpu.begin();
    const auto lastOf0 = cpu.rend() - std::find(cpu.rbegin(), cpu.rend(), 0) - 1;
    QVERIFY2(
        firstOf1 < lastOf0, qPrintable(QStringLiteral("e1 first at %1, e0 last at %2").arg(firstOf1).arg(lastOf0)));
    // Every cell records the devices it was computed on.
    for (const RunCell& c : h.cells(outcome->runId))
        QVERIFY2(c.provenance["runner"].contains("computeDevices"), c.provenance.dump().c_str());
}

void TestRunScheduler::requestRateLimit()
{
    RunHarness h({ {}, 1, 1, 15, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    routeAll(h, 1, log);
    json d = h.definition(settings(16));
    d["rateLimits"] = { { "e0", { { "rpm", 300 } } } }; // 5/s, burst 5: 15 requests need at least 2 s
    auto outcome = h.run(d);
    QVERIFY(outcome.ok());
    QCOMPARE(outcome->progress.done, std::int64_t(15));
    const auto times = log->times();
    QCOMPARE(times.size(), std::size_t(15));
    const auto spanMs = std::chrono::duration_cast<std::chrono::milliseconds>(times.back() - times.front()).count();
    qInfo("15 requests at rpm 300 spanned %lld ms", static_cast<long long>(spanMs));
    QVERIFY2(spanMs >= 1900, "requests came faster than 300/min");
    // No second ever saw more than the burst plus one second of refill.
    for (std::size_t i = 0; i < times.size(); ++i) {
        std::size_t inWindow = 0;
        for (std::size_t k = i; k < times.size() && times[k] - times[i] < std::chrono::milliseconds(1000); ++k)
            ++inWindow;
        QVERIFY2(inWindow <= 10, "more than 10 requests within one second");
    }
}

void TestRunScheduler::tokenRateLimit()
{
    RunHarness h({ {}, 1, 1, 6, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    StreamScript usage40;
    usage40.inputTokens = 36; // + 4 output tokens: each call reports 40 tokens
    routeAll(h, 1, log, 0, usage40);
    json d = h.definition(settings(16));
    // 4800 tokens/min = 80/s (burst 80): after the first two, one 40-token call every 500 ms.
    d["rateLimits"] = { { "e0", { { "tpm", 4800 } } } };
    auto outcome = h.run(d);
    QVERIFY(outcome.ok());
    QCOMPARE(outcome->progress.done, std::int64_t(6));
    const auto times = log->times();
    const auto spanMs = std::chrono::duration_cast<std::chrono::milliseconds>(times.back() - times.front()).count();
    qInfo("6 requests at tpm 4800 spanned %lld ms", static_cast<long long>(spanMs));
    QVERIFY2(spanMs >= 1500, "requests came faster than the token limit allows");
}

void TestRunScheduler::cancelRun()
{
    RunHarness h({ {}, 1, 1, 10, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    StreamScript slow;
    slow.stallAfter = 1; // "Hello", then silence
    // Far longer than the test may take: a cancel that did not stop the calls in flight would leave them to finish
    // as done cells after the stall (or the test to time out), never as two cancelled cells. No wall-clock limit.
    slow.stallMs = 120000;
    routeAll(h, 1, log, 0, slow);
    auto outcome = h.run(h.definition(settings(2)), {}, {}, [&](RunScheduler& s) {
        QTest::qWait(600);
        s.cancel();
    });
    QVERIFY(outcome.ok());
    QCOMPARE(outcome->status, RunStatus::Cancelled);
    QCOMPARE(outcome->progress.cancelled, std::int64_t(2));
    QCOMPARE(log->total.load(), 2);
    const auto cells = h.cells(outcome->runId);
    QCOMPARE(cells.size(), std::size_t(2));
    for (const auto& c : cells) {
        QCOMPARE(c.status, CellStatus::Cancelled);
        QCOMPARE(c.output, std::string("Hello")); // partial output kept
    }
    auto db = Workspace::open(h.path());
    auto plan = h.plan(h.definition(settings(2)));
    auto missing = RunRepository(*db).missingCellKeys(outcome->runId, plan->keys());
    QCOMPARE(missing->size(), std::size_t(10)); // 8 never started + 2 cancelled: a resume requests them
    QCOMPARE(RunRepository(*db).get(outcome->runId)->status, RunStatus::Cancelled);
}

void TestRunScheduler::cancelOneCell()
{
    RunHarness h({ {}, 1, 1, 4, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    routeAll(h, 1, log, 300);
    auto plan = h.plan(h.definition(settings(1)));
    const std::string first = plan->cells()[0].key; // in flight when cancelled
    const std::string last = plan->cells()[3].key; // still queued when cancelled
    bool cancelledFirst = false;
    bool cancelledLast = false;
    auto outcome = h.run(h.definition(settings(1)), {}, {}, [&](RunScheduler& s) {
        QTest::qWait(150);
        cancelledFirst = s.cancelCell(first);
        cancelledLast = s.cancelCell(last);
    });
    QVERIFY(outcome.ok());
    QVERIFY(cancelledFirst && cancelledLast);
    QCOMPARE(outcome->status, RunStatus::Finished);
    QCOMPARE(outcome->progress.done, std::int64_t(2));
    QCOMPARE(outcome->progress.cancelled, std::int64_t(2));
    QCOMPARE(log->total.load(), 3); // the queued cell was never requested
    for (const auto& c : h.cells(outcome->runId)) {
        const bool cancelled = c.cellKey == first || c.cellKey == last;
        QCOMPARE(c.status, cancelled ? CellStatus::Cancelled : CellStatus::Ok);
        if (cancelled)
            QCOMPARE(c.error, std::string("Cancelled by the user"));
    }
}

void TestRunScheduler::cacheHitMakesNoRequest()
{
    RunHarness h({ {}, 1, 2, 5, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    routeAll(h, 2, log);
    auto first = h.run(h.definition(settings(4, true)));
    QVERIFY(first.ok());
    QCOMPARE(log->total.load(), 10);
    QCOMPARE(first->progress.cached, std::int64_t(0));
    auto second = h.run(h.definition(settings(4, true)));
    QVERIFY(second.ok());
    QCOMPARE(log->total.load(), 10); // not one request
    QCOMPARE(second->progress.cached, std::int64_t(10));
    QCOMPARE(second->progress.done, std::int64_t(10));
    for (const auto& c : h.cells(second->runId)) {
        QCOMPARE(c.status, CellStatus::Ok);
        QCOMPARE(c.output, std::string("Hello, world!"));
        QVERIFY(c.provenance["cached"].get<bool>());
        QCOMPARE(c.provenance["cachedFrom"]["runId"].get<std::string>(), first->runId);
        QCOMPARE(c.cost, std::optional<double>(0.0));
    }
    auto third = h.run(h.definition(settings(4, false))); // cache off: every cell requested again
    QVERIFY(third.ok());
    QCOMPARE(log->total.load(), 20);
}

void TestRunScheduler::resumeRequestsOnlyMissing()
{
    RunHarness h({ {}, 1, 1, 6, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    // Rows 1 and 4 fail the first time round.
    auto failing = std::make_shared<std::atomic<bool>>(true);
    Handler ok = openAiAuto();
    h.server().route(RunHarness::route(0), counting(log, [failing, ok](const RecordedRequest& r, ResponseWriter& w) {
        const std::string text = lastUserMessage(r.body);
        if (failing->load() && (contains(text, "number 1 ") || contains(text, "number 4 ")))
            jsonStatus(500, R"({"error":{"message":"down"}})")(r, w);
        else
            ok(r, w);
    }));
    auto first = h.run(h.definition(settings(2)));
    QVERIFY(first.ok());
    QCOMPARE(first->progress.failed, std::int64_t(2));
    QCOMPARE(log->total.load(), 6);
    failing->store(false);
    auto resumed = h.run(h.definition(settings(2)), {}, first->runId);
    QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
    QCOMPARE(resumed->runId, first->runId);
    QCOMPARE(resumed->progress.alreadyDone, std::int64_t(4));
    QCOMPARE(resumed->progress.done, std::int64_t(2));
    QCOMPARE(log->total.load(), 8); // only the two failed cells again
    const auto cells = h.cells(first->runId);
    QCOMPARE(cells.size(), std::size_t(6));
    for (const auto& c : cells)
        QCOMPARE(c.status, CellStatus::Ok);
    auto again = h.run(h.definition(settings(2)), {}, first->runId); // nothing left to do
    QVERIFY(again.ok());
    QCOMPARE(log->total.load(), 8);
    QCOMPARE(again->progress.alreadyDone, std::int64_t(6));
}

void TestRunScheduler::missingKeyNamesTheSecret()
{
    RunHarness h({ {}, 1, 1, 3, "openai-prod", "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    routeAll(h, 1, log);
    auto outcome = h.run(h.definition(settings(2)));
    QVERIFY(outcome.ok());
    QCOMPARE(outcome->progress.failed, std::int64_t(3));
    QCOMPARE(log->total.load(), 0);
    for (const auto& c : h.cells(outcome->runId)) {
        QCOMPARE(c.status, CellStatus::Failed);
        QVERIFY2(contains(c.error, "endpoint 'e0' needs the secret 'openai-prod'"), c.error.c_str());
        QVERIFY2(contains(c.error, "assay-cli keys set openai-prod"), c.error.c_str());
    }
}

void TestRunScheduler::keyNeverStored()
{
    RunHarness h({ {}, 1, 2, 3, "openai-prod", "rows" });
    QVERIFY(h.ok());
    QVERIFY(h.secrets().set("openai-prod", kKey).ok());
    auto log = std::make_shared<ServerLog>();
    // e0 checks the key and answers; e1 rejects it, quoting the key back as some APIs do.
    Handler ok = openAiAuto();
    auto sawKey = std::make_shared<std::atomic<int>>(0);
    h.server().route(RunHarness::route(0), counting(log, [ok, sawKey](const RecordedRequest& r, ResponseWriter& w) {
        if (r.header("Authorization") == "Bearer " + kKey)
            ++*sawKey;
        ok(r, w);
    }));
    h.server().route(RunHarness::route(1),
        counting(log, jsonStatus(401, R"({"error":{"message":"Incorrect API key provided: )" + kKey + R"("}})")));
    auto outcome = h.run(h.definition(settings(2)));
    QVERIFY(outcome.ok());
    QCOMPARE(sawKey->load(), 3); // the key did reach the server
    QCOMPARE(outcome->progress.done, std::int64_t(3));
    QCOMPARE(outcome->progress.failed, std::int64_t(3));
    for (const auto& c : h.cells(outcome->runId)) {
        QVERIFY(!contains(c.error, kKey));
        QVERIFY(!contains(c.request.dump(), kKey));
        QVERIFY(!contains(c.provenance.dump(), kKey));
    }
    // Every byte of the workspace (and its WAL) is free of the key.
    for (const char* suffix : { "", "-wal", "-shm" }) {
        QFile f(QString::fromStdString(h.path() + suffix));
        if (!f.exists())
            continue;
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY2(!f.readAll().contains(QByteArray::fromStdString(kKey)), suffix);
    }
}

void TestRunScheduler::progressIsThrottled()
{
    RunHarness h({ {}, 1, 1, 30, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    routeAll(h, 1, log, 30);
    std::vector<RunProgress> reports;
    SchedulerOptions o;
    o.progressIntervalMs = 100;
    o.onProgress = [&](const RunProgress& p) { reports.push_back(p); };
    std::string started;
    o.onStarted = [&](const std::string& id) { started = id; };
    auto outcome = h.run(h.definition(settings(2)), o);
    QVERIFY(outcome.ok());
    QCOMPARE(started, outcome->runId);
    QVERIFY(!reports.empty());
    QVERIFY(reports.back().finished);
    QCOMPARE(reports.back().completed(), std::int64_t(30));
    QCOMPARE(reports.back().tokensOut, std::int64_t(120));
    // ~15 calls of ~30 ms back to back: ~500 ms, so at most ~6 throttled reports plus the first and the last.
    qInfo("%zu progress reports for 30 cells", reports.size());
    QVERIFY(reports.size() <= 10);
    bool sawEta = false;
    for (const auto& r : reports)
        sawEta = sawEta || (r.etaMs.has_value() && !r.finished);
    QVERIFY(sawEta);
}

QTEST_GUILESS_MAIN(TestRunScheduler)
#include "tst_runscheduler.moc"
