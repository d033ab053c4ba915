// SPDX-License-Identifier: MIT
// `assay-cli run`, `endpoints` and `keys` as a user drives them: a run killed with SIGKILL midway and resumed
// (every cell done exactly once, nothing lost), and an API key that never shows up in the workspace bytes, the
// results files, stdout, stderr or any error message. Every invocation runs with the planted key of plantedkey.h
// (clitest.h) and fails when it leaks; the key these tests store and send is that planted key.
#include "clitest.h"
#include "loopbackserver.h"
#include "replies.h"
#include "runfixture.h"

#include "run/runplan.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <mutex>
#include <set>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
/// The planted key (clitest.h): the one key every assay-cli here runs with, and the one these tests store and send.
std::string plantedKey()
{
    return assay::clitest::plantedKey().toStdString();
}

struct CliResult {
    int code = -1;
    QByteArray out;
    QByteArray err;
};

/// Counts requests per (path, messages): with unique rows that is per cell key.
struct Counter {
    std::mutex mutex;
    std::map<std::string, int> counts; // guarded by mutex
    void add(const RecordedRequest& r)
    {
        auto j = json::parse(r.body, nullptr, false);
        std::lock_guard lock(mutex);
        ++counts[r.path + "|" + (j.is_discarded() ? std::string() : j["messages"].dump())];
    }
    int count(const std::string& key)
    {
        std::lock_guard lock(mutex);
        return counts.count(key) ? counts[key] : 0;
    }
    std::map<std::string, int> snapshot()
    {
        std::lock_guard lock(mutex);
        return counts;
    }
    int total()
    {
        std::lock_guard lock(mutex);
        int n = 0;
        for (const auto& [key, c] : counts)
            n += c;
        return n;
    }
};

std::string serverKey(const PlannedCell& c)
{
    json messages = json::array();
    for (const auto& m : c.request.messages)
        messages.push_back({ { "role", m.role }, { "content", m.content } });
    return "/e" + std::to_string(c.endpointIndex) + "/v1/chat/completions|" + messages.dump();
}
} // namespace

class TestRunCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void killNineThenResume();
    void keyNeverLeaks();
    void keysSetRefusesArgv();
    void plantedKeyIsSentNeverShown();
    void endpointsAddListTest();
    void runsListSummaryExport();

private:
    QProcess* start(const QStringList& args, const QByteArray& stdinData = {});
    CliResult run(const QStringList& args, const QByteArray& stdinData = {}, const char* file = __builtin_FILE(),
        int line = __builtin_LINE());
    QString writeDefinition(const json& j, const QString& name = QStringLiteral("run.json"));

    QTemporaryDir m_dir;
    LoopbackServer m_server;
    std::unique_ptr<QProcess> m_process;
};

void TestRunCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_server.start(), m_server.lastError().c_str());
}

QProcess* TestRunCli::start(const QStringList& args, const QByteArray& stdinData)
{
    m_process = std::make_unique<QProcess>();
    assay::clitest::prepareCli(*m_process, args); // the planted key, a private HOME and XDG_CONFIG_HOME
    m_process->start();
    m_process->waitForStarted(10000);
    if (!stdinData.isNull())
        m_process->write(stdinData);
    m_process->closeWriteChannel();
    return m_process.get();
}

CliResult TestRunCli::run(const QStringList& args, const QByteArray& stdinData, const char* file, int line)
{
    QProcess* p = start(args, stdinData);
    CliResult r;
    if (!p->waitForFinished(120000))
        return r;
    r.code = p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -2;
    r.out = p->readAllStandardOutput();
    r.err = p->readAllStandardError();
    assay::clitest::checkNoPlantedKey(args, r.out, r.err, {}, file, line);
    return r;
}

QString TestRunCli::writeDefinition(const json& j, const QString& name)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(QByteArray::fromStdString(j.dump(2)));
    return path;
}

