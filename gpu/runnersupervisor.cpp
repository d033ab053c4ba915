// SPDX-License-Identifier: MIT
#include "runnersupervisor.h"

#include "devices.h"
#include "filehash.h"
#include "modelinfo.h"
#include "runnerspawn.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <future>

#include <curl/curl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace assay::gpu {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kHealthInterval = std::chrono::milliseconds(50);
constexpr std::size_t kCrashLines = 12;

std::size_t discard(char*, std::size_t size, std::size_t n, void*)
{
    return size * n;
}

std::string describeExit(int status)
{
    if (WIFEXITED(status))
        return "exited with code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = ::sigabbrev_np(sig);
        return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : "");
    }
    return "ended (status " + std::to_string(status) + ")";
}
} // namespace

std::vector<std::string> computeDevicesOf(
    const std::vector<std::string>& listedDevices, const std::string& device, int gpuLayers, int offloadableLayers)
{
    std::vector<std::string> gpus;
    for (const std::string& d : listedDevices) {
        std::string id = d.substr(0, d.find(':'));
        id.erase(id.find_last_not_of(' ') + 1);
        if (!id.empty() && id != "CPU" && (device.empty() || id == device)
            && std::find(gpus.begin(), gpus.end(), id) == gpus.end())
            gpus.push_back(id);
    }
    if (gpuLayers == 0 || (gpus.empty() && !listedDevices.empty())) // nothing offloaded, or no GPU to offload to
        return { "CPU" };
    if (gpus.empty())
        gpus.push_back("GPU"); // the log named no device: some GPU, and the CPU below unless all layers went
    const bool allOffloaded
        = !listedDevices.empty() && (gpuLayers < 0 || (offloadableLayers > 0 && gpuLayers >= offloadableLayers));
    if (!allOffloaded)
        gpus.insert(gpus.begin(), "CPU");
    return gpus;
}

const char* runnerStateName(RunnerState state)
{
    switch (state) {
    case RunnerState::Stopped:
        return "Stopped";
    case RunnerState::Starting:
        return "Starting";
    case RunnerState::Loading:
        return "Loading";
    case RunnerState::Ready:
        return "Ready";
    case RunnerState::Stopping:
        return "Stopping";
    case RunnerState::Crashed:
        return "Crashed";
    }
    return "?";
}

