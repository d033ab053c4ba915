// SPDX-License-Identifier: MIT
// The local runner through Assay vs a direct request to the same llama-server (driven by runner_vs_llama.sh):
//   bench_runner MODEL.gguf [--runs N] [--max-tokens N] [--threads N] [--ctx N] [--workdir DIR]
// Starts llama-server on MODEL through gpu::RunnerSupervisor (load time = start() to Ready), waits for the model
// hash, then alternates (a) a direct streaming /v1/chat/completions request sent with core::HttpClient and measured
// at the client, and (b) a one-cell run through core::RunScheduler (workspace, endpoint, key store, provider,
// storage) read back from the committed cell. Both send the same body (OpenAiProvider::requestBody): temperature
// 0, seed 42, max_tokens N, streamed with usage. One warm-up of each is not counted (it fills the prompt cache for
// both). Prints medians, ratios, the server's own timings, peak memory, and "RESULT key value" lines.
#include "devices.h"
#include "fitplan.h"
#include "modelinfo.h"
#include "runnersupervisor.h"

#include "domain/model.h"
#include "http/httpclient.h"
#include "providers/openaiprovider.h"
#include "providers/sseparser.h"
#include "run/runplan.h"
#include "run/runscheduler.h"
#include "secrets/secretstore.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace assay;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double msBetween(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double, std::milli>(b - a).count();
}

/// "VmHWM" / "VmRSS" of /proc/<pid>/status in MiB (0 when unreadable).
double procMemMiB(const std::string& pid, const std::string& field)
{
    std::ifstream in("/proc/" + pid + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0)
            return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
    return 0;
}

/// CPU time used by this process so far (user + system, all threads), in ms.
double processCpuMs()
{
    rusage u {};
    ::getrusage(RUSAGE_SELF, &u);
    auto ms
        = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
    return ms(u.ru_utime) + ms(u.ru_stime);
}

/// The server's random key, in memory only (what the GUI's LayeredSecretStore does for a loaded model).
class MemoryKeys final : public core::SecretStore {
public:
    void put(const std::string& name, const std::string& value)
    {
        std::lock_guard lock(m_mutex);
        m_keys[name] = value;
    }
    core::Result<std::string> get(const std::string& name) override
    {
        std::lock_guard lock(m_mutex);
        auto it = m_keys.find(name);
        if (it == m_keys.end())
            return core::makeError(core::ErrorCode::NotFound, "no secret named " + name);
        return it->second;
    }
    core::Status set(const std::string& name, const std::string& value) override
    {
        put(name, value);
        return {};
    }
    core::Status remove(const std::string& name) override
    {
        std::lock_guard lock(m_mutex);
        m_keys.erase(name);
        return {};
    }
    core::Result<std::vector<std::string>> names() override
    {
        std::lock_guard lock(m_mutex);
        std::vector<std::string> out;
        for (const auto& [k, v] : m_keys)
            out.push_back(k);
        return out;
    }

private:
    std::mutex m_mutex;
    std::map<std::string, std::string> m_keys;
};

/// One measured generation.
struct Sample {
    double ttftMs = -1; ///< submission to the first content delta
    double endMs = 0; ///< submission to the end of the response
    double wallMs = 0; ///< (b) only: open the workspace, resolve the plan, RunScheduler::run() to its return
    double cpuMs = 0; ///< CPU time this process used during the sample (all threads)
    double dispatchMs = 0; ///< (b) only: RunScheduler::run() called to the HTTP request submitted (run row, dispatch)
    std::int64_t tokens = 0; ///< completion tokens reported by the server
    double serverTps = 0; ///< timings.predicted_per_second
    double serverMs = 0; ///< timings.prompt_ms + predicted_ms: the server's own work for the request
    double promptMs = 0; ///< timings.prompt_ms: evaluating the prompt, which yields the first token
    std::string finish;
    std::string error;
    /// What the client adds: the response time less the server's own work. CPU contention slows the server's work on
    /// both paths alike and cancels out here, so this is the figure that compares the two clients.
    [[nodiscard]] double overheadMs() const { return endMs - serverMs; }
    /// The same for the first token: TTFT less the server's prompt evaluation.
    [[nodiscard]] double ttftOverheadMs() const { return ttftMs - promptMs; }
    /// (tokens - 1) / (end - first token): the same formula on both paths.
    [[nodiscard]] double tps() const
    {
        return tokens > 1 && endMs > ttftMs ? static_cast<double>(tokens - 1) * 1000.0 / (endMs - ttftMs) : 0;
    }
};

