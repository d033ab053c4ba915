// SPDX-License-Identifier: MIT
#pragma once

#include "compare/comparegrid.h"

#include <QTabWidget>

#include <optional>

class QComboBox;
class QLabel;
class QTableWidget;
class QTextBrowser;

namespace assay::widgets {
class CompareModel;
}

namespace assay::app {

class WorkspaceController;

/// The expanded view of one comparison cell, beside the grid: the whole output with its badges, a word diff against
/// another cell of the same row, the rendered prompt, the raw request and response, the provenance, and every
/// column's summary. Request and provenance are read from the workspace when a cell is shown (the grid holds
/// neither). GUI thread only.
class CellDetail : public QTabWidget {
    Q_OBJECT
public:
    enum Tab { OutputTab, DiffTab, PromptTab, RequestTab, ProvenanceTab, SummaryTab };

    CellDetail(WorkspaceController& workspace, const widgets::CompareModel& model, QWidget* parent = nullptr);

    /// Shows the cell at (row, gridColumn); gridColumn -1 is the input. @p diffWith picks the other side of the
    /// diff (default: the first other column with an outcome).
    void showCell(int row, int gridColumn, std::optional<int> diffWith = std::nullopt);
    void clear();
    /// Refreshes texts and summaries after live updates (the cell shown may have changed).
    void refresh();
    [[nodiscard]] int row() const { return m_row; }
    [[nodiscard]] int gridColumn() const { return m_column; }
    [[nodiscard]] QString diffHtml(bool newSide) const;
    [[nodiscard]] QString outputText() const;
    [[nodiscard]] QString promptText() const;
    [[nodiscard]] QString requestText() const;
    [[nodiscard]] QString provenanceText() const;

private:
    void showDiff();
    void showSummary();
    void showDetails(const std::optional<core::RunCell>& full);

    WorkspaceController& m_workspace;
    const widgets::CompareModel& m_model;
    int m_row = -1;
    int m_column = -1;
    QLabel* m_title;
    QTextBrowser* m_output;
    QComboBox* m_diffWith;
    QLabel* m_diffNote;
    QTextBrowser* m_diffOld;
    QTextBrowser* m_diffNew;
    QTextBrowser* m_prompt;
    QTextBrowser* m_request;
    QTextBrowser* m_provenance;
    QTableWidget* m_summary;
    int m_detailsGeneration = 0;
};

} // namespace assay::app
