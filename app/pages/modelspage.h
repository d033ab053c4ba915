// SPDX-License-Identifier: MIT
#pragma once

#include "page.h"

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace assay::widgets {
class EmptyState;
class ModelMatrixModel;
} // namespace assay::widgets

namespace assay::app {

class EndpointsPanel;
class RunController;
class RunnerController;
class RunnerPanel;
class WorkspaceController;

/// Models & Runner: the capability matrix of every model in the workspace (API and local), filterable and sortable,
/// and the local runner (library, devices, fit plan, load/unload, log).
class ModelsPage : public Page {
    Q_OBJECT
public:
    ModelsPage(
        RunnerController& runner, WorkspaceController& workspace, RunController& runs, QWidget* parent = nullptr);

    QString title() const override;
    QIcon icon() const override;
    void showWorkspace(const WorkspaceSnapshot* snapshot) override;

    QTableView* matrixView() const { return m_view; }
    RunnerPanel* runnerPanel() const { return m_runnerPanel; }
    EndpointsPanel* endpointsPanel() const { return m_endpointsPanel; }
    QTabWidget* tabs() const { return m_tabs; }

private:
    void updateSummary();

    widgets::ModelMatrixModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QLabel* m_summary;
    QTableView* m_view;
    widgets::EmptyState* m_empty;
    QStackedWidget* m_stack;
    RunnerPanel* m_runnerPanel;
    EndpointsPanel* m_endpointsPanel;
    QTabWidget* m_tabs;
};

} // namespace assay::app
