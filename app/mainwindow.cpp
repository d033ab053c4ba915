// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "appsettings.h"
#include "catalogcontroller.h"
#include "keychainsecretstore.h"
#include "localendpoints.h"
#include "messagebanner.h"
#include "pages/catalogpage.h"
#include "pages/emptypage.h"
#include "pages/endpointspanel.h"
#include "pages/modelspage.h"
#include "pages/runspage.h"
#include "runcontroller.h"
#include "runnercontroller.h"
#include "secrets/filesecretstore.h"
#include "secrets/layeredsecretstore.h"
#include "workspacecontroller.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace assay::app {

namespace {
const QString kFilter = QObject::tr("Assay workspaces (*.assay);;All files (*)");

QString withSuffix(QString path)
{
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".assay");
    return path;
}
} // namespace

MainWindow::MainWindow(AppSettings& settings, WorkspaceController& workspace, QWidget* parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_workspace(workspace)
    , m_secrets(std::make_unique<ProbedSecretStore>()) // asks the OS keyring off the GUI thread
    , m_layeredSecrets(std::make_unique<core::LayeredSecretStore>(*m_secrets))
    , m_runs(new RunController(*m_layeredSecrets, this))
    , m_runner(new RunnerController(QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                                        .filePath(QStringLiteral("model-hashes.json")),
          this))
    , m_localEndpoints(new LocalEndpoints(m_workspace, *m_layeredSecrets, this))
    , m_nav(new QListWidget(this))
    , m_stack(new QStackedWidget(this))
    , m_banner(new widgets::MessageBanner(this))
{
    setWindowTitle(tr("Assay"));
    setObjectName(QStringLiteral("mainWindow"));
    QStyle* st = style();
    m_pages = {
        new app::CatalogPage(*new CatalogController(m_workspace, this), this),
        new app::ModelsPage(*m_runner, m_workspace, *m_runs, this),
        new RunsPage(m_workspace, *m_runs, this),
        new EmptyPage({ tr("Evaluate"), tr("Metrics on labeled data and LLM-as-judge verdicts on unlabeled data."),
                          tr("Nothing evaluated yet"),
                          tr("Accuracy, precision, recall, F1, ROUGE, BLEU and cosine similarity against the "
                             "expected outputs, and judge verdicts with their rationale, appear here once a run has "
                             "outputs to score.") },
            st->standardIcon(QStyle::SP_DialogApplyButton), this),
        new EmptyPage({ tr("Review"), tr("Human rating panes: reviewers score outputs, blind and side by side."),
                          tr("No review tasks"),
                          tr("Review tasks assign a run's outputs to reviewers, who rate them on a scale with "
                             "comments. Ratings are committed one by one, so none is lost.") },
            st->standardIcon(QStyle::SP_FileDialogInfoView), this),
        new EmptyPage({ tr("Decide"), tr("Cost, precision and speed weighed by your own priorities."),
                          tr("Nothing to decide on yet"),
                          tr("When runs have been evaluated, a radar chart compares the candidate models on cost, "
                             "precision and speed, weighted by the priorities you set here.") },
            st->standardIcon(QStyle::SP_ArrowUp), this),
    };

    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setIconSize(QSize(22, 22));
    m_nav->setSpacing(2);
    m_nav->setFrameShape(QFrame::NoFrame);
    m_nav->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    int navWidth = 0;
    for (std::size_t i = 0; i < m_pages.size(); ++i) {
        Page* p = m_pages[i];
        auto* item = new QListWidgetItem(p->icon(), p->title(), m_nav);
        item->setToolTip(tr("%1 (Ctrl+%2)").arg(p->title()).arg(i + 1));
        item->setSizeHint(QSize(0, 34));
        navWidth = std::max(navWidth, m_nav->fontMetrics().horizontalAdvance(p->title()));
        m_stack->addWidget(p);
    }
    m_nav->setFixedWidth(navWidth + 22 + 48);
    QPalette navPalette = m_nav->palette();
    navPalette.setColor(QPalette::Base, palette().color(QPalette::Window));
    m_nav->setPalette(navPalette);
    connect(m_nav, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0) {
            m_stack->setCurrentIndex(row);
            m_settings.setLastPage(row);
        }
    });

    auto* content = new QWidget(this);
    auto* right = new QVBoxLayout;
    right->setContentsMargins(12, 10, 12, 6);
    right->addWidget(m_banner);
    right->addWidget(m_stack, 1);
    auto* layout = new QHBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_nav);
    auto* line = new QFrame(content);
    line->setFrameShape(QFrame::VLine);
    line->setFrameShadow(QFrame::Plain);
    line->setForegroundRole(QPalette::Mid);
    layout->addWidget(line);
    layout->addLayout(right, 1);
    setCentralWidget(content);

    buildMenus();
    buildStatusBar();

    // The local runner: folders from the settings, kept when the user adds one; devices listed off the GUI thread.
    QDir().mkpath(m_settings.modelFolders().value(0));
    m_runner->setFolders(m_settings.modelFolders());
    m_runner->refreshDevices();
    connect(
        m_runner, &RunnerController::libraryChanged, this, [this] { m_settings.setModelFolders(m_runner->folders()); });
    // Which store holds the API keys: "asking the OS keyring…" until the probe answers, then its answer.
    const auto showSecrets = [this](const QString& description) {
        m_secretsDescription = description;
        static_cast<app::ModelsPage*>(m_pages[ModelsPage])->endpointsPanel()->setSecretsDescription(description);
    };
    auto* probed = static_cast<ProbedSecretStore*>(m_secrets.get());
    showSecrets(probed->description());
    connect(probed, &ProbedSecretStore::decided, this, showSecrets);
    connect(m_localEndpoints, &LocalEndpoints::failed, this, &MainWindow::onFailed);
    // A model that became Ready is an endpoint like any other (runs, Compare, judging); unloading forgets its key.
    // Each instance (the model alone, with an adapter, for embeddings) is its own endpoint, named by displayName.
    connect(
        m_runner, &RunnerController::runnerStateChanged, this, [this](const QString& key, int state, const QString&) {
            const auto s = static_cast<gpu::RunnerState>(state);
            const QString name = m_runner->displayName(key);
            QString quantization;
            for (const gpu::LibraryEntry& e : m_runner->library())
                if (QString::fromStdString(e.path) == RunnerController::modelPathOf(key) && e.info)
                    quantization = QString::fromStdString(e.info->quantization);
            if (s == gpu::RunnerState::Ready && m_snapshot) {
                auto endpoint = m_runner->endpoint(key);
                auto provenance = m_runner->provenance(key);
                if (endpoint && provenance)
                    m_localEndpoints->registerLoaded(name, *endpoint, *provenance, quantization);
            } else if (s == gpu::RunnerState::Stopping || s == gpu::RunnerState::Stopped
                || s == gpu::RunnerState::Crashed) {
                m_localEndpoints->forget(name);
            }
        });

    connect(&m_workspace, &WorkspaceController::opened, this, &MainWindow::onOpened);
    connect(&m_workspace, &WorkspaceController::failed, this, &MainWindow::onFailed);
    connect(&m_workspace, &WorkspaceController::busyChanged, this, &MainWindow::onBusyChanged);

    for (Page* p : m_pages)
        p->showWorkspace(nullptr);
    showPage(std::clamp(m_settings.lastPage(), 0, PageCount - 1));
    setOffline(m_settings.offline());
    resize(1180, 760);
    if (!m_settings.windowGeometry().isEmpty()) {
        restoreGeometry(m_settings.windowGeometry());
        restoreState(m_settings.windowState());
    }
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newAction = file->addAction(tr("&New Workspace…"), this, [this] { newWorkspace(); });
    newAction->setShortcut(QKeySequence::New);
    QAction* openAction = file->addAction(tr("&Open Workspace…"), this, [this] { openWorkspace(); });
    openAction->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction* saveAs = file->addAction(tr("Save &As…"), this, [this] { saveWorkspaceAs(); });
    saveAs->setShortcut(QKeySequence::SaveAs);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < PageCount; ++i) {
        QAction* a = view->addAction(m_pages[static_cast<std::size_t>(i)]->title(), this, [this, i] { showPage(i); });
        a->setShortcut(QKeySequence(QKeyCombination(Qt::ControlModifier, static_cast<Qt::Key>(Qt::Key_1 + i))));
        a->setObjectName(QStringLiteral("showPage%1").arg(i + 1));
    }
    view->addSeparator();
    m_offlineAction = view->addAction(tr("&Offline Mode"), this, [this](bool on) { setOffline(on); });
    m_offlineAction->setCheckable(true);
    m_offlineAction->setToolTip(tr("Refuse every request to a host that is not this machine"));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Assay"), this, [this] {
        QMessageBox::about(this, tr("About Assay"),
            tr("<b>Assay %1</b><p>A workbench for prompt engineering and LLM evaluation.</p>")
                .arg(QStringLiteral(ASSAY_VERSION)));
    });
}

