// SPDX-License-Identifier: MIT
#pragma once

#include "compare/comparegrid.h"
#include "compare/comparesummary.h"

#include <QAbstractTableModel>
#include <QString>

#include <memory>
#include <unordered_map>
#include <vector>

namespace assay::widgets {

/// What the comparison grid shows, prepared off the GUI thread (prepare() may run on any thread): the grid, its
/// inputs as QString and the column summaries. Outputs stay UTF-8 in the grid and are converted for the cells
/// painted (40,000 outputs of 300 tokens would double the memory as UTF-16).
struct CompareData {
    core::CompareGrid grid;
    std::vector<QString> inputs; ///< per row: CompareGrid::inputText
    std::vector<core::ColumnSummary> summaries; ///< per grid column

    static CompareData prepare(core::CompareGrid grid);
};

/// A streamed piece of a cell's output, as the run engine reports it (RunScheduler's onDelta), batched by the caller.
struct CompareDelta {
    std::string cellKey;
    std::string text;
    bool restart = false; ///< the text starts over (a retry)
};

/// The comparison grid as a table: column 0 is the input (with its label), columns 1..N the run's columns
/// (prompt version × endpoint). Rows are inputs × repeats. DisplayRole is the text; the roles below carry the
/// badges. Cells fill in live: applyDeltas() for streamed text, applyCells() for committed cells (which replace
/// streamed text and update the row and the column summary). GUI thread only.
class CompareModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        StatusRole = Qt::UserRole + 1, ///< QString: ok, failed, cancelled, streaming, pending ("" for the input)
        LatencyRole, ///< double ms, or invalid
        TtftRole, ///< double ms, or invalid
        TokensInRole, ///< qint64, or invalid
        TokensOutRole, ///< qint64, or invalid
        CostRole, ///< double, or invalid
        BadgeRole, ///< QString: the badge line the delegate draws under the text
        CellKeyRole, ///< QString: the planned cell key (output columns)
        ExpectedRole, ///< QString: the row's label, or invalid
        LengthRole, ///< int: characters of the text
        GridRowRole, ///< int: the row in the grid
        GridColumnRole, ///< int: the grid column (-1 for the input column)
        MatchesLabelRole, ///< bool: the ok output gives the row's label (invalid without a label or output)
    };

    explicit CompareModel(QObject* parent = nullptr);

    void setData(CompareData data);
    void clear();
    [[nodiscard]] const core::CompareGrid& grid() const { return m_data->grid; }
    [[nodiscard]] bool isEmpty() const { return m_data->grid.columnCount() == 0; }
    /// The grid and inputs as they are now, for reading on another thread: later changes go to a copy (copy on
    /// write), never into a snapshot. Streamed text (not yet committed) is not in it.
    [[nodiscard]] std::shared_ptr<const CompareData> snapshot() const { return m_data; }
    [[nodiscard]] const core::ColumnSummary& summary(int gridColumn) const;
    /// The text of a cell (model coordinates): the input, the streamed text, the output, or the error; empty
    /// while the cell has no outcome or its text is still being read.
    [[nodiscard]] QString text(int row, int column) const;
    /// The UTF-8 output (or error) of an output cell without conversion, or nullptr when there is none yet (the
    /// filters read this).
    [[nodiscard]] const std::string* utf8(int row, int gridColumn) const;
    /// The same, of a snapshot (any thread).
    [[nodiscard]] static const std::string* utf8(const CompareData& data, int row, int gridColumn);

    /// Appends streamed text; emits dataChanged for the cells it touched. Keys outside the grid are ignored.
    void applyDeltas(const std::vector<CompareDelta>& deltas);
    /// Places committed cells (streamed text gives way to the stored output) and refreshes the touched columns'
    /// summaries and header. Returns how many cells were placed.
    int applyCells(std::vector<core::RunCell> cells);
    /// Texts read after the grid was shown (CompareGrid::setTexts); emits dataChanged for every output cell.
    void applyTexts(std::vector<core::RunRepository::CellText> texts, bool complete);

    /// "1.2 s · TTFT 140 ms · 35→120 tok · $0.0004" (+ scores); for the input column the label.
    [[nodiscard]] QString badge(int row, int column) const;
    /// Two lines: the column title, and "✓ 98 % · p50 820 ms · 41 tok/s · $0.12".
    [[nodiscard]] QString headerText(int gridColumn) const;
    /// Every figure of the column summary, one per line (tooltips, the summary panel).
    [[nodiscard]] QString summaryText(int gridColumn) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

private:
    [[nodiscard]] std::size_t slot(int row, int gridColumn) const;
    CompareData& mutableData();

    std::shared_ptr<CompareData> m_data; ///< never null; shared with snapshot() holders until it changes
    std::unordered_map<std::size_t, QString> m_streaming; ///< slot -> text streamed so far (until committed)
};

} // namespace assay::widgets