void TestRunCli::killNineThenResume()
{
    const std::string ws = m_dir.filePath(QStringLiteral("kill.assay")).toStdString();
    {
        auto db = Workspace::create(ws);
        QVERIFY(db.ok());
        QVERIFY(seedRunFixture(*db, { m_server.baseUrl(), 2, 2, 50, {}, "rows" }).ok());
    }
    auto counter = std::make_shared<Counter>();
    Handler reply = openAiJson("positive");
    for (int i = 0; i < 2; ++i)
        m_server.route("/e" + std::to_string(i) + "/v1/chat/completions",
            [counter, reply](const RecordedRequest& r, ResponseWriter& w) {
                counter->add(r);
                w.sleepMs(40);
                reply(r, w);
            });
    const json def { { "name", "killed" }, { "prompts", { "p0@prod", "p1@prod" } }, { "endpoints", { "e0", "e1" } },
        { "dataset", "rows" }, { "concurrency", 2 }, { "cache", false }, { "stream", false } };
    const QString file = writeDefinition(def, QStringLiteral("kill.json"));
    const QStringList args { QStringLiteral("run"), file, QStringLiteral("--workspace"), QString::fromStdString(ws) };

    // Start, wait until some cells are committed, then SIGKILL: no chance to clean up.
    QProcess* p = start(args);
    QElapsedTimer t;
    t.start();
    std::int64_t committed = 0;
    std::string runId;
    while (t.elapsed() < 30000) {
        QTest::qWait(20);
        auto db = Workspace::open(ws);
        if (!db)
            continue;
        auto runs = RunRepository(*db).list();
        if (!runs || runs->empty())
            continue;
        runId = runs->front().id;
        committed = *RunRepository(*db).cellCount(runId);
        if (committed >= 60)
            break;
    }
    QVERIFY2(committed >= 60, "the run did not get going");
    p->kill(); // SIGKILL
    QVERIFY(p->waitForFinished(10000));
    QCOMPARE(p->exitStatus(), QProcess::CrashExit);
    assay::clitest::checkNoPlantedKey(args, p->readAllStandardOutput(), p->readAllStandardError());

    // What the server had received from the killed process: requests it sent just before dying may still be on
    // their way through the socket, so wait until the count has stopped changing.
    for (int stable = 0, last = -1, i = 0; stable < 10 && i < 250; ++i) {
        const int now = counter->total();
        stable = now == last ? stable + 1 : 0;
        last = now;
        QTest::qWait(20);
    }
    const std::map<std::string, int> requestedBeforeKill = counter->snapshot();

    std::set<std::string> beforeKill;
    {
        auto db = Workspace::open(ws);
        QVERIFY(db.ok());
        auto cells = RunRepository(*db).cells(runId);
        for (const auto& c : *cells)
            beforeKill.insert(c.cellKey);
        QCOMPARE(RunRepository(*db).get(runId)->status, RunStatus::Running); // nobody had a chance to say otherwise
    }
    qInfo("killed after %zu of 200 cells were committed", beforeKill.size());
    QVERIFY2(beforeKill.size() < 200, "the run finished before it was killed");

    const CliResult resumed = run(args + QStringList { QStringLiteral("--resume"), QString::fromStdString(runId) });
    QVERIFY2(resumed.code == 0, resumed.err.constData());
    QVERIFY(resumed.err.contains("resuming run"));

    auto db = Workspace::open(ws);
    QVERIFY(db.ok());
    auto run = RunRepository(*db).get(runId);
    QCOMPARE(run->status, RunStatus::Finished);
    auto plan = RunPlan::fromPinned(*RunDefinition::parse(def), run->plan, *db);
    QVERIFY(plan.ok());
    const auto cells = RunRepository(*db).cells(runId);
    QCOMPARE(cells->size(), std::size_t(200)); // none lost
    std::set<std::string> keys;
    for (const auto& c : *cells) {
        QCOMPARE(c.status, CellStatus::Ok);
        QCOMPARE(c.output, std::string("positive"));
        QVERIFY2(keys.insert(c.cellKey).second, "a cell was recorded twice");
    }
    int requestedTwice = 0;
    for (const auto& c : plan->cells()) {
        QVERIFY(keys.count(c.key));
        const int n = counter->count(serverKey(c));
        QVERIFY2(n >= 1, "a cell was never requested");
        const bool askedBeforeKill = requestedBeforeKill.count(serverKey(c)) > 0;
        if (beforeKill.count(c.key))
            QVERIFY2(n == 1, "a cell committed before the kill was requested again on resume");
        else
            QVERIFY2(n <= 2, "a cell was requested more than twice");
        // Asked again exactly when its first answer never got in: asked before the kill, not committed by then.
        if (n == 2)
            QVERIFY2(askedBeforeKill, "a cell the killed run never asked for was requested twice");
        if (askedBeforeKill && !beforeKill.count(c.key))
            QVERIFY2(n == 2, "a cell asked for but not committed before the kill was not asked again");
        requestedTwice += n == 2 ? 1 : 0;
    }
    // The calls in flight at the kill (at most 2 per endpoint) and answers still waiting in the storage thread's
    // queue: on a loaded machine (a sanitizer build) the queue can hold a few, so no fixed bound, but every one of
    // them was asked for before the kill and not committed (checked above).
    qInfo("requested twice (asked for, not committed, at the kill): %d", requestedTwice);
    QVERIFY(Workspace::check(ws)->healthy());
}

