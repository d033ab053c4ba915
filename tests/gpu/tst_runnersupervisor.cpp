// SPDX-License-Identifier: MIT
// Starts the real llama-server (CPU) on the generated tiny model through RunnerSupervisor.
#include "filehash.h"
#include "gputestsupport.h"
#include "requirerunner.h"
#include "runnersupervisor.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <fstream>
#include <mutex>

using namespace assay::gpu;
using assay::test::qs;
using json = nlohmann::json;

namespace {
struct Reply {
    long status = 0;
    std::string body;
    std::string contentType;
};

std::size_t collect(char* p, std::size_t s, std::size_t n, void* ud)
{
    static_cast<std::string*>(ud)->append(p, s * n);
    return s * n;
}

Reply http(const std::string& url, const std::string& key = {}, const std::string& body = {})
{
    Reply r;
    CURL* h = curl_easy_init();
    curl_slist* headers = nullptr;
    if (!key.empty())
        headers = curl_slist_append(headers, ("Authorization: Bearer " + key).c_str());
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
    if (!body.empty())
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
        char* ct = nullptr;
        curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
        r.contentType = ct ? ct : "";
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return r;
}

std::string chatBody(bool stream, int maxTokens = 16)
{
    json b { { "messages",
                 json::array({ { { "role", "system" }, { "content", "You are terse." } },
                     { { "role", "user" }, { "content", "Name three colours." } } }) },
        { "temperature", 0 }, { "seed", 42 }, { "max_tokens", maxTokens }, { "cache_prompt", false } };
    if (stream)
        b["stream"] = true;
    return b.dump();
}

std::string chat(const RunnerEndpoint& e)
{
    const auto r = http(e.baseUrl + "/chat/completions", e.apiKey, chatBody(false));
    if (r.status != 200)
        return "HTTP " + std::to_string(r.status) + ": " + r.body;
    return json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>();
}

/// Alive and not a zombie.
bool processAlive(int pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return false;
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

std::string cmdline(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(s.begin(), s.end(), '\0', ' ');
    return s;
}

/// Records state changes from the monitor thread.
struct StateLog {
    std::mutex m;
    std::vector<std::pair<RunnerState, std::string>> events;
    RunnerSupervisor::StateCallback callback()
    {
        return [this](RunnerState s, const std::string& msg) {
            std::lock_guard l(m);
            events.emplace_back(s, msg);
        };
    }
    bool saw(RunnerState s)
    {
        std::lock_guard l(m);
        return std::any_of(events.begin(), events.end(), [s](const auto& e) { return e.first == s; });
    }
    std::string lastMessage(RunnerState s)
    {
        std::lock_guard l(m);
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (it->first == s)
                return it->second;
        return {};
    }
};
} // namespace

class TstRunnerSupervisor : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::optional<RunnerInstall> m_install;
    assay::test::TinyModel m_tiny;
    std::string m_baseOutput;

    RunnerConfig tinyConfig() const
    {
        RunnerConfig c;
        c.modelPath = m_tiny.model;
        c.contextSize = 1024;
        c.threads = 1;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        ASSAY_REQUIRE_RUNNER();
        auto install = locateRunner();
        QVERIFY(install);
        m_install = *install;
        auto t = assay::test::makeTinyModelIn(m_dir.path());
        QVERIFY(t);
        m_tiny = *t;
    }

