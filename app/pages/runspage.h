// SPDX-License-Identifier: MIT
#pragma once

#include "page.h"

#include "run/runprogress.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace assay::widgets {
class EmptyState;
}

namespace assay::app {

class RunController;
class WorkspaceController;

/// Compare: launch a run (prompt versions × endpoints × a dataset's rows × repeats), watch its live progress
/// (cells done/failed, tokens, cost so far, ETA) with cancel, and read the outputs of a run cell by cell.
/// GUI thread only.
class RunsPage : public Page {
    Q_OBJECT
public:
    RunsPage(WorkspaceController& workspace, RunController& runs, QWidget* parent = nullptr);

    QString title() const override;
    QIcon icon() const override;
    void showWorkspace(const WorkspaceSnapshot* snapshot) override;

    /// Checks the prompts/endpoints with these names and picks the dataset (tests; the user clicks).
    void choose(const QStringList& prompts, const QStringList& endpoints, const QString& dataset);
    void startRun();
    QString progressText() const;
    QTableWidget* cellsTable() const { return m_cells; }
    QTableWidget* runsTable() const { return m_runsTable; }
    QPushButton* runButton() const { return m_run; }

private:
    void showProgress(const core::RunProgress& p);
    void loadCells(const QString& runId);

    WorkspaceController& m_workspace;
    RunController& m_runs;
    QListWidget* m_prompts;
    QListWidget* m_endpoints;
    QComboBox* m_dataset;
    QSpinBox* m_repeats;
    QSpinBox* m_concurrency;
    QCheckBox* m_cache;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_progressLabel;
    QTableWidget* m_runsTable;
    QTableWidget* m_cells;
    widgets::EmptyState* m_empty;
    QStackedWidget* m_stack;
};

} // namespace assay::app