RunnerSupervisor::RunnerSupervisor(RunnerInstall install, RunnerConfig config)
    : m_install(std::move(install))
    , m_config(std::move(config))
    , m_sha256(m_config.modelSha256)
{
    m_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

RunnerSupervisor::~RunnerSupervisor()
{
    stop();
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
}

void RunnerSupervisor::setStateCallback(StateCallback cb)
{
    m_stateCb = std::move(cb);
}
void RunnerSupervisor::setLogCallback(LogCallback cb)
{
    m_logCb = std::move(cb);
}

std::vector<std::string> RunnerSupervisor::buildArgs(std::uint16_t port) const
{
    const auto& c = m_config;
    std::vector<std::string> a { m_install.serverPath, "-m", c.modelPath, "--host", "127.0.0.1", "--port",
        std::to_string(port), "-c", std::to_string(c.contextSize), "-np", std::to_string(c.parallel), "-ngl",
        std::to_string(c.gpuLayers), "--fit", "off", "--offline", "--no-webui", "-lv", "4", "--log-colors", "off",
        "-ctk", c.cacheTypeK, "-ctv", c.cacheTypeV, "--alias",
        c.alias.empty() ? std::filesystem::path(c.modelPath).filename().string() : c.alias };
    a.insert(a.end(), { "-t", std::to_string(effectiveThreads()) });
    if (!c.device.empty())
        a.insert(a.end(), { "--device", c.device });
    for (const auto& l : c.loraPaths)
        a.insert(a.end(), { "--lora", l });
    if (c.embeddings)
        a.insert(a.end(), { "--embedding", "--pooling", "mean" });
    a.insert(a.end(), c.extraArgs.begin(), c.extraArgs.end());
    return a;
}

std::uint32_t RunnerSupervisor::effectiveThreads() const
{
    // Physical cores: hyper-threads and oversubscription slow token generation down (research/llama.md §6.7).
    return m_config.threads > 0 ? m_config.threads : std::max<std::uint32_t>(1, cpuDevice().physicalCores);
}

core::Status RunnerSupervisor::start()
{
    std::lock_guard life(m_lifecycle);
    {
        std::lock_guard lock(m_mutex);
        if (m_state != RunnerState::Stopped && m_state != RunnerState::Crashed)
            return core::makeError(core::ErrorCode::Conflict, "the runner is already running");
    }
    if (m_monitor.joinable()) {
        // A previous child crashed or was stopped. Its monitor may still be waiting to restart it: stop that.
        m_monitor.request_stop();
        const std::uint64_t one = 1;
        [[maybe_unused]] auto w = ::write(m_wakeFd, &one, sizeof one);
        m_monitor.join();
    }
    if (m_install.serverPath.empty() || ::access(m_install.serverPath.c_str(), X_OK) != 0)
        return core::makeError(core::ErrorCode::NotFound, "llama-server is not installed", m_install.serverPath);
    auto model = readModelInfo(m_config.modelPath);
    if (!model)
        return model.error();
    {
        std::lock_guard lock(m_mutex);
        m_quantization = model->quantization;
        m_offloadableLayers = static_cast<int>(model->blockCount) + 1;
    }
    if (model->isAdapter())
        return core::makeError(core::ErrorCode::Invalid,
            m_config.modelPath + " is a LoRA adapter; choose its base model and add the adapter to it");
    for (const auto& l : m_config.loraPaths) {
        auto lora = readModelInfo(l);
        if (!lora)
            return lora.error();
        if (!lora->isAdapter() || lora->architecture != model->architecture)
            return core::makeError(
                core::ErrorCode::Invalid, l + " is not a LoRA adapter for a " + model->architecture + " model");
    }
    if (m_wakeFd < 0)
        return core::makeError(core::ErrorCode::Io, "eventfd failed");
    {
        std::lock_guard lock(m_mutex);
        m_cancelled = false;
        m_restarts = 0;
        m_lastError.clear();
    }
    // The monitor forks the child itself (PR_SET_PDEATHSIG follows the forking thread) and reports the result.
    std::promise<core::Status> spawned;
    auto result = spawned.get_future();
    m_monitor = std::jthread([this, p = std::move(spawned)](std::stop_token st) mutable {
        {
            std::lock_guard lock(m_mutex);
            m_monitorId = std::this_thread::get_id();
        }
        auto child = spawn();
        if (!child) {
            {
                std::lock_guard lock(m_mutex);
                m_monitorId = {};
                m_state = RunnerState::Stopped; // nothing was started
            }
            p.set_value(child.error());
            return;
        }
        p.set_value(core::Status {});
        monitor(st);
        std::lock_guard lock(m_mutex);
        m_monitorId = {}; // a later thread may get the same id
    });
    return result.get();
}

core::Result<RunnerSupervisor::Child> RunnerSupervisor::spawn()
{
    auto port = detail::freeLoopbackPort();
    if (!port)
        return port.error();
    auto key = detail::randomApiKey();
    if (!key)
        return key.error();
    auto proc = detail::spawnSupervised(buildArgs(*port), detail::childEnvironment({ "LLAMA_API_KEY=" + *key }));
    if (!proc)
        return proc.error();
    Child c { proc->pid, proc->outFd, *port, *key };
    {
        std::lock_guard lock(m_mutex);
        m_child = c;
        m_loadLogStart = m_totalLines;
        m_devicesSeen.clear();
    }
    setState(RunnerState::Starting, "llama-server started (pid " + std::to_string(c.pid) + ")");
    return c;
}

namespace {
/// GET /health on the loopback port: 200 ready, 503 loading, 0 when nothing answers yet.
int healthStatus(std::uint16_t port)
{
    CURL* h = curl_easy_init();
    if (!h)
        return 0;
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/health";
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROXY, ""); // never route loopback through a configured proxy
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 250L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    return static_cast<int>(code);
}
} // namespace

void RunnerSupervisor::setState(RunnerState s, const std::string& message)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_state == s && s != RunnerState::Crashed)
            return;
        m_state = s;
        if (s == RunnerState::Crashed)
            m_lastError = message;
    }
    m_cv.notify_all();
    if (m_stateCb)
        m_stateCb(s, message);
}

void RunnerSupervisor::appendOutput(const char* data, std::size_t n, std::string& partial)
{
    partial.append(data, n);
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1)
        lines.push_back(partial.substr(start, nl - start));
    partial.erase(0, start);
    if (partial.size() > 64 * 1024) { // a line without end: keep memory bounded
        lines.push_back(partial);
        partial.clear();
    }
    if (lines.empty())
        return;
    {
        std::lock_guard lock(m_mutex);
        for (auto& l : lines) {
            // "common_param:   - CUDA0   : NVIDIA … (24080 MiB, 23000 MiB free)" lists the devices in use.
            if (const auto p = l.find("common_param:   - "); p != std::string::npos) {
                auto d = l.substr(p + 18);
                if (const auto c = d.find(" : "); c != std::string::npos) {
                    auto id = d.substr(0, c);
                    id.erase(id.find_last_not_of(' ') + 1);
                    m_devicesSeen.push_back(id + ": " + d.substr(c + 3));
                }
            }
            m_log.push_back(l);
            ++m_totalLines;
            if (m_log.size() > std::max<std::size_t>(m_config.logCapacity, 16))
                m_log.pop_front();
        }
    }
    if (m_logCb)
        for (const auto& l : lines)
            m_logCb(l);
}

