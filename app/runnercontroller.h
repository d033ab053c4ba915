// SPDX-License-Identifier: MIT
#pragma once

#include "devices.h"
#include "fitplan.h"
#include "modellibrary.h"
#include "runnersupervisor.h"

#include <QObject>
#include <QStringList>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>

namespace assay::app {

/// The local GPU runner for the Models & Runner page: the model library (watched folders, metadata, background
/// SHA-256), the devices, the fit plan, and llama-server children (one RunnerSupervisor per loaded model).
/// Blocking work (scans, device listing, start/stop) runs on QThreadPool threads; supervisor callbacks arrive on
/// their monitor threads and are forwarded with queued calls. Signals are emitted on the GUI thread.
/// Thread affinity: GUI thread.
class RunnerController : public QObject {
    Q_OBJECT
public:
    /// @p hashCachePath: the JSON file that caches model hashes by (path, size, mtime).
    explicit RunnerController(const QString& hashCachePath, QObject* parent = nullptr);
    ~RunnerController() override; ///< stops every server (no orphan) and waits for pool work

    /// Where llama-server is; an error text when it is not installed.
    bool runnerAvailable() const { return m_install.has_value(); }
    QString runnerProblem() const { return m_installProblem; }
    QString runnerVersion() const;

    void setFolders(const QStringList& folders);
    QStringList folders() const { return m_folders; }
    void rescan();
    void refreshDevices();
    const std::vector<gpu::LibraryEntry>& library() const { return m_entries; }
    const core::DeviceList& devices() const { return m_devices; }

    core::Result<gpu::FitPlan> plan(const QString& modelPath, const gpu::FitRequest& request) const;

    void load(const QString& modelPath, const gpu::FitRequest& request);
    void unload(const QString& modelPath);
    gpu::RunnerState state(const QString& modelPath) const;
    std::optional<gpu::RunnerEndpoint> endpoint(const QString& modelPath) const;
    std::optional<gpu::RunnerProvenance> provenance(const QString& modelPath) const;
    QStringList loadedModels() const;

Q_SIGNALS:
    void libraryChanged();
    void devicesChanged();
    void hashProgress(const QString& path, double fraction);
    void runnerStateChanged(const QString& modelPath, int state, const QString& message);
    void logLines(const QString& modelPath, const QStringList& lines);
    void failed(const QString& message);

private:
    void flushLogs();
    template <typename F> void inPool(F&& work);

    std::optional<gpu::RunnerInstall> m_install;
    QString m_installProblem;
    std::unique_ptr<gpu::ModelLibrary> m_library;
    QStringList m_folders;
    std::vector<gpu::LibraryEntry> m_entries;
    core::DeviceList m_devices;
    std::map<QString, std::shared_ptr<gpu::RunnerSupervisor>> m_runners;
    std::map<QString, gpu::FitPlan> m_plans; // what was shown before loading, compared after Ready
    std::map<QString, QStringList> m_pendingLogs; // batched: the log view updates at most 10×/s
    QTimer m_logTimer;
    int m_poolJobs = 0;
};

} // namespace assay::app