void TestRunCli::keyNeverLeaks()
{
    const std::string kKey = plantedKey();
    const QString ws = m_dir.filePath(QStringLiteral("secret.assay"));
    {
        auto db = Workspace::create(ws.toStdString());
        QVERIFY(db.ok());
        QVERIFY(seedRunFixture(*db, { m_server.baseUrl(), 1, 2, 4, "openai-prod", "rows" }).ok());
    }
    const CliResult set = run({ QStringLiteral("keys"), QStringLiteral("set"), QStringLiteral("openai-prod") },
        QByteArray::fromStdString(kKey + "\n"));
    QVERIFY2(set.code == 0, set.err.constData());
    const QString secretsFile = assay::clitest::PlantedKey::instance().secretsFile();
    QCOMPARE(
        QFile::permissions(secretsFile), QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser);

    auto authorized = std::make_shared<std::atomic<int>>(0);
    Handler ok = openAiJson("fine");
    m_server.route("/e0/v1/chat/completions", [authorized, ok, kKey](const RecordedRequest& r, ResponseWriter& w) {
        if (r.header("Authorization") == "Bearer " + kKey)
            ++*authorized;
        ok(r, w);
    });
    // e1 rejects the key and quotes it back, as some APIs do.
    m_server.route("/e1/v1/chat/completions",
        jsonStatus(401, R"({"error":{"message":"Incorrect API key provided: )" + kKey + R"(."}})"));
    const json def { { "name", "secret" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0", "e1" } },
        { "dataset", "rows" }, { "cache", false }, { "stream", false } };
    const QString file = writeDefinition(def, QStringLiteral("secret.json"));
    QList<QByteArray> everything;
    for (const QString& output : { QStringLiteral("results.jsonl"), QStringLiteral("results.csv") }) {
        const CliResult r = run({ QStringLiteral("run"), file, QStringLiteral("--workspace"), ws,
            QStringLiteral("--output"), m_dir.filePath(output) });
        QVERIFY2(r.code == 6, r.err.constData()); // cells failed
        QVERIFY(r.err.contains("Incorrect API key provided")); // the user still sees why
        everything << r.out << r.err;
        QFile f(m_dir.filePath(output));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.contains("Incorrect API key provided"));
        everything << bytes;
    }
    QCOMPARE(authorized->load(), 8); // the key was sent, 4 rows x 2 runs
    const CliResult list = run({ QStringLiteral("keys"), QStringLiteral("list") });
    QVERIFY(list.out.contains("openai-prod"));
    everything << list.out << list.err;
    const CliResult listed = run({ QStringLiteral("endpoints"), QStringLiteral("list"), QStringLiteral("--workspace"),
        ws, QStringLiteral("--json") });
    everything << listed.out << listed.err;
    for (const char* suffix : { "", "-wal", "-shm" }) {
        QFile f(ws + QString::fromLatin1(suffix));
        if (f.open(QIODevice::ReadOnly))
            everything << f.readAll();
    }
    auto db = Workspace::open(ws.toStdString());
    QVERIFY(db.ok());
    const auto runs = RunRepository(*db).list();
    QVERIFY(runs.ok());
    for (const auto& r : runs.value()) {
        const auto cells = RunRepository(*db).cells(r.id);
        QVERIFY(cells.ok());
        for (const auto& c : cells.value())
            everything << QByteArray::fromStdString(c.error + c.output + c.provenance.dump());
    }
    const QByteArray needle = QByteArray::fromStdString(kKey);
    for (const QByteArray& bytes : everything)
        QVERIFY2(!bytes.contains(needle), "the API key leaked");
    QVERIFY(everything.size() > 8);
}