void RunnerSupervisor::monitor(std::stop_token st)
{
    Child child;
    {
        std::lock_guard lock(m_mutex);
        child = m_child;
    }
    std::string partial;
    auto started = Clock::now();
    auto lastHealth = Clock::time_point {};
    bool termSent = false;
    bool killSent = false;
    auto termAt = Clock::time_point {};
    std::string loadFailure;
    char buf[65536];

    auto drain = [&](int timeoutMs) {
        while (child.outFd >= 0) {
            pollfd p { child.outFd, POLLIN, 0 };
            if (::poll(&p, 1, timeoutMs) <= 0)
                return;
            const auto n = ::read(child.outFd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                ::close(child.outFd);
                child.outFd = -1;
                return;
            }
            appendOutput(buf, static_cast<std::size_t>(n), partial);
        }
    };

    for (;;) {
        pollfd fds[2] = { { child.outFd, POLLIN, 0 }, { m_wakeFd, POLLIN, 0 } };
        ::poll(fds, 2, 25);
        if (fds[1].revents & POLLIN) {
            std::uint64_t v = 0;
            [[maybe_unused]] auto r = ::read(m_wakeFd, &v, sizeof v);
        }
        if (child.outFd >= 0 && (fds[0].revents & (POLLIN | POLLHUP)))
            drain(0);

        const auto now = Clock::now();
        if (st.stop_requested() && !termSent) {
            setState(RunnerState::Stopping, "stopping llama-server");
            ::kill(child.pid, SIGTERM);
            termSent = true;
            termAt = now;
        }
        if (termSent && !killSent && now - termAt > m_config.stopTimeout) {
            ::kill(child.pid, SIGKILL);
            killSent = true;
        }

        int status = 0;
        if (::waitpid(child.pid, &status, WNOHANG) == child.pid) {
            drain(20);
            if (child.outFd >= 0)
                ::close(child.outFd);
            if (!partial.empty())
                appendOutput("\n", 1, partial);
            bool cancelled = false;
            {
                std::lock_guard lock(m_mutex);
                m_child = {};
                cancelled = m_cancelled;
            }
            if (termSent && loadFailure.empty()) {
                setState(RunnerState::Stopped, cancelled ? "load cancelled" : "stopped");
                return;
            }
            std::string reason = loadFailure.empty() ? "llama-server " + describeExit(status) : loadFailure;
            reason += ". Last log lines:";
            for (const auto& l : logTail(kCrashLines))
                reason += "\n  " + l;
            bool restart = false;
            {
                std::lock_guard lock(m_mutex);
                restart = m_restarts < m_config.maxRestarts;
                m_restartPending = restart;
            }
            setState(RunnerState::Crashed, reason);
            if (!restart)
                return;
            int restarts = 0;
            {
                std::lock_guard lock(m_mutex);
                restarts = m_restarts;
            }
            const auto backoff = m_config.restartBackoff * (1 << std::min(restarts, 10));
            const auto until = Clock::now() + backoff;
            while (!st.stop_requested() && Clock::now() < until) {
                pollfd w { m_wakeFd, POLLIN, 0 };
                ::poll(&w, 1, 25);
            }
            {
                std::lock_guard lock(m_mutex);
                m_restartPending = false;
                ++m_restarts;
            }
            if (st.stop_requested()) {
                setState(RunnerState::Stopped, "stopped");
                return;
            }
            auto next = spawn();
            if (!next) {
                setState(RunnerState::Crashed, "restart failed: " + next.error().message);
                return;
            }
            child = *next;
            partial.clear();
            started = Clock::now();
            lastHealth = {};
            termSent = killSent = false;
            loadFailure.clear();
            continue;
        }

        const auto s = state();
        if ((s == RunnerState::Starting || s == RunnerState::Loading) && !termSent
            && now - lastHealth >= kHealthInterval) {
            lastHealth = now;
            const int code = healthStatus(child.port);
            if (code == 503 && s == RunnerState::Starting) {
                setState(RunnerState::Loading, "loading " + m_config.modelPath);
            } else if (code == 200) {
                drain(0); // take the load log before anyone reads reportedMemory()
                setState(RunnerState::Ready, "ready on 127.0.0.1:" + std::to_string(child.port));
                startHashing();
            } else if (now - started > m_config.loadTimeout) {
                loadFailure = "llama-server did not become ready within "
                    + std::to_string(m_config.loadTimeout.count() / 1000) + " s";
                ::kill(child.pid, SIGKILL);
                termSent = killSent = true;
                termAt = now;
            }
        }
    }
}

