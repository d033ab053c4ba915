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

class RunnerController;
class RunnerPanel;

/// Models & Runner: the capability matrix of every model in the workspace (API and local), filterable and sortable,
/// and the local runner (library, devices, fit plan, load/unload, log).
class ModelsPage : public Page {
    Q_OBJECT
public:
    explicit ModelsPage(RunnerController& runner, QWidget* parent = nullptr);

    QString title() const override;
    QIcon icon() const override;
    void showWorkspace(const WorkspaceSnapshot* snapshot) override;

    QTableView* matrixView() const { return m_view; }
    RunnerPanel* runnerPanel() const { return m_runnerPanel; }
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
    QTabWidget* m_tabs;
};

} // namespace assay::app
