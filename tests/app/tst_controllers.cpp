// SPDX-License-Identifier: MIT
// The GUI-side controllers never make the GUI thread wait on slow work, and cancel safely (no GUI; the event
// loop of a QCoreApplication stands for the GUI thread's):
//  - RunnerController asks `llama-server --version` on a pool thread: its constructor returns while a (fake, slow)
//    llama-server has not answered, the event loop turns meanwhile, and the version arrives by a signal;
//  - RunController::testConnection against a loopback server that holds the request: a second test returns at
//    once (the first one's thread is not joined), cancels the first, and only the latest answer is reported;
//  - RunController::cancel at random moments around the end of many short runs (the scheduler lives on the run
//    thread's stack: the cancel goes through a stop token), with the workspace agreeing with each outcome.
#include "runcontroller.h"
#include "runnercontroller.h"

#include "../core/runschedulertest.h"

#include "storage/runrepository.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <condition_variable>
#include <mutex>
#include <random>

using namespace assay;

class TestControllers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runnerVersionIsAskedOffTheGuiThread();
    void testConnectionNeverWaitsForThePreviousTest();
    void cancelAroundTheEndOfRuns();
};

namespace {
/// A reply the test holds back until it lets go (or the test ends): a server that stalls.
struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false; // guarded by mutex
    std::atomic<int> waiting { 0 }; ///< handlers holding a request now
    std::atomic<int> arrived { 0 };

    void release()
    {
        std::lock_guard lock(mutex);
        open = true;
        cv.notify_all();
    }
};

/// Lets the gate go when the test leaves (declared after the server, so before the server joins its threads).
struct GateRelease {
    Gate& gate;
    ~GateRelease() { gate.release(); }
};

/// Whether one event-loop round trip completes now: a queued call posted here is delivered.
bool roundTrip(QObject* context)
{
    bool delivered = false;
    QMetaObject::invokeMethod(
        context, [&] { delivered = true; }, Qt::QueuedConnection);
    QDeadlineTimer patience(30000); // how long to keep turning the loop, not a pass/fail threshold
    while (!delivered && !patience.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    return delivered;
}
} // namespace

void TestControllers::runnerVersionIsAskedOffTheGuiThread()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A fake llama-server (a true system edge): answers --version only once the test creates `answer`.
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("bin")));
    const QString server = dir.filePath(QStringLiteral("bin/llama-server"));
    const QString answer = dir.filePath(QStringLiteral("answer"));
    {
        QFile f(server);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray script("#!/bin/sh\ni=0\nwhile [ ! -e '");
        script.append(answer.toUtf8());
        script.append("' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\necho 'version: 4242 (fake0001)'\n");
        QVERIFY(f.write(script) == script.size());
    }
    QVERIFY(QFile::setPermissions(server, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    qputenv("ASSAY_LLAMA_DIR", dir.path().toUtf8());

    app::RunnerController runner(dir.filePath(QStringLiteral("hashes.json")));
    // The constructor has returned although the server has not answered (it cannot before `answer` exists).
    QVERIFY(runner.runnerAvailable());
    QVERIFY(!runner.runnerVersionKnown());
    QSignalSpy version(&runner, &app::RunnerController::runnerVersionChanged);
    QVERIFY(roundTrip(&runner)); // the event loop turns while the probe waits
    QVERIFY(!runner.runnerVersionKnown());
    QCOMPARE(version.count(), 0);

    QFile a(answer);
    QVERIFY(a.open(QIODevice::WriteOnly));
    a.close();
    QTRY_COMPARE_WITH_TIMEOUT(version.count(), 1, 30000);
    QCOMPARE(version.at(0).at(0).toString(), QStringLiteral("version: 4242 (fake0001)"));
    QVERIFY(runner.runnerVersionKnown());
    QCOMPARE(runner.runnerVersion(), QStringLiteral("version: 4242 (fake0001)"));
    qunsetenv("ASSAY_LLAMA_DIR");
}

void TestControllers::testConnectionNeverWaitsForThePreviousTest()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Gate gate;
    test::LoopbackServer server;
    GateRelease release { gate };
    auto ok = test::openAiJson("OK");
    server.route("/slow/v1/chat/completions", [&](const test::RecordedRequest& r, test::ResponseWriter& w) {
        ++gate.arrived;
        ++gate.waiting;
        {
            std::unique_lock lock(gate.mutex);
            gate.cv.wait_for(lock, std::chrono::seconds(120), [&] { return gate.open; });
        }
        --gate.waiting;
        ok(r, w);
    });
    server.route("/fast/v1/chat/completions", ok);
    QVERIFY2(server.start(), server.lastError().c_str());

    core::FileSecretStore secrets(dir.filePath(QStringLiteral("secrets.json")).toStdString(), false);
    app::RunController runs(secrets);
    QSignalSpy tested(&runs, &app::RunController::connectionTested);
    core::Endpoint slow;
    slow.name = "slow";
    slow.kind = core::EndpointKind::OpenAi;
    slow.baseUrl = server.baseUrl() + "/slow/v1";
    slow.remoteModel = "m";
    core::Endpoint fast = slow;
    fast.name = "fast";
    fast.baseUrl = server.baseUrl() + "/fast/v1";

    runs.testConnection(slow);
    QTRY_COMPARE_WITH_TIMEOUT(gate.arrived.load(), 1, 30000); // the server holds the first test's request
    QVERIFY(roundTrip(&runs)); // and the event loop turns meanwhile
    runs.testConnection(fast); // returns without waiting for the first test...
    QCOMPARE(gate.waiting.load(), 1); // ...whose request the server still holds (a join would have waited for it)
    QTRY_COMPARE_WITH_TIMEOUT(tested.count(), 1, 30000);
    QCOMPARE(tested.at(0).at(0).toString(), QStringLiteral("fast"));
    QVERIFY2(tested.at(0).at(1).toBool(), qPrintable(tested.at(0).at(2).toString()));
    // The first test was cancelled: its answer (whenever it comes) is never reported.
    gate.release();
    QTRY_COMPARE_WITH_TIMEOUT(gate.waiting.load(), 0, 30000);
    QVERIFY(roundTrip(&runs));
    QCOMPARE(tested.count(), 1);

    // A third test after both: reported as usual.
    runs.testConnection(fast);
    QTRY_COMPARE_WITH_TIMEOUT(tested.count(), 2, 30000);
    QCOMPARE(tested.at(1).at(0).toString(), QStringLiteral("fast"));
}

