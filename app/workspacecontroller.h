// SPDX-License-Identifier: MIT
#pragma once

#include "workspacesnapshot.h"

#include "storage/db.h"
#include "util/result.h"

#include <functional>
#include <memory>

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

namespace assay::app {

class WorkspaceWorker;

/// Opens, creates, copies and reads the current workspace on its own thread (which holds the workspace's
/// SQLite connection), so the GUI thread never waits on the disk. Requests run in the order they are made.
/// A failed open leaves the previous workspace open and nothing on disk changed.
/// Thread affinity: GUI thread (the worker lives on m_thread).
class WorkspaceController : public QObject {
    Q_OBJECT
public:
    explicit WorkspaceController(QObject* parent = nullptr);
    ~WorkspaceController() override; ///< finishes the running request, closes the connection, joins the thread

    /// Opens an existing workspace file.
    void open(const QString& path);
    /// Creates a new, empty workspace (or one with the sample content) at @p path, which must not exist.
    void create(const QString& path, bool withSamples);
    /// First start: opens @p path, creating it with the sample content when it does not exist yet.
    void openOrCreateWithSamples(const QString& path);
    /// Writes a consistent copy of the current workspace to @p target and continues in the copy.
    void saveAs(const QString& target);
    /// Re-reads the current workspace (after another component changed it).
    void refresh();

    /// Runs @p work with the workspace's connection on the workspace thread, after the requests before it, and
    /// hands its result to @p done on the GUI thread (dropped when @p context is gone by then). Without an open
    /// workspace @p done gets NotFound.
    template <typename T>
    void call(
        QObject* context, std::function<core::Result<T>(core::Db&)> work, std::function<void(core::Result<T>)> done)
    {
        runOnWorker([this, context = QPointer<QObject>(context), work = std::move(work), done = std::move(done)](
                        core::Db* db) mutable {
            auto result = std::make_shared<core::Result<T>>(
                db ? work(*db) : core::Result<T>(core::makeError(core::ErrorCode::NotFound, "no workspace is open")));
            QMetaObject::invokeMethod(
                this,
                [context, done = std::move(done), result]() mutable {
                    if (context) // read on the GUI thread, where context lives
                        done(std::move(*result));
                },
                Qt::QueuedConnection);
        });
    }

    QString currentPath() const { return m_currentPath; }
    bool isBusy() const { return m_pending > 0; }

    /// One sentence for the user about @p error while doing @p action on @p path.
    static QString describe(const core::Error& error, const QString& action, const QString& path);

Q_SIGNALS:
    void opened(const assay::app::WorkspaceSnapshot& snapshot);
    void failed(const QString& message);
    void busyChanged(bool busy, const QString& activity);

private:
    template <typename F> void post(const QString& activity, F&& work);
    void finishRequest();
    void runOnWorker(std::function<void(core::Db*)> job);

    QThread m_thread;
    WorkspaceWorker* m_worker; // lives on m_thread; deleted there when the thread finishes
    QString m_currentPath;
    int m_pending = 0;
};

} // namespace assay::app
