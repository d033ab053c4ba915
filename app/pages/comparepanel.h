// SPDX-License-Identifier: MIT
#pragma once

#include "compare/compareexport.h"
#include "models/comparefiltermodel.h"
#include "models/comparemodel.h"

#include <QWidget>

#include <memory>
#include <string>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QSplitter;
class QTimer;
class QToolButton;

class QStackedWidget;

namespace assay::widgets {
class CompareView;
class EmptyState;
} // namespace assay::widgets

namespace assay::app {

class CellDetail;
class WorkspaceController;

/// The comparison grid of one run with its tools: row filters (outputs differ / failed / disagree with the label),
/// a text or regex filter, sort by any badge (click a column header), lines per row, freeze the input column,
/// show/hide/reorder columns, re-run selected cells, export (CSV, JSON Lines, HTML), and the expanded cell view
/// beside it. The grid is read and prepared on the workspace thread; live runs stream into it. The view state
/// (columns, filter, sort, lines, freeze) is saved per run in the settings. GUI thread only.
class ComparePanel : public QWidget {
    Q_OBJECT
public:
    explicit ComparePanel(WorkspaceController& workspace, QWidget* parent = nullptr);
    ~ComparePanel() override;

    /// Reads the run's grid in the background and shows it; emits loaded() when it is on screen.
    void showRun(const QString& runId);
    void clear();
    [[nodiscard]] QString runId() const { return m_runId; }
    /// The run being read for the grid ("" when none).
    [[nodiscard]] QString loadingRunId() const { return m_loadingRunId; }
    /// Streamed text and committed cells of the run being executed (ignored for other runs).
    void applyLive(const QString& runId, const std::vector<widgets::CompareDelta>& deltas,
        const std::vector<core::RunCell>& cells);
    void setRunning(bool running);

    void setRowFilter(widgets::CompareFilterModel::RowFilter filter);
    /// Applies a text filter now (the search box applies it after a short pause); false for an invalid regex.
    bool setSearch(const QString& text, bool regex);
    void setSortKey(widgets::CompareFilterModel::SortKey key);
    void setGridColumnVisible(int gridColumn, bool visible);
    void setFrozenInput(bool frozen);
    void setLinesPerRow(int lines);
    /// Exports the rows and columns as shown (filter, sort, column order) in the background; emits exported().
    void exportTo(const QString& path, core::CompareFormat format);
    /// Output cells selected in the grid, by planned key.
    [[nodiscard]] std::vector<std::string> selectedCellKeys() const;
    /// Shows the word diff between two cells of a row (model indexes of the filter model).
    void compareCells(const QModelIndex& a, const QModelIndex& b);
    [[nodiscard]] QString rowCountText() const;

    [[nodiscard]] widgets::CompareModel* model() const { return m_model; }
    [[nodiscard]] widgets::CompareFilterModel* filter() const { return m_filter; }
    [[nodiscard]] widgets::CompareView* view() const { return m_view; }
    [[nodiscard]] CellDetail* detail() const { return m_detail; }

Q_SIGNALS:
    /// The grid is on screen (with the text of its first rows).
    void loaded(const QString& runId);
    /// Every text of the grid has been read (text filters and diffs see all of it).
    void textsLoaded(const QString& runId);
    void rerunRequested(const QString& runId, const std::vector<std::string>& cellKeys);
    void exported(const QString& path, bool ok, const QString& message);
    void failed(const QString& message);

private:
    struct PendingLive {
        std::vector<widgets::CompareDelta> deltas;
        std::vector<core::RunCell> cells;
    };
    void buildToolbar();
    void readTexts(int generation);
    void saveState();
    void restoreState();
    void updateVisibleColumns();
    void updateCount();
    void showCurrent(const QModelIndex& current);
    void selectionChanged();
    void headerMenu(const QPoint& at);
    void gridMenu(const QPoint& at);
    void exportWithDialog(core::CompareFormat format);
    [[nodiscard]] QString settingsGroup() const;

    WorkspaceController& m_workspace;
    widgets::CompareModel* m_model;
    widgets::CompareFilterModel* m_filter;
    widgets::CompareView* m_view;
    CellDetail* m_detail;
    QSplitter* m_split;
    QStackedWidget* m_gridStack; ///< the empty state, or the grid and the cell view
    widgets::EmptyState* m_emptyState;
    QComboBox* m_show;
    QLineEdit* m_search;
    QToolButton* m_regex;
    QComboBox* m_sortBy;
    QSpinBox* m_lines;
    QCheckBox* m_freeze;
    QToolButton* m_columns;
    QToolButton* m_rerun;
    QToolButton* m_export;
    QLabel* m_count;
    QLabel* m_searchError;
    QTimer* m_searchTimer;
    QString m_runId;
    QString m_loadingRunId;
    int m_loadGeneration = 0;
    bool m_restoring = false;
    bool m_running = false;
    std::unique_ptr<PendingLive> m_pending; ///< live updates that arrive while the grid loads
};

} // namespace assay::app
