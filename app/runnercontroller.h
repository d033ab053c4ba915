// SPDX-License-Identifier: MIT
#pragma once

#include "devices.h"
#include "fitplan.h"
#include "modellibrary.h"
#include "runnersupervisor.h"

#include <QObject>
#include <QStringList>
#include <QTimer>

#include <future>
#include <map>
#include <memory>
#include <optional>

namespace assay::app {

/// What RunnerController::load starts besides the model.
struct RunnerLoadOptions {
    QString loraPath; ///< one adapter applied at scale 1.0; empty = none
    bool embeddings = false; ///< an embeddings server (mean pooling) instead of chat
};

/// The local GPU runner for the Models & Runner page: the model library (watched folders, metadata, background
/// SHA-256), the devices, the fit plan, and llama-server children (one RunnerSupervisor per loaded instance).
/// An instance is a model alone, the model with one LoRA adapter, or the model as an embeddings server; each is its
/// own llama-server, so the plain base and the adapted model answer side by side. (Switching the adapter scale on
/// one shared server would reuse a prompt cache computed with the other scale: research/llama.md §3.) The weights
/// are mmap'ed, so the page cache holds them once for all instances of a file. Instances are named by a key:
/// the model path for the model alone, so single-instance callers pass the path.
/// Blocking work (scans, device listing, start/stop) runs on QThreadPool threads; supervisor callbacks arrive on
/// their monitor threads and are forwarded with queued calls. Signals are emitted on the GUI thread.
/// Thread affinity: GUI thread.
class RunnerController : public QObject {
    Q_OBJECT
public:
    /// @p hashCachePath: the JSON file that caches model hashes by (path, size, mtime).
    explicit RunnerController(const QString& hashCachePath, QObject* parent = nullptr);
    ~RunnerController() override; ///< stops every server (no orphan) and waits for pool work

    /// Where llama-server is; an error text when it is not installed. Only files are looked at in the constructor:
    /// the version comes from running `llama-server --version` on a pool thread, so runnerVersion() is "" until
    /// runnerVersionChanged (runnerVersionKnown() tells "not yet" from "it did not say").
    bool runnerAvailable() const { return m_install.has_value(); }
    QString runnerProblem() const { return m_installProblem; }
    QString runnerVersion() const;
    bool runnerVersionKnown() const { return m_versionKnown; }

    void setFolders(const QStringList& folders);
    QStringList folders() const { return m_folders; }
    void rescan();
    void refreshDevices();
    const std::vector<gpu::LibraryEntry>& library() const { return m_entries; }
    const core::DeviceList& devices() const { return m_devices; }

    core::Result<gpu::FitPlan> plan(const QString& modelPath, const gpu::FitRequest& request) const;

    using LoadOptions = RunnerLoadOptions;
    /// The key of an instance: the path alone for the model alone.
    static QString instanceKey(const QString& modelPath, const LoadOptions& options = {});
    static QString modelPathOf(const QString& key);
    static LoadOptions optionsOf(const QString& key);
    /// "tiny-random-llama", "tiny-random-llama + tiny-lora", "tiny-random-llama (embeddings)": the model's name
    /// from the library (its file name before the scan), the adapter's file name.
    QString displayName(const QString& key) const;

    /// Starts the instance and returns its key (emits failed and returns "" when it cannot start).
    QString load(const QString& modelPath, const gpu::FitRequest& request, const LoadOptions& options = {});
    void unload(const QString& key);
    gpu::RunnerState state(const QString& key) const;
    std::optional<gpu::RunnerEndpoint> endpoint(const QString& key) const;
    std::optional<gpu::RunnerProvenance> provenance(const QString& key) const;
    /// The devices a Ready instance computes on ("CPU", "CUDA0"); empty while it is not Ready.
    QStringList computeDevices(const QString& key) const;
    /// The other Ready instances computing on a device @p key uses: a run sends them requests in turns.
    QStringList sharingADevice(const QString& key) const;
    /// Keys of the loaded (or loading) instances.
    QStringList loadedModels() const;

Q_SIGNALS:
    void libraryChanged();
    void devicesChanged();
    void hashProgress(const QString& path, double fraction);
    void runnerStateChanged(const QString& key, int state, const QString& message);
    void logLines(const QString& key, const QStringList& lines);
    void failed(const QString& message);
    void runnerVersionChanged(const QString& version);

private:
    void flushLogs();
    /// Logs, for a model now Ready, the loaded models it shares a compute device with (a run takes turns).
    void logSharedDevices(const QString& key);
    template <typename F> void inPool(F&& work);
    void probeVersion();
    /// On a pool thread: @p install with the probe's answer (waits for it, bounded by the probe's timeout).
    static gpu::RunnerInstall withVersion(gpu::RunnerInstall install, const std::shared_future<std::string>& version);

    std::optional<gpu::RunnerInstall> m_install;
    QString m_installProblem;
    std::shared_future<std::string> m_version; ///< the probe's answer, for pool jobs (never waited for here)
    bool m_versionKnown = false;
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
