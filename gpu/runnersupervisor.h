// SPDX-License-Identifier: MIT
#pragma once

#include "fitplan.h"
#include "runnerinstall.h"
#include "util/result.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace assay::gpu {

/// Life cycle of one llama-server child. Persisted in run provenance — never renumber.
enum class RunnerState : int {
    Stopped = 0, ///< no process (initial state, after stop() or a cancelled load)
    Starting = 1, ///< process spawned, HTTP listener not answering yet
    Loading = 2, ///< /health answers 503 while the model loads
    Ready = 3, ///< /health answers 200: requests can be sent
    Stopping = 4, ///< SIGTERM sent, waiting (SIGKILL after the stop timeout)
    Crashed = 5, ///< exited on its own or failed to become ready; see lastError()
};
const char* runnerStateName(RunnerState state);

struct RunnerConfig {
    std::string modelPath;
    std::vector<std::string> loraPaths; ///< adapters applied at scale 1.0 (per-request scales via the API)
    std::uint32_t contextSize = 4096; ///< -c (all slots together)
    int gpuLayers = 0; ///< -ngl; llama.cpp's own --fit is turned off so the plan Assay showed is what runs
    std::uint32_t parallel = 1; ///< -np slots
    std::uint32_t threads = 0; ///< -t; 0 = the CPU's physical cores (recorded in provenance)
    std::string device; ///< --device (e.g. "CUDA0"); empty = llama.cpp's default
    std::string cacheTypeK = "f16";
    std::string cacheTypeV = "f16";
    bool embeddings = false; ///< an embeddings instance (--embedding --pooling mean)
    std::string alias; ///< model id the API reports; default: the file name
    std::string modelSha256; ///< known hash (from the library); computed after Ready when empty
    std::vector<std::string> extraArgs;
    std::chrono::milliseconds loadTimeout { 300'000 };
    std::chrono::milliseconds stopTimeout { 5'000 }; ///< SIGTERM → SIGKILL
    int maxRestarts = 0; ///< automatic restarts after a crash
    std::chrono::milliseconds restartBackoff { 500 }; ///< doubled after each restart
    std::size_t logCapacity = 4000; ///< lines kept in the ring buffer
};

/// How the run engine reaches a Ready server (OpenAI-compatible). The key lives in memory only.
struct RunnerEndpoint {
    std::string baseUrl; ///< "http://127.0.0.1:PORT/v1"
    std::string apiKey; ///< random per start; never logged or stored
    std::uint16_t port = 0;
    std::string modelId;
};

/// What produced an output, recorded with every cell.
struct RunnerProvenance {
    std::string modelPath;
    std::string modelSha256;
    std::string quantization;
    std::string runnerBuild; ///< `llama-server --version`
    std::vector<std::string> devices; ///< as the server listed them at start, e.g. "CPU: AMD EPYC"
    /// The devices that compute its tokens, by id ("CPU", "CUDA0"): the CPU unless every layer is offloaded to a
    /// GPU. Two instances sharing one run one at a time (computeDevicesOf; research/llama.md §6.7).
    std::vector<std::string> computeDevices;
    std::vector<std::string> loraPaths;
    bool embeddings = false; ///< an embeddings instance (mean pooling), not chat
    int gpuLayers = 0;
    std::uint32_t contextSize = 0;
    std::uint32_t parallel = 0;
    std::uint32_t threads = 0;
    std::string cacheType;
};

/// Which devices compute a server's tokens, from the devices it listed at start ("CUDA0: NVIDIA …"), the GPU it was
/// restricted to (--device; empty = all it listed, as llama.cpp splits layers across them) and the layers offloaded
/// (@p offloadableLayers = block_count + 1): the CPU when a layer stays there (or no GPU is listed), and with layers
/// offloaded those GPUs, or "GPU" when it listed none.
std::vector<std::string> computeDevicesOf(
    const std::vector<std::string>& listedDevices, const std::string& device, int gpuLayers, int offloadableLayers);

/// Supervises one llama-server child process bound to 127.0.0.1 on a free port with a random API key.
/// The child is forked by the supervisor's own monitor thread, which lives exactly as long as a child may be alive:
/// PR_SET_PDEATHSIG is tied to the forking thread, and kills the server if Assay dies.
/// Thread-safe; callbacks run on the monitor thread and must not block for long (they may call any method).
/// The destructor stops the child.
class RunnerSupervisor {
public:
    using StateCallback = std::function<void(RunnerState state, const std::string& message)>;
    using LogCallback = std::function<void(const std::string& line)>;

    RunnerSupervisor(RunnerInstall install, RunnerConfig config);
    ~RunnerSupervisor();
    RunnerSupervisor(const RunnerSupervisor&) = delete;
    RunnerSupervisor& operator=(const RunnerSupervisor&) = delete;

    /// Set before start().
    void setStateCallback(StateCallback cb);
    void setLogCallback(LogCallback cb);

    /// Checks the model (and adapters) with the GGUF reader, then spawns the server and returns (Starting).
    /// A bad GGUF or a missing file is an Invalid/Io error and nothing is started.
    core::Status start();
    /// Blocks until Ready (ok), Crashed/Stopped (the error), or the timeout (Timeout; the load goes on).
    core::Status waitUntilReady(std::chrono::milliseconds timeout);
    /// Stops a load in progress; the state becomes Stopped with "cancelled". Blocks until the child is gone.
    void cancelLoad();
    /// SIGTERM, then SIGKILL after the stop timeout; blocks until the child is reaped. Idempotent.
    void stop();

    [[nodiscard]] RunnerState state() const;
    [[nodiscard]] std::string lastError() const;
    [[nodiscard]] std::optional<RunnerEndpoint> endpoint() const; ///< only while Ready
    [[nodiscard]] RunnerProvenance provenance() const;
    [[nodiscard]] std::vector<std::string> logTail(std::size_t n) const;
    [[nodiscard]] int pid() const; ///< child pid, 0 when none
    [[nodiscard]] int restarts() const;
    /// Buffer sizes from the current child's load log (complete once Ready).
    [[nodiscard]] ReportedMemory reportedMemory() const;
    [[nodiscard]] const RunnerConfig& config() const { return m_config; }

private:
    struct Child {
        int pid = 0;
        int outFd = -1;
        std::uint16_t port = 0;
        std::string apiKey;
    };
    void monitor(std::stop_token stop);
    core::Result<Child> spawn();
    void setState(RunnerState s, const std::string& message);
    void appendOutput(const char* data, std::size_t n, std::string& partial);
    void startHashing();
    std::vector<std::string> buildArgs(std::uint16_t port) const;
    std::uint32_t effectiveThreads() const;

    const RunnerInstall m_install;
    const RunnerConfig m_config;
    StateCallback m_stateCb;
    LogCallback m_logCb;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    RunnerState m_state = RunnerState::Stopped; // guarded by m_mutex
    std::string m_lastError; // guarded by m_mutex
    std::deque<std::string> m_log; // guarded by m_mutex
    std::size_t m_loadLogStart = 0; // guarded by m_mutex: total lines before the current child started
    std::size_t m_totalLines = 0; // guarded by m_mutex
    Child m_child; // guarded by m_mutex
    std::string m_sha256; // guarded by m_mutex
    std::vector<std::string> m_devicesSeen; // guarded by m_mutex
    int m_restarts = 0; // guarded by m_mutex
    bool m_cancelled = false; // guarded by m_mutex
    std::thread::id m_monitorId; // guarded by m_mutex
    std::string m_quantization; // guarded by m_mutex
    int m_offloadableLayers = 0; // block_count + 1, from the GGUF header; guarded by m_mutex
    bool m_restartPending = false; // guarded by m_mutex

    std::mutex m_lifecycle; ///< serialises start()/stop()
    std::jthread m_monitor;
    std::jthread m_hasher; ///< hashes the model after Ready when no hash was given
    int m_wakeFd = -1; ///< eventfd that interrupts the monitor's poll()
};

} // namespace assay::gpu