void TestRunCli::keysSetRefusesArgv()
{
    // The key typed as an argument by mistake: refused, with how to pass it on stdin, and never repeated.
    const QByteArray key = QByteArray::fromStdString(plantedKey());
    const QString keyArg = QString::fromStdString(plantedKey());
    for (const QStringList& args :
        { QStringList { QStringLiteral("keys"), QStringLiteral("set"), QStringLiteral("name"), keyArg },
            QStringList { QStringLiteral("keys"), QStringLiteral("set"), keyArg, QStringLiteral("name") },
            QStringList {
                QStringLiteral("keys"), QStringLiteral("set"), QStringLiteral("name"), QStringLiteral("--"), keyArg },
            QStringList { QStringLiteral("keys"), QStringLiteral("set"), keyArg },
            QStringList { QStringLiteral("keys"), QStringLiteral("remove"), keyArg },
            QStringList { QStringLiteral("keys"), QStringLiteral("set"), QStringLiteral("name"),
                QStringLiteral("--value=") + keyArg } }) {
        const CliResult r = run(args, QByteArray());
        const QByteArray what = assay::clitest::PlantedKey::instance().masked(args.join(QLatin1Char(' '))).toUtf8();
        QVERIFY2(r.code == 2, what.constData());
        QVERIFY2(!r.err.contains(key) && !r.out.contains(key), what.constData());
        QVERIFY2(r.out.isEmpty(), what.constData());
        if (!args.last().startsWith(QStringLiteral("--value")))
            QVERIFY2(r.err.contains("stdin") && r.err.contains("printenv OPENAI_API_KEY | assay-cli keys set"),
                what.constData());
    }
    const CliResult named
        = run({ QStringLiteral("keys"), QStringLiteral("set"), QStringLiteral("name"), QStringLiteral("myvalue") });
    QVERIFY2(named.err.contains("takes only NAME (here 'name')"), named.err.constData());
    QVERIFY2(!named.err.contains("myvalue"), named.err.constData()); // not even a harmless-looking extra word
    // Nothing was stored under any of those names.
    const CliResult list = run({ QStringLiteral("keys"), QStringLiteral("list") });
    QCOMPARE(list.code, 0);
    QVERIFY(!list.out.contains("name\n") && !list.out.contains(key));

    const CliResult empty = run({ QStringLiteral("keys"), QStringLiteral("set"), QStringLiteral("empty") }, "\n");
    QCOMPARE(empty.code, 2);
    QVERIFY(empty.err.contains("no value on stdin"));
}