void MainWindow::buildStatusBar()
{
    m_workspaceLabel = new QLabel(this);
    m_workspaceLabel->setObjectName(QStringLiteral("statusWorkspace"));
    m_activityLabel = new QLabel(this);
    m_activityBar = new QProgressBar(this);
    m_activityBar->setRange(0, 0);
    m_activityBar->setMaximumWidth(120);
    m_activityBar->setMaximumHeight(14);
    m_activityBar->setTextVisible(false);
    m_activityBar->hide();
    m_offlineButton = new QToolButton(this);
    m_offlineButton->setObjectName(QStringLiteral("statusOffline"));
    m_offlineButton->setAutoRaise(true);
    m_offlineButton->setCheckable(true);
    connect(m_offlineButton, &QToolButton::toggled, this, [this](bool on) { setOffline(on); });
    statusBar()->addWidget(m_workspaceLabel, 1);
    statusBar()->addPermanentWidget(m_activityLabel);
    statusBar()->addPermanentWidget(m_activityBar);
    statusBar()->addPermanentWidget(m_offlineButton);
    m_workspaceLabel->setText(tr("No workspace open"));
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = m_settings.recentWorkspaces();
    for (const QString& path : recent) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openWorkspace(path); });
        a->setToolTip(QDir::toNativeSeparators(path));
        a->setStatusTip(QDir::toNativeSeparators(path));
    }
    if (recent.isEmpty()) {
        m_recentMenu->addAction(tr("No recent workspaces"))->setEnabled(false);
        return;
    }
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(tr("Clear List"), this, [this] {
        m_settings.clearRecentWorkspaces();
        rebuildRecentMenu();
    });
}