    void servesDeterministicChat()
    {
        StateLog states;
        std::atomic<int> logLines { 0 };
        RunnerSupervisor sup(*m_install, tinyConfig());
        sup.setStateCallback(states.callback());
        sup.setLogCallback([&](const std::string&) { ++logLines; });
        QCOMPARE(sup.state(), RunnerState::Stopped);
        QVERIFY(!sup.endpoint());
        QElapsedTimer loadTimer;
        loadTimer.start();
        QVERIFY(sup.start().ok());
        const auto st = sup.waitUntilReady(std::chrono::seconds(60));
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        qInfo("start → Ready in %lld ms", static_cast<long long>(loadTimer.elapsed()));
        QVERIFY(states.saw(RunnerState::Starting));
        QCOMPARE(sup.state(), RunnerState::Ready);
        QVERIFY(logLines > 20);

        const auto e = sup.endpoint().value();
        QVERIFY(qs(e.baseUrl).startsWith(QStringLiteral("http://127.0.0.1:")));
        QCOMPARE(e.apiKey.size(), std::size_t(64));
        QCOMPARE(http("http://127.0.0.1:" + std::to_string(e.port) + "/health").status, 200L);
        // The key is required, never on the command line (world-readable), never in the log.
        QCOMPARE(http(e.baseUrl + "/chat/completions", {}, chatBody(false)).status, 401L);
        QCOMPARE(http(e.baseUrl + "/chat/completions", "wrong", chatBody(false)).status, 401L);
        const auto args = cmdline(sup.pid());
        QVERIFY(!qs(args).contains(qs(e.apiKey)));
        for (const char* flag : { "--offline", "--no-webui", "--host 127.0.0.1", "--fit off" })
            QVERIFY2(args.find(flag) != std::string::npos, args.c_str());
        for (const auto& line : sup.logTail(100000))
            QVERIFY(line.find(e.apiKey) == std::string::npos);

        // Temperature 0 with a fixed seed: the same text twice.
        const auto first = chat(e);
        const auto second = chat(e);
        QVERIFY2(!first.empty() && first.rfind("HTTP", 0) != 0, first.c_str());
        QCOMPARE(qs(second), qs(first));
        m_baseOutput = first;
        qInfo("tiny model says: %s", first.c_str());

        // Streaming gives the same text in several SSE chunks, then [DONE].
        const auto r = http(e.baseUrl + "/chat/completions", e.apiKey, chatBody(true));
        QCOMPARE(r.status, 200L);
        QVERIFY(qs(r.contentType).startsWith(QStringLiteral("text/event-stream")));
        std::string streamed;
        int chunks = 0;
        bool done = false;
        std::istringstream lines(r.body);
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind("data: ", 0) != 0)
                continue;
            if (line == "data: [DONE]") {
                done = true;
                continue;
            }
            const auto j = json::parse(line.substr(6));
            if (!j["choices"].empty() && j["choices"][0]["delta"].contains("content")
                && j["choices"][0]["delta"]["content"].is_string()) {
                streamed += j["choices"][0]["delta"]["content"].get<std::string>();
                ++chunks;
            }
        }
        QVERIFY(done);
        QVERIFY(chunks >= 5);
        QCOMPARE(qs(streamed), qs(first));

        // Provenance: build, devices, settings, and the model hash (computed after Ready).
        QTRY_VERIFY_WITH_TIMEOUT(!sup.provenance().modelSha256.empty(), 20000);
        const auto p = sup.provenance();
        QCOMPARE(p.modelSha256, sha256File(m_tiny.model).value());
        QCOMPARE(p.quantization, std::string("F16"));
        QVERIFY2(qs(p.runnerBuild).contains(QStringLiteral("0.5.0")), p.runnerBuild.c_str());
        QVERIFY(!p.devices.empty() && p.devices[0].rfind("CPU", 0) == 0);
        QCOMPARE(p.contextSize, 1024u);
        QCOMPARE(p.threads, 1u);

        const int pid = sup.pid();
        QElapsedTimer t;
        t.start();
        sup.stop();
        qInfo("stop took %lld ms", static_cast<long long>(t.elapsed()));
        QCOMPARE(sup.state(), RunnerState::Stopped);
        QVERIFY(!processAlive(pid));
        QVERIFY(!sup.endpoint());
    }

    void severalInstancesWithLoraAndEmbeddings()
    {
        if (m_baseOutput.empty())
            QSKIP("needs servesDeterministicChat");
        auto loraCfg = tinyConfig();
        loraCfg.loraPaths = { m_tiny.lora };
        auto embCfg = tinyConfig();
        embCfg.embeddings = true;
        RunnerSupervisor base(*m_install, tinyConfig());
        RunnerSupervisor lora(*m_install, loraCfg);
        RunnerSupervisor emb(*m_install, embCfg);
        QVERIFY(base.start().ok());
        QVERIFY(lora.start().ok());
        QVERIFY(emb.start().ok());
        for (auto* s : { &base, &lora, &emb }) {
            const auto st = s->waitUntilReady(std::chrono::seconds(60));
            QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        }
        QVERIFY(base.endpoint()->port != lora.endpoint()->port);
        QVERIFY(base.endpoint()->apiKey != lora.endpoint()->apiKey);
        QCOMPARE(qs(chat(*base.endpoint())), qs(m_baseOutput));
        const auto adapted = chat(*lora.endpoint());
        qInfo("with LoRA: %s", adapted.c_str());
        QVERIFY(adapted != m_baseOutput);
        QCOMPARE(lora.provenance().loraPaths, std::vector<std::string> { m_tiny.lora });
        // On this CPU-only build both compute on the CPU: a run sends them requests in turns.
        QCOMPARE(base.provenance().computeDevices, std::vector<std::string> { "CPU" });
        QCOMPARE(lora.provenance().computeDevices, std::vector<std::string> { "CPU" });

        const auto e = *emb.endpoint();
        const auto r = http(e.baseUrl + "/embeddings", e.apiKey,
            json { { "input", json::array({ "red green blue", "red green blue", "the cat sat on the mat" }) } }.dump());
        QCOMPARE(r.status, 200L);
        const auto j = json::parse(r.body);
        QCOMPARE(int(j["data"].size()), 3);
        auto vec = [&](int k) { return j["data"][k]["embedding"].get<std::vector<double>>(); };
        auto cosine = [](const std::vector<double>& a, const std::vector<double>& b) {
            double d = 0, na = 0, nb = 0;
            for (std::size_t k = 0; k < a.size(); ++k) {
                d += a[k] * b[k];
                na += a[k] * a[k];
                nb += b[k] * b[k];
            }
            return d / std::sqrt(na * nb);
        };
        QCOMPARE(vec(0).size(), std::size_t(64));
        QVERIFY(std::abs(cosine(vec(0), vec(1)) - 1.0) < 1e-4);
        QVERIFY(cosine(vec(0), vec(2)) < 0.999);
    }

    void cancelsALoad()
    {
        // A 337 MB model loads for long enough to be caught while /health still answers 503.
        const auto medium = m_dir.filePath(QStringLiteral("medium.gguf")).toStdString();
        TinyModelSpec spec;
        spec.nEmbd = 1024;
        spec.nLayer = 8;
        spec.nFf = 2816;
        spec.nHead = 16;
        QVERIFY(makeTinyModel(bundledVocabPath(), medium, {}, spec).ok());
        auto cfg = tinyConfig();
        cfg.modelPath = medium;
        cfg.stopTimeout = std::chrono::seconds(3);
        cfg.extraArgs = { "--load-mode", "none" }; // read the whole file: a load long enough to be caught at 503
        StateLog states; // outlives the supervisor, whose monitor thread calls into it
        RunnerSupervisor sup(*m_install, cfg);
        // Cancel from the state callback itself (the monitor thread) as soon as loading is seen.
        sup.setStateCallback([&](RunnerState s, const std::string& msg) {
            states.callback()(s, msg);
            if (s == RunnerState::Loading)
                sup.cancelLoad();
        });
        QVERIFY(sup.start().ok());
        const int pid = sup.pid();
        const auto st = sup.waitUntilReady(std::chrono::seconds(30));
        QVERIFY(!st.ok());
        QVERIFY2(st.error().code == assay::core::ErrorCode::Cancelled, st.error().message.c_str());
        QCOMPARE(sup.state(), RunnerState::Stopped);
        // waitUntilReady() wakes when the state changes; the callback runs right after.
        QTRY_COMPARE_WITH_TIMEOUT(qs(states.lastMessage(RunnerState::Stopped)), QStringLiteral("load cancelled"), 5000);
        QVERIFY(states.saw(RunnerState::Loading));
        QVERIFY(!states.saw(RunnerState::Ready));
        sup.stop();
        QVERIFY(!processAlive(pid));
        std::remove(medium.c_str());
    }

    void reportsCrashAndRestarts()
    {
        auto cfg = tinyConfig();
        cfg.maxRestarts = 1;
        cfg.restartBackoff = std::chrono::milliseconds(100);
        StateLog states;
        RunnerSupervisor sup(*m_install, cfg);
        sup.setStateCallback(states.callback());
        QVERIFY(sup.start().ok());
        QVERIFY(sup.waitUntilReady(std::chrono::seconds(60)).ok());
        const int first = sup.pid();
        const auto firstPort = sup.endpoint()->port;
        ::kill(first, SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(states.saw(RunnerState::Crashed), 10000);
        const auto reason = qs(states.lastMessage(RunnerState::Crashed));
        QVERIFY2(reason.contains(QStringLiteral("signal 9")) && reason.contains(QStringLiteral("Last log lines")),
            qPrintable(reason));
        // Restarted automatically on a fresh port and key, and serves again.
        QTRY_VERIFY_WITH_TIMEOUT(sup.state() == RunnerState::Ready, 30000);
        QCOMPARE(sup.restarts(), 1);
        QVERIFY(sup.pid() != first && sup.pid() > 0);
        Q_UNUSED(firstPort);
        QCOMPARE(qs(chat(*sup.endpoint())), qs(m_baseOutput));
        // Out of restarts: the second crash stays Crashed and the error says why.
        ::kill(sup.pid(), SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(sup.state() == RunnerState::Crashed, 10000);
        const auto st = sup.waitUntilReady(std::chrono::seconds(10));
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, assay::core::ErrorCode::Runner);
        QCOMPARE(sup.state(), RunnerState::Crashed);
        QVERIFY(qs(sup.lastError()).contains(QStringLiteral("signal 9")));
        QCOMPARE(sup.pid(), 0);
        // Starting again by hand works.
        QVERIFY(sup.start().ok());
        QVERIFY(sup.waitUntilReady(std::chrono::seconds(60)).ok());
    }

    void reportsWhyTheServerDidNotStart()
    {
        auto cfg = tinyConfig();
        cfg.extraArgs = { "--no-such-option" };
        RunnerSupervisor sup(*m_install, cfg);
        QVERIFY(sup.start().ok());
        const auto st = sup.waitUntilReady(std::chrono::seconds(30));
        QVERIFY(!st.ok());
        QCOMPARE(sup.state(), RunnerState::Crashed);
        const auto msg = qs(sup.lastError());
        QVERIFY2(msg.contains(QStringLiteral("exited with code")) && msg.contains(QStringLiteral("--no-such-option")),
            qPrintable(msg));
    }

    void rejectsBadFilesWithoutStarting_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("lora");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << QStringLiteral("nope.gguf") << QString() << QStringLiteral("cannot open");
        QTest::newRow("garbage") << QStringLiteral("garbage.gguf") << QString() << QStringLiteral("bad magic");
        QTest::newRow("truncated") << QStringLiteral("truncated.gguf") << QString() << QStringLiteral("invalid GGUF");
        QTest::newRow("adapter as model")
            << QStringLiteral("tiny-lora.gguf") << QString() << QStringLiteral("is a LoRA adapter");
        QTest::newRow("model as adapter") << QStringLiteral("tiny-llama-f16.gguf")
                                          << QStringLiteral("tiny-llama-f16.gguf") << QStringLiteral("not a LoRA");
    }
    void rejectsBadFilesWithoutStarting()
    {
        QFETCH(QString, model);
        QFETCH(QString, lora);
        QFETCH(QString, expected);
        {
            std::ofstream g(m_dir.filePath(QStringLiteral("garbage.gguf")).toStdString());
            g << "this is not a model at all, just text pretending";
            QFile src(qs(m_tiny.model));
            QVERIFY(src.open(QIODevice::ReadOnly));
            std::ofstream t(m_dir.filePath(QStringLiteral("truncated.gguf")).toStdString(), std::ios::binary);
            const auto head = src.read(500'000);
            t.write(head.constData(), head.size());
        }
        auto cfg = tinyConfig();
        cfg.modelPath = m_dir.filePath(model).toStdString();
        if (!lora.isEmpty())
            cfg.loraPaths = { m_dir.filePath(lora).toStdString() };
        RunnerSupervisor sup(*m_install, cfg);
        const auto st = sup.start();
        QVERIFY(!st.ok());
        QVERIFY2(qs(st.error().message).contains(expected), st.error().message.c_str());
        QVERIFY2(qs(st.error().message).contains(model), st.error().message.c_str()); // names the file
        QCOMPARE(sup.state(), RunnerState::Stopped);
        QCOMPARE(sup.pid(), 0);
    }

    void destructorStopsTheChild()
    {
        int pid = 0;
        {
            RunnerSupervisor sup(*m_install, tinyConfig());
            QVERIFY(sup.start().ok());
            QVERIFY(sup.waitUntilReady(std::chrono::seconds(60)).ok());
            pid = sup.pid();
            QVERIFY(processAlive(pid));
        }
        QVERIFY(!processAlive(pid));
    }

    /// The process that owns a supervisor is SIGKILLed: its llama-server must not survive it.
    void noOrphanWhenTheOwnerIsKilled()
    {
        QProcess helper;
        helper.start(QStringLiteral(ORPHAN_HELPER), { qs(m_tiny.model) });
        QVERIFY(helper.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(helper.canReadLine() || helper.state() == QProcess::NotRunning, 60000);
        const auto line = QString::fromLatin1(helper.readLine()).trimmed();
        QVERIFY2(line.startsWith(QStringLiteral("pid ")), qPrintable(line));
        const int server = line.mid(4).toInt();
        QVERIFY(processAlive(server));
        QVERIFY(qs(cmdline(server)).contains(QStringLiteral("llama-server")));
        helper.kill(); // SIGKILL: no destructor runs
        QVERIFY(helper.waitForFinished());
        QElapsedTimer t;
        t.start();
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(server), 5000);
        qInfo("orphaned llama-server gone %lld ms after its owner was killed", static_cast<long long>(t.elapsed()));
    }

    void cleanupTestCase() { curl_global_cleanup(); }
};

QTEST_GUILESS_MAIN(TstRunnerSupervisor)
#include "tst_runnersupervisor.moc"