const std::vector<core::ChatMessage> kMessages { { "system", "You are a helpful assistant. Answer at length." },
    { "user", "Write a long story about a lighthouse keeper who finds a message in a bottle." } };

Sample direct(core::HttpClient& http, const gpu::RunnerEndpoint& ep, const std::string& body)
{
    struct State {
        core::SseParser sse;
        Sample s;
        Clock::time_point t0;
        std::promise<void> done;
    };
    auto st = std::make_shared<State>();
    core::HttpRequest r;
    r.method = "POST";
    r.url = ep.baseUrl + "/chat/completions";
    r.headers = { { "Content-Type", "application/json" }, { "Accept", "text/event-stream" },
        { "Authorization", "Bearer " + ep.apiKey } };
    r.body = body;
    core::HttpHandlers h;
    h.onData = [st](std::string_view bytes) {
        const auto fed = st->sse.feed(bytes, [&st](const core::SseEvent& ev) {
            if (ev.data == "[DONE]")
                return true;
            const json j = json::parse(ev.data, nullptr, false);
            if (!j.is_object())
                return true;
            if (auto c = j.find("choices"); c != j.end() && c->is_array() && !c->empty()) {
                const json& ch = (*c)[0];
                const auto d = ch.find("delta");
                if (d != ch.end() && d->contains("content") && (*d)["content"].is_string()
                    && !(*d)["content"].get_ref<const std::string&>().empty() && st->s.ttftMs < 0)
                    st->s.ttftMs = msBetween(st->t0, Clock::now());
                if (auto f = ch.find("finish_reason"); f != ch.end() && f->is_string())
                    st->s.finish = f->get<std::string>();
            }
            if (auto u = j.find("usage"); u != j.end() && u->is_object())
                st->s.tokens = u->value("completion_tokens", std::int64_t { 0 });
            if (auto t = j.find("timings"); t != j.end() && t->is_object()) {
                st->s.serverTps = t->value("predicted_per_second", 0.0);
                st->s.serverMs = t->value("prompt_ms", 0.0) + t->value("predicted_ms", 0.0);
                st->s.promptMs = t->value("prompt_ms", 0.0);
            }
            return true;
        });
        return fed.ok();
    };
    h.onComplete = [st](core::Result<core::HttpResponse> res) {
        st->s.endMs = msBetween(st->t0, Clock::now());
        if (!res)
            st->s.error = res.error().message;
        else if (res->status != 200)
            st->s.error = "HTTP " + std::to_string(res->status);
        st->done.set_value();
    };
    auto fut = st->done.get_future();
    st->t0 = Clock::now();
    if (auto handle = http.submit(std::move(r), std::move(h)); !handle) {
        st->s.error = handle.error().message;
        return st->s;
    }
    fut.wait();
    return st->s;
}

/// When the HTTP client last submitted a request (its log line is written at submission).
std::atomic<std::int64_t> g_lastSubmitNs { 0 };