void MainWindow::openInitialWorkspace()
{
    const QString last = m_settings.lastWorkspace();
    if (!last.isEmpty() && QFileInfo::exists(last))
        m_workspace.open(last);
    else
        m_workspace.openOrCreateWithSamples(AppSettings::defaultWorkspacePath());
}

void MainWindow::showPage(int index)
{
    if (index < 0 || index >= PageCount)
        return;
    m_nav->setCurrentRow(index);
}

int MainWindow::currentPage() const
{
    return m_stack->currentIndex();
}
Page* MainWindow::page(int index) const
{
    return m_pages.at(static_cast<std::size_t>(index));
}
core::SecretStore* MainWindow::secrets() const
{
    return m_layeredSecrets.get();
}

QString MainWindow::statusWorkspaceText() const
{
    return m_workspaceLabel->text();
}
bool MainWindow::offline() const
{
    return m_offlineAction->isChecked();
}

QString MainWindow::dialogFolder() const
{
    const QString current = m_workspace.currentPath();
    if (!current.isEmpty())
        return QFileInfo(current).absolutePath();
    return QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
}

void MainWindow::newWorkspace(const QString& path)
{
    QString target = path;
    if (target.isEmpty())
        target = QFileDialog::getSaveFileName(
            this, tr("New Workspace"), QDir(dialogFolder()).filePath(tr("Untitled.assay")), kFilter);
    target = withSuffix(target);
    if (target.isEmpty())
        return;
    if (QFileInfo::exists(target)) {
        // The dialog already asked to replace; a workspace is never overwritten in place, so say so.
        onFailed(tr("Could not create “%1”. A file already exists there; choose another name.")
                     .arg(QDir::toNativeSeparators(target)));
        return;
    }
    m_workspace.create(target, false);
}

