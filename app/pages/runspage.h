// SPDX-License-Identifier: MIT
#pragma once

#include "page.h"

#include "run/runprogress.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTreeWidget;
class QTreeWidgetItem;
class QStackedWidget;
class QToolButton;

namespace assay::widgets {
class EmptyState;
class MessageBanner;
} // namespace assay::widgets

namespace assay::app {

class ComparePanel;
class RunController;
class WorkspaceController;

/// Compare: launch a run (prompt versions × endpoints × a dataset's rows or a few ad-hoc inputs × repeats), watch
/// it stream into the comparison grid with live progress and cancel, pick any earlier run, re-run cells, and
/// export. GUI thread only.
class RunsPage : public Page {
    Q_OBJECT
public:
    RunsPage(WorkspaceController& workspace, RunController& runs, QWidget* parent = nullptr);

    QString title() const override;
    QIcon icon() const override;
    void showWorkspace(const WorkspaceSnapshot* snapshot) override;

    /// Checks the prompts ("NAME", "NAME@prod", "NAME@3", "NAME@dev") and endpoints with these names and picks the
    /// dataset (tests; the user clicks). An empty
    /// dataset with @p adHocInputs runs those inputs instead (one per line: plain text or a JSON object).
    void choose(const QStringList& prompts, const QStringList& endpoints, const QString& dataset,
        const QString& adHocInputs = {});
    void startRun();
    /// Shows the stored run @p runId in the grid.
    void selectRun(const QString& runId);
    QString progressText() const;
    QComboBox* runSelector() const { return m_runSelector; }
    QPushButton* runButton() const { return m_run; }
    ComparePanel* comparePanel() const { return m_compare; }
    QTreeWidget* promptTree() const { return m_prompts; }

private:
    /// Lists the versions under an "older versions" node of the prompt tree (once), checking @p checkedRefs.
    void listOlderVersions(QTreeWidgetItem* node, const QStringList& checkedRefs);

    void showProgress(const core::RunProgress& p);
    void startWith(nlohmann::json definition);
    void setLauncherVisible(bool visible);

    WorkspaceController& m_workspace;
    RunController& m_runs;
    QComboBox* m_runSelector;
    QToolButton* m_newRun;
    QGroupBox* m_launcher;
    QTreeWidget* m_prompts; ///< prompts (latest or @prod), each with its labels, its 20 newest versions and a node that
                            ///< lists the older ones when opened
    QListWidget* m_endpoints;
    QComboBox* m_dataset;
    QPlainTextEdit* m_adHoc;
    QSpinBox* m_repeats;
    QSpinBox* m_concurrency;
    QCheckBox* m_cache;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_progressLabel;
    widgets::MessageBanner* m_banner;
    ComparePanel* m_compare;
    widgets::EmptyState* m_empty;
    QStackedWidget* m_stack;
    QString m_pendingSelect; ///< a run to select once the snapshot lists it
};

} // namespace assay::app