Sample engine(core::HttpClient& http, const std::string& workspace, MemoryKeys& keys, int index)
{
    Sample s;
    core::RunDefinition def;
    def.name = "bench-runner-" + std::to_string(index);
    def.prompts = { "bench" };
    def.endpoints = { "local" };
    def.seed = 42;
    def.cache = false;
    def.stream = true;
    def.concurrency = 1;
    def.retries.maxAttempts = 1;
    def.timeoutMs = 600'000;
    const auto t0 = Clock::now();
    auto db = core::Workspace::open(workspace);
    if (!db) {
        s.error = db.error().message;
        return s;
    }
    auto plan = core::RunPlan::resolve(def, *db);
    if (!plan) {
        s.error = plan.error().message;
        return s;
    }
    core::SchedulerOptions o;
    o.workspacePath = workspace;
    o.secrets = &keys;
    std::optional<core::RunCell> cell;
    o.onCell = [&cell](const core::RunCell& c) { cell = c; };
    core::RunScheduler scheduler(std::move(*plan), http, o);
    const auto t1 = Clock::now();
    auto out = scheduler.run();
    s.dispatchMs = static_cast<double>(g_lastSubmitNs.load() - t1.time_since_epoch().count()) / 1e6;
    s.wallMs = msBetween(t0, Clock::now());
    if (!out || !cell) {
        s.error = out ? "no cell" : out.error().message;
        return s;
    }
    if (cell->status != core::CellStatus::Ok)
        s.error = cell->error;
    s.ttftMs = cell->ttftMs.value_or(-1);
    s.endMs = cell->latencyMs.value_or(0);
    s.tokens = cell->tokensOut.value_or(0);
    s.finish = cell->finishReason;
    const auto& p = cell->provenance;
    if (p.contains("extras") && p["extras"].contains("timings")) {
        const json& t = p["extras"]["timings"];
        s.serverTps = t.value("predicted_per_second", 0.0);
        s.serverMs = t.value("prompt_ms", 0.0) + t.value("predicted_ms", 0.0);
        s.promptMs = t.value("prompt_ms", 0.0);
    }
    return s;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

template <typename F> double medianOf(const std::vector<Sample>& samples, F f)
{
    std::vector<double> v;
    for (const auto& s : samples)
        v.push_back(f(s));
    return median(v);
}

core::Status seedWorkspace(const std::string& path, const gpu::RunnerEndpoint& ep, int maxTokens)
{
    std::filesystem::remove(path);
    auto db = core::Workspace::create(path);
    if (!db)
        return db.error();
    core::PromptRepository prompts(*db, "bench");
    core::PromptContent c;
    c.messages = kMessages;
    c.parameters.temperature = 0.0;
    c.parameters.maxTokens = maxTokens;
    c.parameters.seed = 42;
    core::Prompt meta;
    meta.name = "bench";
    if (auto v = prompts.createPrompt(meta, c, "bench"); !v)
        return v.error();
    core::Endpoint e;
    e.name = "local";
    e.kind = core::EndpointKind::Local;
    e.baseUrl = ep.baseUrl;
    e.remoteModel = ep.modelId;
    e.secretRef = "runner-bench";
    core::ModelRepository models(*db, "bench");
    if (auto made = models.createEndpoint(e); !made)
        return made.error();
    return {};
}

int fail(const std::string& what)
{
    std::fprintf(stderr, "bench_runner: %s\n", what.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || argv[1][0] == '-')
        return std::fprintf(stderr,
                   "usage: bench_runner MODEL.gguf [--runs N] [--max-tokens N] [--threads N] [--gpu-layers N] "
                   "[--ctx N] [--workdir DIR]\n"),
               2;
    gpu::RunnerConfig config;
    config.modelPath = argv[1];
    config.contextSize = 2048;
    int runs = 7;
    int maxTokens = 128;
    std::string workdir;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const int v = std::atoi(argv[i + 1]);
        if (a == "--runs")
            runs = std::max(1, v);
        else if (a == "--max-tokens")
            maxTokens = std::max(2, v);
        else if (a == "--threads")
            config.threads = static_cast<std::uint32_t>(std::max(0, v));
        else if (a == "--gpu-layers")
            config.gpuLayers = std::max(0, v);
        else if (a == "--ctx")
            config.contextSize = static_cast<std::uint32_t>(std::max(256, v));
        else if (a == "--workdir")
            workdir = argv[i + 1];
        else
            return fail("unknown option " + a);
    }
    const bool ownWorkdir = workdir.empty();
    if (ownWorkdir)
        workdir = (std::filesystem::temp_directory_path() / ("bench_runner." + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(workdir);

    auto install = gpu::locateRunner();
    if (!install)
        return fail(install.error().describe());
    // The fit plan Assay shows before loading, compared below with what the server reports.
    std::optional<gpu::FitPlan> plan;
    if (auto info = gpu::readModelInfo(config.modelPath)) {
        gpu::FitRequest request;
        request.gpuLayers = std::min(config.gpuLayers, static_cast<int>(info->blockCount) + 1); // 99: all
        request.contextSize = config.contextSize;
        const core::DeviceList devices = gpu::listDevices(*install);
        for (const auto& d : devices.devices)
            std::printf("device     %s: %s, %s free of %s\n", d.id.c_str(), d.name.c_str(),
                gpu::formatBytes(d.freeBytes).c_str(), gpu::formatBytes(d.totalBytes).c_str());
        if (auto planned = gpu::planFit(*info, devices.devices, request)) {
            plan = *planned;
            std::printf("fit plan   %s\n", plan->summary.c_str());
        } else {
            std::printf("fit plan   none: %s\n", planned.error().describe().c_str());
        }
    }
    gpu::RunnerSupervisor runner(*install, config);
    std::mutex tm;
    std::optional<Clock::time_point> readyAt;
    runner.setStateCallback([&](gpu::RunnerState s, const std::string&) {
        if (s == gpu::RunnerState::Ready) {
            std::lock_guard lock(tm);
            readyAt = Clock::now();
        }
    });
    const auto t0 = Clock::now();
    if (auto st = runner.start(); !st)
        return fail(st.error().describe());
    if (auto st = runner.waitUntilReady(std::chrono::minutes(10)); !st)
        return fail(st.error().describe());
    const double loadMs = msBetween(t0, readyAt.value_or(Clock::now()));
    // The supervisor hashes the model after Ready; wait so the hash does not compete with generation for the CPU.
    const auto h0 = Clock::now();
    while (runner.provenance().modelSha256.empty() && Clock::now() - h0 < std::chrono::minutes(5))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double hashMs = msBetween(h0, Clock::now());
    const auto ep = *runner.endpoint();
    const auto prov = runner.provenance();
    const std::string pid = std::to_string(runner.pid());

    MemoryKeys keys;
    keys.put("runner-bench", ep.apiKey);
    const std::string workspace = workdir + "/bench-runner.assay";
    if (auto st = seedWorkspace(workspace, ep, maxTokens); !st)
        return fail(st.error().describe());
    core::HttpClientOptions httpOptions;
    httpOptions.log = [](std::string_view) { g_lastSubmitNs = Clock::now().time_since_epoch().count(); };
    core::HttpClient http(httpOptions);
    core::EndpointSettings es;
    es.baseUrl = ep.baseUrl;
    const core::OpenAiProvider shape(http, es);
    core::ProviderRequest req;
    req.model = ep.modelId;
    req.messages = kMessages;
    req.parameters.temperature = 0.0;
    req.parameters.maxTokens = maxTokens;
    req.parameters.seed = 42;
    req.stream = true;
    const std::string body = shape.requestBody(req).dump();

    std::printf("model      %s (%s, sha256 %.12s…)\n", config.modelPath.c_str(), prov.quantization.c_str(),
        prov.modelSha256.c_str());
    std::string devices;
    for (const std::string& d : prov.devices)
        devices += (devices.empty() ? "" : "; ") + d;
    std::string computes;
    for (const std::string& d : prov.computeDevices)
        computes += (computes.empty() ? "" : ", ") + d;
    std::printf("runner     %s, threads %u, ctx %u, GPU layers %d, computes on %s\n", prov.runnerBuild.c_str(),
        prov.threads, prov.contextSize, prov.gpuLayers, computes.c_str());
    std::printf("devices    %s\n", devices.empty() ? "?" : devices.c_str());
    if (plan)
        std::printf("%s\n", gpu::compareFit(*plan, runner.reportedMemory()).summary.c_str());
    std::printf("request    %s\n", body.c_str());
    std::printf(
        "load       %.0f ms start → Ready (hash after Ready: %.0f ms, not overlapping the runs)\n", loadMs, hashMs);
    std::fflush(stdout);

    std::vector<Sample> da, eb;
    auto check = [&](const Sample& s, const char* path) {
        if (!s.error.empty()) {
            std::fprintf(stderr, "bench_runner: %s: %s\n", path, s.error.c_str());
            return false;
        }
        return true;
    };
    // Warm-up: the first request evaluates the prompt; later ones reuse the server's prompt cache on both paths.
    if (!check(direct(http, ep, body), "direct") || !check(engine(http, workspace, keys, -1), "engine"))
        return 1;
    for (int i = 0; i < runs; ++i) {
        for (int k = 0; k < 2; ++k) {
            const bool directTurn = (k == 0) == (i % 2 == 0); // ABBA order cancels drift
            const double cpu0 = processCpuMs();
            Sample s = directTurn ? direct(http, ep, body) : engine(http, workspace, keys, i);
            s.cpuMs = processCpuMs() - cpu0;
            if (!check(s, directTurn ? "direct" : "engine"))
                return 1;
            std::printf("  %d %-6s ttft %6.1f ms  end %8.1f ms  overhead %5.1f ms  tokens %3lld  %6.2f t/s  server "
                        "%6.2f t/s  cpu %5.1f ms  %s%s\n",
                i, directTurn ? "direct" : "assay", s.ttftMs, s.endMs, s.overheadMs(), static_cast<long long>(s.tokens),
                s.tps(), s.serverTps, s.cpuMs, s.finish.c_str(),
                directTurn ? "" : ("  dispatch " + std::to_string(s.dispatchMs).substr(0, 4) + " ms").c_str());
            std::fflush(stdout);
            (directTurn ? da : eb).push_back(std::move(s));
        }
    }
    const double serverHwm = procMemMiB(pid, "VmHWM");
    const double serverRss = procMemMiB(pid, "VmRSS");
    const double serverAnon = procMemMiB(pid, "RssAnon");
    const double serverFile = procMemMiB(pid, "RssFile");
    runner.stop();
    const double selfHwm = procMemMiB("self", "VmHWM");

    auto ttft = [](const Sample& s) { return s.ttftMs; };
    auto tps = [](const Sample& s) { return s.tps(); };
    auto stps = [](const Sample& s) { return s.serverTps; };
    auto end = [](const Sample& s) { return s.endMs; };
    const double dTtft = medianOf(da, ttft), eTtft = medianOf(eb, ttft);
    const double dTps = medianOf(da, tps), eTps = medianOf(eb, tps);
    const double dS = medianOf(da, stps), eS = medianOf(eb, stps);
    const double dEnd = medianOf(da, end), eEnd = medianOf(eb, end);
    const double eWall = medianOf(eb, [](const Sample& s) { return s.wallMs; });
    auto over = [](const Sample& s) { return s.overheadMs(); };
    const double dOver = medianOf(da, over), eOver = medianOf(eb, over);
    auto tover = [](const Sample& s) { return s.ttftOverheadMs(); };
    const double dTover = medianOf(da, tover), eTover = medianOf(eb, tover);
    const double eDispatch = medianOf(eb, [](const Sample& s) { return s.dispatchMs; });
    auto cpu = [](const Sample& s) { return s.cpuMs; };
    const double dCpu = medianOf(da, cpu), eCpu = medianOf(eb, cpu);
    const double eWallOver = medianOf(eb, [](const Sample& s) { return s.wallMs - s.serverMs; });
    bool allLength = true;
    for (const auto* v : { &da, &eb })
        for (const auto& s : *v)
            allLength = allLength && s.finish == "length" && s.tokens == maxTokens;

    std::printf("\nmedians over %d alternating runs, %d tokens each%s\n", runs, maxTokens,
        allLength ? " (every response stopped at max_tokens)" : " (WARNING: some responses stopped early)");
    std::printf("                  direct HTTP   Assay run engine   Assay/direct\n");
    std::printf("gen t/s (client)  %11.2f   %16.2f   %12.3f\n", dTps, eTps, dTps > 0 ? eTps / dTps : 0);
    std::printf("gen t/s (server)  %11.2f   %16.2f   %12.3f\n", dS, eS, dS > 0 ? eS / dS : 0);
    std::printf("TTFT ms           %11.1f   %16.1f   %+11.1f ms\n", dTtft, eTtft, eTtft - dTtft);
    std::printf("response ms       %11.1f   %16.1f   %+11.1f ms\n", dEnd, eEnd, eEnd - dEnd);
    std::printf("TTFT overhead     %11.1f   %16.1f   %+11.1f ms (TTFT less the server's prompt evaluation time)\n",
        dTover, eTover, eTover - dTover);
    std::printf(
        "client overhead   %11.1f   %16.1f   %+11.1f ms (response less the server's prompt + generation time)\n", dOver,
        eOver, eOver - dOver);
    std::printf("client CPU ms     %11.1f   %16.1f   %+11.1f ms (this process, all threads, per request)\n", dCpu, eCpu,
        eCpu - dCpu);
    std::printf("run() → request  %11s   %16.1f   %11s    (the scheduler creates the run row, then dispatches)\n", "-",
        eDispatch, "");
    std::printf("run() wall ms     %11s   %16.1f   %11s    (overhead %.1f ms: open workspace, plan, run row, commit)\n",
        "-", eWall, "", eWallOver);
    std::printf("memory            llama-server peak RSS %.0f MiB (at the end %.0f MiB: %.0f MiB anonymous, %.0f MiB "
                "mapped files); bench process (Assay: supervisor, engine, HTTP) peak RSS %.0f MiB\n",
        serverHwm, serverRss, serverAnon, serverFile, selfHwm);

    std::printf("RESULT load_ms %.0f\n", loadMs);
    std::printf("RESULT direct_tps %.3f\nRESULT assay_tps %.3f\n", dTps, eTps);
    std::printf("RESULT direct_server_tps %.3f\nRESULT assay_server_tps %.3f\n", dS, eS);
    std::printf("RESULT direct_ttft_ms %.2f\nRESULT assay_ttft_ms %.2f\n", dTtft, eTtft);
    std::printf("RESULT direct_end_ms %.2f\nRESULT assay_end_ms %.2f\nRESULT assay_wall_ms %.2f\n", dEnd, eEnd, eWall);
    std::printf("RESULT direct_overhead_ms %.2f\nRESULT assay_overhead_ms %.2f\nRESULT assay_wall_overhead_ms %.2f\n"
                "RESULT direct_ttft_overhead_ms %.2f\nRESULT assay_ttft_overhead_ms %.2f\n"
                "RESULT assay_dispatch_ms %.2f\nRESULT direct_cpu_ms %.2f\nRESULT assay_cpu_ms %.2f\n",
        dOver, eOver, eWallOver, dTover, eTover, eDispatch, dCpu, eCpu);
    std::printf("RESULT server_peak_mib %.0f\nRESULT assay_peak_mib %.0f\n", serverHwm, selfHwm);
    std::printf("RESULT all_length %d\n", allLength ? 1 : 0);
    if (ownWorkdir)
        std::filesystem::remove_all(workdir);
    return 0;
}