void MainWindow::openWorkspace(const QString& path)
{
    QString target = path;
    if (target.isEmpty())
        target = QFileDialog::getOpenFileName(this, tr("Open Workspace"), dialogFolder(), kFilter);
    if (!target.isEmpty())
        m_workspace.open(target);
}

void MainWindow::saveWorkspaceAs(const QString& path)
{
    if (!m_snapshot) {
        onFailed(tr("There is no open workspace to save."));
        return;
    }
    QString target = path;
    if (target.isEmpty())
        target = QFileDialog::getSaveFileName(this, tr("Save Workspace As"), dialogFolder(), kFilter);
    target = withSuffix(target);
    if (!target.isEmpty())
        m_workspace.saveAs(target);
}

void MainWindow::setOffline(bool offline)
{
    m_settings.setOffline(offline);
    m_runs->setOffline(offline);
    QSignalBlocker a(m_offlineAction);
    QSignalBlocker b(m_offlineButton);
    m_offlineAction->setChecked(offline);
    m_offlineButton->setChecked(offline);
    m_offlineButton->setText(offline ? tr("● Offline") : tr("○ Online"));
    m_offlineButton->setToolTip(offline
            ? tr("Offline mode: only this machine (loopback) is reached; cloud APIs are refused. Click to go online.")
            : tr("Online: requests go to the endpoints you configure. Click for offline mode."));
}

void MainWindow::onOpened(const WorkspaceSnapshot& snapshot)
{
    m_snapshot = snapshot;
    const QString path = QString::fromStdString(snapshot.path);
    m_settings.setLastWorkspace(path);
    m_settings.addRecentWorkspace(path);
    rebuildRecentMenu();
    setWindowTitle(tr("%1 — Assay").arg(QFileInfo(path).completeBaseName()));
    m_workspaceLabel->setText(tr("Workspace: %1").arg(QDir::toNativeSeparators(path)));
    m_workspaceLabel->setToolTip(
        tr("Schema version %1 · id %2").arg(snapshot.schemaVersion).arg(QString::fromStdString(snapshot.workspaceId)));
    for (Page* p : m_pages)
        p->showWorkspace(&*m_snapshot);
    if (snapshot.offline)
        setOffline(true); // the workspace asks for it (`assay-cli workspace offline FILE --on`): honour it at once
    if (snapshot.createdNow && snapshot.count("prompt") + snapshot.count("dataset") > 0)
        m_banner->showMessage(widgets::MessageBanner::Kind::Info,
            tr("Created %1 with the sample content: %2 prompts, %3 datasets and %4 models to explore.")
                .arg(QFileInfo(path).fileName())
                .arg(snapshot.count("prompt"))
                .arg(snapshot.count("dataset"))
                .arg(snapshot.count("model")));
    else
        m_banner->hide();
}

void MainWindow::onFailed(const QString& message)
{
    m_banner->showMessage(widgets::MessageBanner::Kind::Error, message);
}

void MainWindow::onBusyChanged(bool busy, const QString& activity)
{
    m_activityLabel->setText(activity);
    m_activityLabel->setVisible(busy);
    m_activityBar->setVisible(busy);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!static_cast<app::CatalogPage*>(m_pages[CatalogPage])->maybeLeavePrompt()) {
        event->ignore();
        return;
    }
    m_settings.setWindowGeometry(saveGeometry(), saveState());
    m_settings.sync();
    event->accept();
}

} // namespace assay::app
