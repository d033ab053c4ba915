// SPDX-License-Identifier: MIT
// Cancelling a run from another thread at any moment, the end of the run included: the canceller holds only a
// std::stop_source (SchedulerOptions::cancel), never the scheduler, which lives on the runner thread's stack and
// is destroyed when run() returns. Many short runs against the loopback server with a real workspace file, each
// cancelled at a seeded random moment around its last cells, before run(), or after the scheduler is gone; the
// workspace must agree with every outcome. Meant to run under ASAN+UBSan (ASSAY_SANITIZE=ON) as well.
#include "runschedulertest.h"

#include <QtTest>

#include <atomic>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <thread>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

class TestRunCancel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cancelAroundTheEndOfManyRuns();
    void cancelBeforeRunStartsCancelled();
};

namespace {
json settings()
{
    return json { { "concurrency", 3 }, { "cache", false },
        { "retries", { { "maxAttempts", 1 }, { "baseBackoffMs", 10 } } } };
}

/// Busy-waits @p spins yields: a moment of a random length without a clock.
void spin(int spins)
{
    for (int i = 0; i < spins; ++i)
        std::this_thread::yield();
}
} // namespace

void TestRunCancel::cancelAroundTheEndOfManyRuns()
{
    RunHarness h({ {}, 1, 2, 3, {}, "rows" }); // 1 prompt × 2 endpoints × 3 rows = 6 cells per run
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    for (int e = 0; e < 2; ++e)
        h.server().route(RunHarness::route(e), counting(log, openAiAuto()));
    const json definition = h.definition(settings());
    auto probe = h.plan(definition);
    QVERIFY(probe.ok());
    const auto keys = probe->keys();
    const int total = static_cast<int>(keys.size());

    std::mt19937 rng(20261204); // seeded: the same moments each time (the threads' timing still varies)
    std::uniform_int_distribution<int> at(total - 3, total + 1); // cells committed before the cancel; > total: after
    std::uniform_int_distribution<int> pause(0, 3000);
    constexpr int kRuns = 150;
    int finished = 0;
    int cancelled = 0;
    int afterTheEnd = 0;
    for (int i = 0; i < kRuns; ++i) {
        auto plan = h.plan(definition);
        QVERIFY(plan.ok());
        std::stop_source stop;
        std::atomic<int> committed { 0 };
        std::atomic<bool> gone { false }; // the scheduler has been destroyed
        SchedulerOptions options;
        options.workspacePath = h.path();
        options.secrets = &h.secrets();
        options.cancel = stop.get_token();
        options.onCell = [&](const RunCell&) { ++committed; };
        std::optional<Result<RunOutcome>> outcome;
        std::thread runner([&] {
            {
                RunScheduler scheduler(std::move(*plan), h.http(), options);
                outcome.emplace(scheduler.run());
            }
            gone = true;
        });
        const int trigger = at(rng);
        const int spins = pause(rng);
        if (trigger > total) {
            while (!gone) // the run is over and its scheduler destroyed: the stop reaches nothing
                std::this_thread::yield();
            ++afterTheEnd;
        } else {
            while (committed.load() < trigger && !gone)
                std::this_thread::yield();
        }
        spin(spins);
        stop.request_stop();
        runner.join();

        QVERIFY(outcome.has_value());
        QVERIFY2(outcome->ok(), outcome->ok() ? "" : outcome->error().message.c_str());
        const RunOutcome& o = **outcome;
        QVERIFY(o.status == RunStatus::Finished || o.status == RunStatus::Cancelled);
        (o.status == RunStatus::Finished ? finished : cancelled) += 1;
        // The workspace agrees with the outcome: the run's status, one cell per outcome counted, the rest missing.
        auto db = Workspace::open(h.path());
        QVERIFY(db.ok());
        RunRepository runs(*db);
        QCOMPARE(runs.get(o.runId)->status, o.status);
        const auto cells = h.cells(o.runId);
        const auto counted = o.progress.done + o.progress.failed + o.progress.cancelled;
        QCOMPARE(static_cast<std::int64_t>(cells.size()), counted);
        QCOMPARE(o.progress.failed, std::int64_t(0));
        std::set<std::string> seen;
        for (const RunCell& c : cells) {
            QVERIFY2(seen.insert(c.cellKey).second, "a cell was committed twice");
            QVERIFY(c.status == CellStatus::Ok || c.status == CellStatus::Cancelled);
        }
        auto missing = runs.missingCellKeys(o.runId, keys);
        QVERIFY(missing.ok());
        const auto ok = static_cast<std::size_t>(o.progress.done);
        QCOMPARE(missing->size(), keys.size() - ok);
        if (o.status == RunStatus::Finished)
            QCOMPARE(o.progress.done, std::int64_t(total));
    }
    qInfo("%d runs: %d finished, %d cancelled, %d cancelled after the scheduler was gone; %d requests", kRuns, finished,
        cancelled, afterTheEnd, log->total.load());
}

void TestRunCancel::cancelBeforeRunStartsCancelled()
{
    RunHarness h({ {}, 1, 1, 4, {}, "rows" });
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0), counting(log, openAiAuto()));
    std::stop_source stop;
    stop.request_stop(); // before the scheduler exists
    SchedulerOptions options;
    options.cancel = stop.get_token();
    auto outcome = h.run(h.definition(settings()), options);
    QVERIFY2(outcome.ok(), outcome.ok() ? "" : outcome.error().message.c_str());
    QCOMPARE(outcome->status, RunStatus::Cancelled);
    QCOMPARE(log->total.load(), 0); // not one request left
    QCOMPARE(outcome->progress.done, std::int64_t(0));
}

QTEST_GUILESS_MAIN(TestRunCancel)
#include "tst_runcancel.moc"