void TestRunCli::plantedKeyIsSentNeverShown()
{
    // The planted key really reaches the requests, from the environment (ASSAY_KEY_PLANTED) and from the secrets
    // file (planted-file), and a server that quotes it back in its error does not get it onto stdout or stderr
    // (run() checks every invocation for the planted key).
    const std::string key = plantedKey();
    const QString ws = m_dir.filePath(QStringLiteral("planted.assay"));
    QVERIFY(Workspace::create(ws.toStdString()).ok());
    auto authorized = std::make_shared<std::atomic<int>>(0);
    m_server.route("/planted/v1/chat/completions", [authorized, key](const RecordedRequest& r, ResponseWriter& w) {
        if (r.header("Authorization") == "Bearer " + key)
            ++*authorized;
        jsonStatus(401, R"({"error":{"message":"Incorrect API key provided: )" + key + R"(."}})")(r, w);
    });
    const QString base = QString::fromStdString(m_server.baseUrl()) + QStringLiteral("/planted/v1");
    for (const QString& secret : { QStringLiteral("planted"), assay::clitest::PlantedKey::fileSecretName() }) {
        const QString name = QStringLiteral("via-") + secret;
        const CliResult add = run({ QStringLiteral("endpoints"), QStringLiteral("add"), name,
            QStringLiteral("--workspace"), ws, QStringLiteral("--base-url"), base, QStringLiteral("--model"),
            QStringLiteral("m"), QStringLiteral("--secret"), secret });
        QVERIFY2(add.code == 0, add.err.constData());
        const CliResult test
            = run({ QStringLiteral("endpoints"), QStringLiteral("test"), name, QStringLiteral("--workspace"), ws });
        QCOMPARE(test.code, 1);
        QVERIFY2(test.err.contains("Incorrect API key provided"), test.err.constData());
    }
    QCOMPARE(authorized->load(), 2);
}

void TestRunCli::endpointsAddListTest()
{
    const QString ws = m_dir.filePath(QStringLiteral("endpoints.assay"));
    QVERIFY(Workspace::create(ws.toStdString()).ok());
    m_server.route("/good/v1/chat/completions", openAiStream({}));
    m_server.route("/bad/v1/chat/completions", jsonStatus(500, R"({"error":{"message":"exploded"}})"));
    for (const char* name : { "good", "bad" }) {
        const CliResult add = run({ QStringLiteral("endpoints"), QStringLiteral("add"), QString::fromLatin1(name),
            QStringLiteral("--workspace"), ws, QStringLiteral("--base-url"),
            QString::fromStdString(m_server.baseUrl()) + QStringLiteral("/") + QString::fromLatin1(name)
                + QStringLiteral("/v1"),
            QStringLiteral("--model"), QStringLiteral("m") });
        QVERIFY2(add.code == 0, add.err.constData());
    }
    const CliResult list
        = run({ QStringLiteral("endpoints"), QStringLiteral("list"), QStringLiteral("--workspace"), ws });
    QCOMPARE(list.code, 0);
    QVERIFY(list.out.contains("good") && list.out.contains("bad") && list.out.contains("NAME"));
    const CliResult good = run({ QStringLiteral("endpoints"), QStringLiteral("test"), QStringLiteral("good"),
        QStringLiteral("--workspace"), ws });
    QVERIFY2(good.code == 0, good.err.constData());
    QVERIFY2(good.out.contains("good: ok in ") && good.out.contains("Hello, world!"), good.out.constData());
    const CliResult bad = run({ QStringLiteral("endpoints"), QStringLiteral("test"), QStringLiteral("bad"),
        QStringLiteral("--workspace"), ws });
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("exploded"), bad.err.constData());
}

