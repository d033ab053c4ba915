// SPDX-License-Identifier: MIT
#pragma once

#include "domain/model.h"
#include "http/httpclient.h"
#include "models/comparemodel.h"
#include "run/rundefinition.h"
#include "run/runprogress.h"
#include "secrets/secretstore.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

class QTimer;

namespace assay::core {
class Db;
class RunPlan;
class RunScheduler;
} // namespace assay::core

namespace assay::app {

/// Runs on behalf of the GUI: resolves a RunDefinition against the open workspace and executes it with the run
/// engine (core::RunScheduler) on a thread of its own, reporting progress (throttled by the scheduler, ≤ 5/s) as
/// queued signals, and the streamed text and committed cells as liveUpdate batches (≤ 30/s, gathered from the
/// transfer threads under a mutex and handed over by a GUI-thread timer, so a fast stream never floods the event
/// loop); re-runs chosen cells of a stored run; tests endpoints ("test connection"). One run at a time. The HTTP
/// client is shared by runs and tests and follows the offline setting. Thread affinity: GUI thread.
class RunController : public QObject {
    Q_OBJECT
public:
    RunController(core::SecretStore& secrets, QObject* parent = nullptr);
    ~RunController() override; ///< cancels a running run and joins its thread

    void setOffline(bool offline);
    void setWorkspacePath(const QString& path) { m_workspacePath = path; }

    /// Starts @p definition (or resumes @p resumeRunId). Emits runStarted, progressChanged…, runFinished.
    void start(const core::RunDefinition& definition, const QString& resumeRunId = {});
    /// Requests @p cellKeys of the stored run @p runId again with the plan it was started with (never from the
    /// cache); each new outcome replaces the old cell. Emits the same signals as start().
    void rerunCells(const QString& runId, const std::vector<std::string>& cellKeys);
    void cancel();
    bool isRunning() const { return m_running; }

    /// Sends a tiny request to @p endpoint (its key from the secret store) on a thread of its own; emits
    /// connectionTested. Never waits: a test asked for while another runs cancels that one, whose answer is dropped.
    void testConnection(const core::Endpoint& endpoint);

    core::SecretStore& secrets() { return m_secrets; }

Q_SIGNALS:
    void runStarted(const QString& runId);
    void progressChanged(const assay::core::RunProgress& progress);
    void runFinished(const QString& runId, const QString& summary, bool ok);
    void connectionTested(const QString& endpointName, bool ok, const QString& message);
    /// Streamed pieces and committed cells since the last batch, in arrival order per cell.
    void liveUpdate(const QString& runId, const std::vector<assay::widgets::CompareDelta>& deltas,
        const std::vector<assay::core::RunCell>& cells);

private:
    using PlanMaker = std::function<core::Result<core::RunPlan>(core::Db&)>;
    void execute(PlanMaker makePlan, const std::string& resumeRunId, std::vector<std::string> rerunKeys);
    void flushLive();
    void runTest(const core::Endpoint& endpoint, std::uint64_t job, std::stop_token stop);

    core::SecretStore& m_secrets;
    std::unique_ptr<core::HttpClient> m_http;
    QString m_workspacePath;
    bool m_running = false;
    std::jthread m_thread; ///< the run; its stop state is the run's cancel (SchedulerOptions::cancel)
    struct TestThread {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done; ///< set as the thread's last act
    };
    std::vector<TestThread> m_tests; ///< the latest test and earlier ones still stopping
    std::uint64_t m_testJob = 0; ///< the latest test; answers of earlier ones are dropped
    QTimer* m_liveTimer;
    QString m_liveRunId;
    std::mutex m_liveMutex;
    std::vector<widgets::CompareDelta> m_deltas; ///< guarded by m_liveMutex
    std::unordered_map<std::string, std::size_t> m_deltaIndex; ///< key -> index in m_deltas; guarded by m_liveMutex
    std::vector<core::RunCell> m_cells; ///< guarded by m_liveMutex
};

} // namespace assay::app

Q_DECLARE_METATYPE(assay::core::RunProgress)
