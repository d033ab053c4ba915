// SPDX-License-Identifier: MIT
#include "runnercontroller.h"

#include "run/providerfactory.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QPointer>
#include <QThreadPool>

#include <future>

namespace assay::app {

RunnerController::RunnerController(const QString& hashCachePath, QObject* parent)
    : QObject(parent)
    , m_library(std::make_unique<gpu::ModelLibrary>(hashCachePath.toStdString()))
{
    // Only files are looked at here; the version comes from running the server, on a pool thread.
    auto install = gpu::locateRunner(QCoreApplication::applicationDirPath().toStdString(), gpu::RunnerProbe::PathOnly);
    if (install) {
        m_install = *install;
        probeVersion();
    } else {
        m_installProblem = QString::fromStdString(install.error().message);
    }
    m_devices.devices.push_back(gpu::cpuDevice());
    m_logTimer.setInterval(100);
    connect(&m_logTimer, &QTimer::timeout, this, &RunnerController::flushLogs);
    m_logTimer.start();
}

RunnerController::~RunnerController()
{
    for (auto& [path, runner] : m_runners)
        runner->stop();
    m_library->cancelHashing();
    // Pool jobs post back to `this`; wait for them so none outlives the controller.
    QThreadPool::globalInstance()->waitForDone();
}

QString RunnerController::runnerVersion() const
{
    return m_install ? QString::fromStdString(m_install->version) : QString();
}

template <typename F> void RunnerController::inPool(F&& work)
{
    QThreadPool::globalInstance()->start(std::forward<F>(work));
}

void RunnerController::probeVersion()
{
    auto answered = std::make_shared<std::promise<std::string>>();
    m_version = answered->get_future().share();
    inPool([this, answered, path = m_install->serverPath] {
        const std::string version = gpu::runnerVersion(path);
        // Posted before the promise is kept: whatever a pool job posts after waiting for it arrives later.
        QMetaObject::invokeMethod(
            this,
            [this, v = QString::fromStdString(version)] {
                if (m_install)
                    m_install->version = v.toStdString();
                m_versionKnown = true;
                Q_EMIT runnerVersionChanged(v);
            },
            Qt::QueuedConnection);
        answered->set_value(version);
    });
}

gpu::RunnerInstall RunnerController::withVersion(
    gpu::RunnerInstall install, const std::shared_future<std::string>& version)
{
    if (version.valid())
        install.version = version.get(); // pool thread: waits for the probe (bounded by its timeout)
    return install;
}

void RunnerController::setFolders(const QStringList& folders)
{
    m_folders = folders;
    std::vector<std::string> list;
    for (const QString& f : folders)
        list.push_back(f.toStdString());
    m_library->setFolders(std::move(list));
    rescan();
}

void RunnerController::rescan()
{
    gpu::ModelLibrary* library = m_library.get();
    inPool([this, library] {
        const core::Status scanned = library->scan();
        auto entries = library->entries();
        QMetaObject::invokeMethod(
            this,
            [this, scanned, entries = std::move(entries)]() mutable {
                m_entries = std::move(entries);
                if (!scanned)
                    Q_EMIT failed(QString::fromStdString(scanned.error().message));
                Q_EMIT libraryChanged();
                // Hash in the background; the table shows progress and then the hash.
                m_library->startHashing([this](const std::string& path, std::uint64_t done, std::uint64_t total) {
                    const double fraction = total ? double(done) / double(total) : 1.0;
                    QMetaObject::invokeMethod(
                        this,
                        [this, p = QString::fromStdString(path), fraction] {
                            Q_EMIT hashProgress(p, fraction);
                            if (fraction >= 1.0) {
                                m_entries = m_library->entries();
                                Q_EMIT libraryChanged();
                            }
                        },
                        Qt::QueuedConnection);
                });
            },
            Qt::QueuedConnection);
    });
}

void RunnerController::refreshDevices()
{
    if (!m_install)
        return;
    inPool([this, install = *m_install, version = m_version] {
        core::DeviceList list = gpu::listDevices(withVersion(install, version));
        QMetaObject::invokeMethod(
            this,
            [this, list = std::move(list)]() mutable {
                m_devices = std::move(list);
                Q_EMIT devicesChanged();
            },
            Qt::QueuedConnection);
    });
}

core::Result<gpu::FitPlan> RunnerController::plan(const QString& modelPath, const gpu::FitRequest& request) const
{
    for (const gpu::LibraryEntry& e : m_entries)
        if (QString::fromStdString(e.path) == modelPath) {
            if (!e.info)
                return core::makeError(core::ErrorCode::Invalid, e.error);
            return gpu::planFit(*e.info, m_devices.devices, request);
        }
    return core::makeError(core::ErrorCode::NotFound, "the model is not in the library: " + modelPath.toStdString());
}

namespace {
constexpr QChar kKeySeparator(0x1f); // never in a path the library lists
}

QString RunnerController::instanceKey(const QString& modelPath, const LoadOptions& options)
{
    if (options.embeddings)
        return modelPath + kKeySeparator + QStringLiteral("embeddings");
    if (!options.loraPath.isEmpty())
        return modelPath + kKeySeparator + QStringLiteral("lora=") + options.loraPath;
    return modelPath;
}

QString RunnerController::modelPathOf(const QString& key)
{
    return key.section(kKeySeparator, 0, 0);
}

RunnerController::LoadOptions RunnerController::optionsOf(const QString& key)
{
    LoadOptions o;
    const QString rest = key.section(kKeySeparator, 1);
    if (rest == QStringLiteral("embeddings"))
        o.embeddings = true;
    else if (rest.startsWith(QStringLiteral("lora=")))
        o.loraPath = rest.mid(5);
    return o;
}

QString RunnerController::displayName(const QString& key) const
{
    const QString path = modelPathOf(key);
    QString name = QFileInfo(path).completeBaseName();
    for (const gpu::LibraryEntry& e : m_entries)
        if (QString::fromStdString(e.path) == path && e.info && !e.info->name.empty())
            name = QString::fromStdString(e.info->name);
    const LoadOptions o = optionsOf(key);
    if (o.embeddings)
        return tr("%1 (embeddings)").arg(name);
    if (!o.loraPath.isEmpty())
        return QStringLiteral("%1 + %2").arg(name, QFileInfo(o.loraPath).completeBaseName());
    return name;
}

QString RunnerController::load(const QString& modelPath, const gpu::FitRequest& request, const LoadOptions& options)
{
    if (!m_install) {
        Q_EMIT failed(tr("The local runner (llama-server) is not installed. %1").arg(m_installProblem));
        return {};
    }
    const QString key = instanceKey(modelPath, options);
    if (m_runners.count(key)) {
        Q_EMIT failed(tr("%1 is already loaded.").arg(displayName(key)));
        return {};
    }
    auto fit = plan(modelPath, request);
    if (!fit) {
        Q_EMIT failed(QString::fromStdString(fit.error().message));
        return {};
    }
    m_plans[key] = *fit;
    gpu::RunnerConfig config;
    config.modelPath = modelPath.toStdString();
    config.contextSize = request.contextSize;
    config.parallel = request.parallel;
    config.gpuLayers = fit->gpuLayers;
    config.cacheTypeK = request.cacheTypeK;
    config.cacheTypeV = request.cacheTypeV;
    config.device = request.gpuDevice;
    config.embeddings = options.embeddings;
    if (!options.loraPath.isEmpty()) {
        config.loraPaths = { options.loraPath.toStdString() };
        // Its own model id: the request hash (the result cache's key) covers the model id, so the adapted model's
        // outputs are never served from the base model's cache, or the other way round.
        const QString alias
            = QFileInfo(modelPath).fileName() + QStringLiteral("+") + QFileInfo(options.loraPath).fileName();
        config.alias = alias.toStdString();
    }
    for (const gpu::LibraryEntry& e : m_entries)
        if (e.path == config.modelPath)
            config.modelSha256 = e.sha256;
    auto runner = std::make_shared<gpu::RunnerSupervisor>(*m_install, config);
    runner->setStateCallback([this, key](gpu::RunnerState s, const std::string& message) {
        QMetaObject::invokeMethod(
            this,
            [this, key, s, msg = QString::fromStdString(message)] {
                if (s == gpu::RunnerState::Ready) {
                    auto it = m_runners.find(key);
                    auto plan = m_plans.find(key);
                    if (it != m_runners.end() && plan != m_plans.end()) {
                        const gpu::FitComparison cmp = gpu::compareFit(plan->second, it->second->reportedMemory());
                        m_pendingLogs[key] << QStringLiteral("[assay] ") + QString::fromStdString(cmp.summary);
                    }
                    logSharedDevices(key);
                }
                Q_EMIT runnerStateChanged(key, static_cast<int>(s), msg);
            },
            Qt::QueuedConnection);
    });
    runner->setLogCallback([this, key](const std::string& line) {
        QMetaObject::invokeMethod(
            this, [this, key, l = QString::fromStdString(line)] { m_pendingLogs[key] << l; }, Qt::QueuedConnection);
    });
    m_runners[key] = runner;
    Q_EMIT runnerStateChanged(key, static_cast<int>(gpu::RunnerState::Starting), tr("starting"));
    inPool([this, runner, key, version = m_version] {
        if (version.valid())
            version.wait(); // so the version is in (RunnerController::provenance) before the server can be Ready
        const core::Status started = runner->start();
        if (!started)
            QMetaObject::invokeMethod(
                this,
                [this, key, msg = QString::fromStdString(started.error().message)] {
                    m_runners.erase(key);
                    Q_EMIT runnerStateChanged(key, static_cast<int>(gpu::RunnerState::Crashed), msg);
                    Q_EMIT failed(msg);
                },
                Qt::QueuedConnection);
    });
    return key;
}

namespace {
std::vector<std::string> devicesOf(const std::shared_ptr<gpu::RunnerSupervisor>& runner)
{
    return runner->state() == gpu::RunnerState::Ready ? runner->provenance().computeDevices
                                                      : std::vector<std::string> {};
}
} // namespace

QStringList RunnerController::computeDevices(const QString& key) const
{
    QStringList out;
    if (const auto it = m_runners.find(key); it != m_runners.end())
        for (const std::string& d : devicesOf(it->second))
            out << QString::fromStdString(d);
    return out;
}

QStringList RunnerController::sharingADevice(const QString& key) const
{
    const auto mine = m_runners.find(key);
    if (mine == m_runners.end())
        return {};
    const std::vector<std::string> devices = devicesOf(mine->second);
    QStringList others;
    for (const auto& [other, runner] : m_runners)
        if (other != key && core::ProviderFactory::shareADevice(devices, devicesOf(runner)))
            others << other;
    return others;
}

void RunnerController::logSharedDevices(const QString& key)
{
    const QStringList others = sharingADevice(key);
    if (others.isEmpty())
        return;
    QStringList names;
    for (const QString& other : others)
        names << QStringLiteral("'%1'").arg(displayName(other));
    m_pendingLogs[key] << QStringLiteral("[assay] ")
            + tr("Computes on %1 like %2: a run sends them requests in turns, because two servers computing at once "
                 "on the same device slow each other down many times over.")
                  .arg(computeDevices(key).join(QStringLiteral(", ")), names.join(QStringLiteral(", ")));
}

void RunnerController::unload(const QString& key)
{
    auto it = m_runners.find(key);
    if (it == m_runners.end())
        return;
    std::shared_ptr<gpu::RunnerSupervisor> runner = it->second;
    m_runners.erase(it);
    // At once, not when the child is gone: its endpoint stops taking runs now (the key is forgotten).
    Q_EMIT runnerStateChanged(key, static_cast<int>(gpu::RunnerState::Stopping), tr("unloading"));
    inPool([runner] { runner->stop(); }); // blocks until the child is reaped; the last reference goes with it
}

gpu::RunnerState RunnerController::state(const QString& key) const
{
    auto it = m_runners.find(key);
    return it == m_runners.end() ? gpu::RunnerState::Stopped : it->second->state();
}

std::optional<gpu::RunnerEndpoint> RunnerController::endpoint(const QString& key) const
{
    auto it = m_runners.find(key);
    return it == m_runners.end() ? std::nullopt : it->second->endpoint();
}

std::optional<gpu::RunnerProvenance> RunnerController::provenance(const QString& key) const
{
    auto it = m_runners.find(key);
    if (it == m_runners.end())
        return std::nullopt;
    gpu::RunnerProvenance p = it->second->provenance();
    if (p.runnerBuild.empty() && m_install)
        p.runnerBuild = m_install->version; // a server loaded before the version probe answered
    return p;
}

QStringList RunnerController::loadedModels() const
{
    QStringList list;
    for (const auto& [path, runner] : m_runners)
        list << path;
    return list;
}

void RunnerController::flushLogs()
{
    for (auto& [path, lines] : m_pendingLogs)
        if (!lines.isEmpty())
            Q_EMIT logLines(path, std::exchange(lines, {}));
}

} // namespace assay::app