void TestRunCli::runsListSummaryExport()
{
    const std::string ws = m_dir.filePath(QStringLiteral("runs.assay")).toStdString();
    {
        auto db = Workspace::create(ws);
        QVERIFY(db.ok());
        QVERIFY(seedRunFixture(*db, { m_server.baseUrl(), 1, 2, 5, {}, "rows" }).ok());
    }
    m_server.route("/e0/v1/chat/completions", openAiJson("positive"));
    m_server.route("/e1/v1/chat/completions", openAiJson("<b>negative</b>"));
    const json def { { "name", "two models" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0", "e1" } },
        { "dataset", "rows" }, { "cache", false }, { "stream", false } };
    const QString wsArg = QString::fromStdString(ws);
    const CliResult ran = run({ QStringLiteral("run"), writeDefinition(def, QStringLiteral("two.json")),
        QStringLiteral("--workspace"), wsArg });
    QVERIFY2(ran.code == 0, ran.err.constData());

    const CliResult list = run({ QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--json"),
        QStringLiteral("--workspace"), wsArg });
    QVERIFY2(list.code == 0, list.err.constData());
    const json runs = json::parse(list.out.toStdString());
    QCOMPARE(runs.size(), std::size_t(1));
    QCOMPARE(runs[0]["cells"].get<int>(), 10);
    const QString runId = QString::fromStdString(runs[0]["id"].get<std::string>());

    const CliResult summary = run({ QStringLiteral("runs"), QStringLiteral("summary"), runId, QStringLiteral("--json"),
        QStringLiteral("--workspace"), wsArg });
    QVERIFY2(summary.code == 0, summary.err.constData());
    const json s = json::parse(summary.out.toStdString());
    QCOMPARE(s["rows"].get<int>(), 5);
    QCOMPARE(s["columns"].size(), std::size_t(2));
    QCOMPARE(s["columns"][1]["column"].get<std::string>(), std::string("e1"));
    QCOMPARE(s["columns"][1]["ok"].get<int>(), 5);
    QCOMPARE(s["columns"][1]["successRate"].get<double>(), 1.0);
    QVERIFY(s["columns"][0]["p95LatencyMs"].is_number());

    const QString html = m_dir.filePath(QStringLiteral("grid.html"));
    const CliResult exported = run({ QStringLiteral("runs"), QStringLiteral("export"), runId, QStringLiteral("--out"),
        html, QStringLiteral("--only"), QStringLiteral("differ"), QStringLiteral("--workspace"), wsArg });
    QVERIFY2(exported.code == 0, exported.err.constData());
    QVERIFY(exported.out.contains("exported 5 rows x 2 columns"));
    QFile report(html);
    QVERIFY(report.open(QIODevice::ReadOnly));
    const QByteArray bytes = report.readAll();
    QVERIFY(bytes.contains("<h2>Summary</h2>"));
    QVERIFY(bytes.contains("&lt;b&gt;negative&lt;/b&gt;"));
    QVERIFY(bytes.contains("&quot;provenance&quot;"));

    const QString none = m_dir.filePath(QStringLiteral("none.csv"));
    const CliResult empty = run({ QStringLiteral("runs"), QStringLiteral("export"), runId, QStringLiteral("--out"),
        none, QStringLiteral("--only"), QStringLiteral("failed"), QStringLiteral("--workspace"), wsArg });
    QCOMPARE(empty.code, 1); // problem
    QVERIFY(!QFile::exists(none));
    const CliResult badFormat = run({ QStringLiteral("runs"), QStringLiteral("export"), runId, QStringLiteral("--out"),
        m_dir.filePath(QStringLiteral("grid.txt")), QStringLiteral("--workspace"), wsArg });
    QCOMPARE(badFormat.code, 2); // usage
    QVERIFY(badFormat.err.contains("--format must be csv, jsonl or html"));
    const CliResult unknown = run({ QStringLiteral("runs"), QStringLiteral("summary"), QStringLiteral("no-such-run"),
        QStringLiteral("--workspace"), wsArg });
    QCOMPARE(unknown.code, 1); // problem
    QVERIFY(unknown.err.contains("no-such-run"));
}

QTEST_GUILESS_MAIN(TestRunCli)
#include "tst_runcli.moc"
