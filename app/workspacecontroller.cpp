// SPDX-License-Identifier: MIT
#include "workspacecontroller.h"

#include "workspacereader.h"

#include "samples/samples.h"
#include "storage/workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <optional>

namespace assay::app {

/// Owns the workspace connection; every method runs on the controller's thread.
class WorkspaceWorker : public QObject {
    Q_OBJECT
public:
    core::Result<WorkspaceSnapshot> open(const std::string& path)
    {
        if (!QFileInfo::exists(QString::fromStdString(path)))
            return core::makeError(core::ErrorCode::NotFound, "there is no file at " + path);
        auto db = core::Workspace::open(path);
        if (!db)
            return db.error();
        return adopt(std::move(*db), path, false);
    }

    core::Result<WorkspaceSnapshot> create(const std::string& path, bool withSamples)
    {
        auto db = core::Workspace::create(path);
        if (!db)
            return db.error();
        if (withSamples) {
            if (auto seeded = core::seedSamples(*db); !seeded) {
                *db = core::Db {}; // close before removing the file
                QFile::remove(QString::fromStdString(path)); // never leave a half-seeded workspace behind
                return seeded.error();
            }
        }
        return adopt(std::move(*db), path, true);
    }

    core::Result<WorkspaceSnapshot> openOrCreate(const std::string& path)
    {
        const QString qpath = QString::fromStdString(path);
        if (QFileInfo::exists(qpath))
            return open(path);
        if (!QDir().mkpath(QFileInfo(qpath).absolutePath()))
            return core::makeError(core::ErrorCode::Io, "the folder of " + path + " cannot be created");
        return create(path, true);
    }

    core::Result<WorkspaceSnapshot> saveAs(const std::string& target)
    {
        if (!m_db)
            return core::makeError(core::ErrorCode::NotFound, "no workspace is open");
        if (auto copied = core::Workspace::saveCopy(*m_db, target); !copied)
            return copied.error();
        return open(target);
    }

    core::Result<WorkspaceSnapshot> refresh()
    {
        if (!m_db)
            return core::makeError(core::ErrorCode::NotFound, "no workspace is open");
        return readSnapshot(*m_db, m_path);
    }

    void close() { m_db.reset(); }
    core::Db* db() { return m_db ? &*m_db : nullptr; }

private:
    core::Result<WorkspaceSnapshot> adopt(core::Db db, const std::string& path, bool createdNow)
    {
        auto snapshot = readSnapshot(db, path);
        if (!snapshot)
            return snapshot.error();
        snapshot->createdNow = createdNow;
        m_db = std::move(db); // only now: a failed read keeps the previous workspace current
        m_path = path;
        return snapshot;
    }

    std::optional<core::Db> m_db;
    std::string m_path;
};

WorkspaceController::WorkspaceController(QObject* parent)
    : QObject(parent)
    , m_worker(new WorkspaceWorker)
{
    qRegisterMetaType<WorkspaceSnapshot>();
    m_thread.setObjectName(QStringLiteral("assay-workspace"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

WorkspaceController::~WorkspaceController()
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->close(); }, Qt::QueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

template <typename F> void WorkspaceController::post(const QString& activity, F&& work)
{
    if (m_pending++ == 0)
        Q_EMIT busyChanged(true, activity);
    QMetaObject::invokeMethod(
        m_worker,
        [this, worker = m_worker, work = std::forward<F>(work)]() mutable {
            core::Result<WorkspaceSnapshot> result = work(*worker);
            // Back to the GUI thread; `this` outlives the worker thread (the destructor joins it).
            QMetaObject::invokeMethod(
                this,
                [this, result = std::move(result)]() mutable {
                    if (result) {
                        m_currentPath = QString::fromStdString(result->path);
                        Q_EMIT opened(*result);
                    } else {
                        Q_EMIT failed(QString::fromStdString(result.error().message));
                    }
                    finishRequest();
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void WorkspaceController::runOnWorker(std::function<void(core::Db*)> job)
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, job = std::move(job)] { job(worker->db()); }, Qt::QueuedConnection);
}

void WorkspaceController::finishRequest()
{
    if (--m_pending == 0)
        Q_EMIT busyChanged(false, {});
}

namespace {
// Wraps a request so its error message is the full user sentence.
template <typename F> auto described(F f, QString action, QString path)
{
    return [f = std::move(f), action = std::move(action), path = std::move(path)](
               WorkspaceWorker& w) -> core::Result<WorkspaceSnapshot> {
        auto r = f(w);
        if (r)
            return r;
        core::Error e = r.error();
        e.message = WorkspaceController::describe(r.error(), action, path).toStdString();
        return e;
    };
}
} // namespace

void WorkspaceController::open(const QString& path)
{
    post(tr("Opening %1…").arg(QFileInfo(path).fileName()),
        described([p = path.toStdString()](WorkspaceWorker& w) { return w.open(p); }, tr("open"), path));
}

void WorkspaceController::create(const QString& path, bool withSamples)
{
    post(tr("Creating %1…").arg(QFileInfo(path).fileName()),
        described([p = path.toStdString(), withSamples](WorkspaceWorker& w) { return w.create(p, withSamples); },
            tr("create"), path));
}

void WorkspaceController::openOrCreateWithSamples(const QString& path)
{
    post(tr("Opening %1…").arg(QFileInfo(path).fileName()),
        described([p = path.toStdString()](WorkspaceWorker& w) { return w.openOrCreate(p); }, tr("open"), path));
}

void WorkspaceController::saveAs(const QString& target)
{
    post(tr("Saving a copy as %1…").arg(QFileInfo(target).fileName()),
        described([p = target.toStdString()](WorkspaceWorker& w) { return w.saveAs(p); }, tr("save"), target));
}

void WorkspaceController::refresh()
{
    post(tr("Reading the workspace…"),
        described([](WorkspaceWorker& w) { return w.refresh(); }, tr("read"), m_currentPath));
}

QString WorkspaceController::describe(const core::Error& error, const QString& action, const QString& path)
{
    // Core's messages are complete sentences that name the file; add what the user can do about it.
    QString text = QString::fromStdString(error.message);
    if (text.isEmpty())
        text = tr("“%1” failed (%2).")
                   .arg(QDir::toNativeSeparators(path), QLatin1String(core::errorCodeName(error.code)));
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    if (!text.endsWith(QLatin1Char('.')))
        text += QLatin1Char('.');
    QString hint;
    QString key; // a phrase that shows the message already carries the hint
    switch (error.code) {
    case core::ErrorCode::NewerSchema:
        hint = tr("Update Assay to open it.");
        key = tr("update assay");
        break;
    case core::ErrorCode::Corrupt:
        hint = tr("Restore it from a backup; Assay has not changed it.");
        key = tr("backup");
        break;
    case core::ErrorCode::ReadOnly:
        hint = tr("Copy it somewhere writable, or change its permissions.");
        key = tr("somewhere writable");
        break;
    default:
        break;
    }
    QString result = tr("Could not %1 the workspace. %2").arg(action, text);
    if (!hint.isEmpty() && !text.contains(key, Qt::CaseInsensitive))
        result += QLatin1Char(' ') + hint;
    return result;
}

} // namespace assay::app

#include "workspacecontroller.moc"
