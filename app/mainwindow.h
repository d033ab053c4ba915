// SPDX-License-Identifier: MIT
#pragma once

#include "workspacesnapshot.h"

#include <QMainWindow>

#include <memory>
#include <optional>
#include <vector>

class QActionGroup;
class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QToolButton;

namespace assay::core {
class LayeredSecretStore;
class SecretStore;
} // namespace assay::core

namespace assay::widgets {
class MessageBanner;
}

namespace assay::app {

class AppSettings;
class Page;
class LocalEndpoints;
class RunController;
class RunnerController;
class WorkspaceController;

/// The main window: a sidebar of pages (Catalog, Models & Runner, Compare, Evaluate, Review, Decide), the File menu
/// for workspaces, an inline message banner, and a status bar with the workspace, offline mode and background work.
/// Collaborators come in through the constructor (composition root: app/main.cpp or a test). GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum PageIndex { CatalogPage, ModelsPage, ComparePage, EvaluatePage, ReviewPage, DecidePage, PageCount };

    MainWindow(AppSettings& settings, WorkspaceController& workspace, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens the last workspace, or on first start creates the default one with the sample content.
    void openInitialWorkspace();

    void showPage(int index);
    int currentPage() const;
    Page* page(int index) const;
    const WorkspaceSnapshot* snapshot() const { return m_snapshot ? &*m_snapshot : nullptr; }
    widgets::MessageBanner* banner() const { return m_banner; }
    RunnerController* runner() const { return m_runner; }
    RunController* runs() const { return m_runs; }
    QString secretsDescription() const { return m_secretsDescription; }
    /// The key store runs use: the persistent store plus the local runners' in-memory keys.
    core::SecretStore* secrets() const;
    QString statusWorkspaceText() const;
    bool offline() const;

    // File menu commands; the dialogs are skipped when a path is given (tests, recent list).
    void newWorkspace(const QString& path = {});
    void openWorkspace(const QString& path = {});
    void saveWorkspaceAs(const QString& path = {});

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildStatusBar();
    void rebuildRecentMenu();
    void setOffline(bool offline);
    void onOpened(const WorkspaceSnapshot& snapshot);
    void onFailed(const QString& message);
    void onBusyChanged(bool busy, const QString& activity);
    QString dialogFolder() const;

    AppSettings& m_settings;
    WorkspaceController& m_workspace;
    std::optional<WorkspaceSnapshot> m_snapshot;
    QString m_secretsDescription; // which secret store is in use (status bar tooltip); before m_secrets
    std::unique_ptr<core::SecretStore> m_secrets;
    std::unique_ptr<core::LayeredSecretStore> m_layeredSecrets; // + the local runners' in-memory keys
    RunController* m_runs;
    RunnerController* m_runner;
    LocalEndpoints* m_localEndpoints;
    std::vector<Page*> m_pages;
    QListWidget* m_nav;
    QStackedWidget* m_stack;
    widgets::MessageBanner* m_banner;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_workspaceLabel = nullptr;
    QToolButton* m_offlineButton = nullptr;
    QLabel* m_activityLabel = nullptr;
    QProgressBar* m_activityBar = nullptr;
    QAction* m_offlineAction = nullptr;
};

} // namespace assay::app
