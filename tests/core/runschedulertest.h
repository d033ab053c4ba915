// SPDX-License-Identifier: MIT
#pragma once
// Loopback helpers for the scheduler tests: an OpenAI handler that answers streaming or not as asked, and a
// wrapper that counts requests (per rendered row text), calls in flight and arrival times.

#include "loopbackserver.h"
#include "replies.h"
#include "runfixture.h"

#include "http/httpclient.h"
#include "run/runscheduler.h"
#include "secrets/filesecretstore.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"

#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace assay::test {

using SteadyClock = std::chrono::steady_clock;

/// What the server saw.
struct ServerLog {
    std::atomic<int> inFlight { 0 };
    std::atomic<int> maxInFlight { 0 };
    std::atomic<int> total { 0 };
    std::mutex mutex;
    std::map<std::string, int> perRequest; ///< "path|last user message" -> count   (guarded by mutex)
    std::vector<SteadyClock::time_point> arrivals; ///< guarded by mutex

    int count(const std::string& key)
    {
        std::lock_guard lock(mutex);
        auto it = perRequest.find(key);
        return it == perRequest.end() ? 0 : it->second;
    }
    std::vector<SteadyClock::time_point> times()
    {
        std::lock_guard lock(mutex);
        return arrivals;
    }
};

inline std::string lastUserMessage(const std::string& body)
{
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.contains("messages") || j["messages"].empty())
        return {};
    return j["messages"].back().value("content", "");
}

/// Streams @p script when the request asks for a stream, else answers with the same text as one JSON body.
inline Handler openAiAuto(StreamScript script = {})
{
    std::string text;
    for (const auto& t : script.tokens)
        text += t;
    Handler streamed = openAiStream(script);
    Handler plain = openAiJson(text, script.inputTokens, static_cast<std::int64_t>(script.tokens.size()));
    return [streamed, plain](const RecordedRequest& r, ResponseWriter& w) {
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (!j.is_discarded() && j.value("stream", false))
            streamed(r, w);
        else
            plain(r, w);
    };
}

/// Counts, then delegates. @p latencyMs is slept before the reply.
inline Handler counting(std::shared_ptr<ServerLog> log, Handler inner, int latencyMs = 0)
{
    return [log, inner, latencyMs](const RecordedRequest& r, ResponseWriter& w) {
        const int now = ++log->inFlight;
        int seen = log->maxInFlight.load();
        while (now > seen && !log->maxInFlight.compare_exchange_weak(seen, now)) { }
        ++log->total;
        {
            std::lock_guard lock(log->mutex);
            ++log->perRequest[r.path + "|" + lastUserMessage(r.body)];
            log->arrivals.push_back(SteadyClock::now());
        }
        if (latencyMs > 0)
            w.sleepMs(latencyMs);
        // Leave "in flight" before the reply goes out: once the client has the reply it may send its next request,
        // which could otherwise be counted before this thread gets to run again (seen on a loaded CI machine).
        --log->inFlight;
        inner(r, w);
    };
}

/// Answers the first @p failures requests with @p fail, then with @p ok.
inline Handler failFirst(int failures, Handler fail, Handler ok)
{
    auto n = std::make_shared<std::atomic<int>>(0);
    return [n, failures, fail, ok](const RecordedRequest& r, ResponseWriter& w) {
        if (n->fetch_add(1) < failures)
            fail(r, w);
        else
            ok(r, w);
    };
}

/// A workspace file seeded with runfixture.h, a loopback server whose endpoint i answers on /e<i>/v1, an HTTP
/// client and a secrets file in a temp dir. run() plans a definition and executes it.
class RunHarness {
public:
    explicit RunHarness(RunFixtureSpec spec = {})
        : m_secrets(m_dir.filePath(QStringLiteral("config/assay/secrets.json")).toStdString(), false)
    {
        m_ok = m_server.start();
        m_path = m_dir.filePath(QStringLiteral("run.assay")).toStdString();
        auto db = core::Workspace::create(m_path);
        if (!m_ok || !db) {
            m_ok = false;
            return;
        }
        spec.baseUrl = m_server.baseUrl();
        auto fx = seedRunFixture(*db, spec);
        m_ok = fx.ok();
        if (m_ok)
            m_fixture = *fx;
    }

    [[nodiscard]] bool ok() const { return m_ok; }
    LoopbackServer& server() { return m_server; }
    core::HttpClient& http() { return m_http; }
    core::FileSecretStore& secrets() { return m_secrets; }
    const std::string& path() const { return m_path; }
    const RunFixture& fixture() const { return m_fixture; }
    static std::string route(int endpoint) { return "/e" + std::to_string(endpoint) + "/v1/chat/completions"; }

    /// A definition over every prompt, endpoint and row of the fixture, with @p patch merged in.
    nlohmann::json definition(const nlohmann::json& patch = nlohmann::json::object()) const
    {
        nlohmann::json j { { "name", "test-run" }, { "prompts", m_fixture.prompts },
            { "endpoints", m_fixture.endpoints }, { "dataset", m_fixture.dataset } };
        j.merge_patch(patch);
        return j;
    }

    core::Result<core::RunPlan> plan(const nlohmann::json& definition)
    {
        auto d = core::RunDefinition::parse(definition);
        if (!d)
            return d.error();
        auto db = core::Workspace::open(m_path);
        if (!db)
            return db.error();
        return core::RunPlan::resolve(*d, *db);
    }

    /// Plans and runs; @p during runs on another thread once the run has started (cancel tests).
    core::Result<core::RunOutcome> run(const nlohmann::json& definition, core::SchedulerOptions options = {},
        const std::string& resumeId = {}, std::function<void(core::RunScheduler&)> during = {})
    {
        auto p = plan(definition);
        if (!p)
            return p.error();
        options.workspacePath = m_path;
        if (!options.secrets)
            options.secrets = &m_secrets;
        core::RunScheduler scheduler(std::move(*p), m_http, options);
        std::thread side;
        if (during)
            side = std::thread([&] { during(scheduler); });
        auto outcome = scheduler.run(resumeId);
        if (side.joinable())
            side.join();
        return outcome;
    }

    std::vector<core::RunCell> cells(const std::string& runId)
    {
        auto db = core::Workspace::open(m_path);
        if (!db)
            return {};
        auto c = core::RunRepository(*db).cells(runId);
        return c ? *c : std::vector<core::RunCell> {};
    }

private:
    QTemporaryDir m_dir;
    LoopbackServer m_server;
    core::HttpClient m_http;
    core::FileSecretStore m_secrets;
    std::string m_path;
    RunFixture m_fixture;
    bool m_ok = false;
};

} // namespace assay::test