void RunnerSupervisor::startHashing()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_sha256.empty() || m_hasher.joinable())
            return;
    }
    m_hasher = std::jthread([this](std::stop_token st) {
        auto h = sha256File(m_config.modelPath, st);
        if (h) {
            std::lock_guard lock(m_mutex);
            m_sha256 = *h;
        }
    });
}

core::Status RunnerSupervisor::waitUntilReady(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    const bool done = m_cv.wait_for(lock, timeout, [this] {
        return m_state == RunnerState::Ready || m_state == RunnerState::Stopped
            || (m_state == RunnerState::Crashed && !m_restartPending);
    });
    if (!done)
        return core::makeError(core::ErrorCode::Timeout, "llama-server is still loading");
    if (m_state == RunnerState::Ready)
        return {};
    if (m_state == RunnerState::Stopped)
        return core::makeError(core::ErrorCode::Cancelled, m_cancelled ? "load cancelled" : "the runner was stopped");
    return core::makeError(core::ErrorCode::Runner, m_lastError);
}

void RunnerSupervisor::cancelLoad()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_state != RunnerState::Starting && m_state != RunnerState::Loading)
            return;
        m_cancelled = true;
    }
    stop();
}

void RunnerSupervisor::stop()
{
    bool onMonitor = false;
    {
        std::lock_guard lock(m_mutex);
        onMonitor = m_monitorId == std::this_thread::get_id();
    }
    auto wake = [this] {
        const std::uint64_t one = 1;
        if (m_wakeFd >= 0) {
            [[maybe_unused]] auto w = ::write(m_wakeFd, &one, sizeof one);
        }
    };
    if (onMonitor) { // called from a callback: the monitor notices on its next turn
        m_monitor.request_stop();
        wake();
        return;
    }
    std::lock_guard life(m_lifecycle);
    m_monitor.request_stop();
    wake();
    if (m_monitor.joinable())
        m_monitor.join();
    m_hasher.request_stop();
    if (m_hasher.joinable())
        m_hasher.join();
    m_hasher = {};
    m_monitor = {};
}

RunnerState RunnerSupervisor::state() const
{
    std::lock_guard lock(m_mutex);
    return m_state;
}

std::string RunnerSupervisor::lastError() const
{
    std::lock_guard lock(m_mutex);
    return m_lastError;
}

std::optional<RunnerEndpoint> RunnerSupervisor::endpoint() const
{
    std::lock_guard lock(m_mutex);
    if (m_state != RunnerState::Ready)
        return std::nullopt;
    RunnerEndpoint e;
    e.port = m_child.port;
    e.apiKey = m_child.apiKey;
    e.baseUrl = "http://127.0.0.1:" + std::to_string(m_child.port) + "/v1";
    e.modelId = m_config.alias.empty() ? std::filesystem::path(m_config.modelPath).filename().string() : m_config.alias;
    return e;
}

RunnerProvenance RunnerSupervisor::provenance() const
{
    std::lock_guard lock(m_mutex);
    RunnerProvenance p;
    p.modelPath = m_config.modelPath;
    p.modelSha256 = m_sha256;
    p.quantization = m_quantization;
    p.runnerBuild = m_install.version;
    p.devices = m_devicesSeen;
    p.computeDevices = computeDevicesOf(m_devicesSeen, m_config.device, m_config.gpuLayers, m_offloadableLayers);
    p.loraPaths = m_config.loraPaths;
    p.embeddings = m_config.embeddings;
    p.gpuLayers = m_config.gpuLayers;
    p.contextSize = m_config.contextSize;
    p.parallel = m_config.parallel;
    p.threads = effectiveThreads();
    p.cacheType = m_config.cacheTypeK + "/" + m_config.cacheTypeV;
    return p;
}

std::vector<std::string> RunnerSupervisor::logTail(std::size_t n) const
{
    std::lock_guard lock(m_mutex);
    const auto k = std::min(n, m_log.size());
    return { m_log.end() - static_cast<std::ptrdiff_t>(k), m_log.end() };
}

int RunnerSupervisor::pid() const
{
    std::lock_guard lock(m_mutex);
    return m_child.pid;
}

int RunnerSupervisor::restarts() const
{
    std::lock_guard lock(m_mutex);
    return m_restarts;
}

ReportedMemory RunnerSupervisor::reportedMemory() const
{
    std::vector<std::string> lines;
    {
        std::lock_guard lock(m_mutex);
        const auto first = m_totalLines - m_log.size(); // global index of m_log.front()
        const auto from = m_loadLogStart > first ? m_loadLogStart - first : 0;
        for (auto k = from; k < m_log.size(); ++k)
            lines.push_back(m_log[k]);
    }
    return parseReportedMemory(lines);
}

} // namespace assay::gpu
