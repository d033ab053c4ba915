// SPDX-License-Identifier: MIT
#pragma once

#include "domain/model.h"
#include "http/httpclient.h"
#include "run/rundefinition.h"
#include "run/runprogress.h"
#include "secrets/secretstore.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>

namespace assay::core {
class RunScheduler;
}

namespace assay::app {

/// Runs on behalf of the GUI: resolves a RunDefinition against the open workspace and executes it with the run
/// engine (core::RunScheduler) on a thread of its own, reporting progress (throttled by the scheduler, ≤ 5/s) as
/// queued signals; tests endpoints ("test connection"). One run at a time. The HTTP client is shared by runs and
/// tests and follows the offline setting. Thread affinity: GUI thread.
class RunController : public QObject {
    Q_OBJECT
public:
    RunController(core::SecretStore& secrets, QObject* parent = nullptr);
    ~RunController() override; ///< cancels a running run and joins its thread

    void setOffline(bool offline);
    void setWorkspacePath(const QString& path) { m_workspacePath = path; }

    /// Starts @p definition (or resumes @p resumeRunId). Emits runStarted, progressChanged…, runFinished.
    void start(const core::RunDefinition& definition, const QString& resumeRunId = {});
    void cancel();
    bool isRunning() const { return m_running; }

    /// Sends a tiny request to @p endpoint (its key from the secret store); emits connectionTested.
    void testConnection(const core::Endpoint& endpoint);

    core::SecretStore& secrets() { return m_secrets; }

Q_SIGNALS:
    void runStarted(const QString& runId);
    void progressChanged(const assay::core::RunProgress& progress);
    void runFinished(const QString& runId, const QString& summary, bool ok);
    void connectionTested(const QString& endpointName, bool ok, const QString& message);

private:
    core::SecretStore& m_secrets;
    std::unique_ptr<core::HttpClient> m_http;
    QString m_workspacePath;
    std::atomic<core::RunScheduler*> m_scheduler { nullptr };
    std::atomic<bool> m_cancelRequested { false };
    bool m_running = false;
    std::jthread m_thread;
    std::jthread m_testThread;
};

} // namespace assay::app

Q_DECLARE_METATYPE(assay::core::RunProgress)