void TestControllers::cancelAroundTheEndOfRuns()
{
    test::RunHarness h({ {}, 1, 2, 2, {}, "rows" }); // 4 cells a run
    QVERIFY(h.ok());
    auto log = std::make_shared<test::ServerLog>();
    for (int e = 0; e < 2; ++e)
        h.server().route(test::RunHarness::route(e), test::counting(log, test::openAiAuto()));
    auto definition = core::RunDefinition::parse(h.definition({ { "concurrency", 2 }, { "cache", false } }));
    QVERIFY(definition.ok());

    app::RunController runs(h.secrets());
    runs.setWorkspacePath(QString::fromStdString(h.path()));
    QSignalSpy finished(&runs, &app::RunController::runFinished);
    std::size_t cellsSeen = 0; // committed cells the GUI thread has been told about
    connect(&runs, &app::RunController::liveUpdate, &runs,
        [&](const QString&, const std::vector<widgets::CompareDelta>&, const std::vector<core::RunCell>& cells) {
            cellsSeen += cells.size();
        });
    constexpr std::size_t kCells = 4;
    std::mt19937 rng(4242);
    std::uniform_int_distribution<std::size_t> at(1, kCells + 1); // kCells + 1: once the run has ended
    std::uniform_int_distribution<int> turns(0, 20);
    constexpr int kRuns = 40;
    int cancelled = 0;
    for (int i = 0; i < kRuns; ++i) {
        cellsSeen = 0;
        runs.start(*definition);
        QVERIFY(runs.isRunning());
        // Cancel once the GUI has seen some of the last cells (the run thread is further on by then: it may be
        // committing the last cell, destroying its scheduler, or gone), or after the run has finished.
        const std::size_t trigger = at(rng);
        QTRY_VERIFY_WITH_TIMEOUT((trigger <= kCells && cellsSeen >= trigger) || finished.count() > i, 60000);
        for (int n = turns(rng); n > 0; --n)
            QCoreApplication::processEvents();
        runs.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), i + 1, 60000);
        runs.cancel(); // after the end: nothing to reach, nothing happens
        const QString runId = finished.at(i).at(0).toString();
        QVERIFY2(!runId.isEmpty(), qPrintable(finished.at(i).at(1).toString()));
        auto db = core::Workspace::open(h.path());
        QVERIFY(db.ok());
        auto run = core::RunRepository(*db).get(runId.toStdString());
        QVERIFY(run.ok());
        QVERIFY(run->status == core::RunStatus::Finished || run->status == core::RunStatus::Cancelled);
        cancelled += run->status == core::RunStatus::Cancelled ? 1 : 0;
        QVERIFY(!runs.isRunning());
    }
    qInfo("%d runs, %d of them cancelled; %d requests", kRuns, cancelled, log->total.load());
}

QTEST_GUILESS_MAIN(TestControllers)
#include "tst_controllers.moc"
