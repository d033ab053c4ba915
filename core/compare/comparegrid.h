// SPDX-License-Identifier: MIT
#pragma once

#include "domain/dataset.h"
#include "domain/evaluation.h"
#include "domain/review.h"
#include "domain/run.h"
#include "storage/db.h"
#include "storage/runrepository.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace assay::core {

/// One column of a comparison: a prompt version on an endpoint.
struct CompareColumn {
    std::string promptVersionId;
    std::string promptReference; ///< as the run named it, e.g. "classify@prod"
    std::int64_t promptNumber = 0; ///< version number
    std::string endpointId;
    std::string endpointName;
    std::string title; ///< the endpoint's name, plus "· reference v3" when the run has several prompt versions
};

/// One row of a comparison: a dataset row (or inline input) at one repeat.
struct CompareRow {
    std::string rowKey; ///< dataset row id, "inline:<i>", or "" for a run without rows
    std::optional<std::string> rowId; ///< the dataset row, when there is one
    std::int64_t number = 0; ///< 1-based position of the input in the run
    int repeat = 0;
    nlohmann::json inputs = nlohmann::json::object();
    std::optional<std::string> expected; ///< the row's reference answer or label
};

/// Metric scores, judge verdicts and human ratings of one cell.
struct CellEvaluation {
    std::vector<MetricScore> scores;
    std::vector<JudgeVerdict> verdicts;
    std::vector<Rating> ratings;
};

/// A run laid out for side-by-side comparison: rows = inputs × repeats, columns = prompt versions × endpoints, in the
/// order of the run's plan. The layout comes from the plan the run stored (so it is complete before any cell
/// exists, and survives labels moving later); cells are placed by their cell key. A value type: the GUI builds it
/// on the workspace thread and hands it over; setCell() applies cells committed later (live runs, re-runs).
class CompareGrid {
public:
    /// Reads the run, its dataset rows, its cells and their scores and verdicts from @p db. With Detail::Badges the
    /// cells come without text, except those of the first @p textRows rows (what a window shows first); the rest
    /// follows with setTexts() (RunRepository::cellTexts). Summary and Full read every text.
    static Result<CompareGrid> load(Db& db, const std::string& runId,
        RunRepository::Detail detail = RunRepository::Detail::Summary, std::size_t textRows = 0);
    /// The layout of @p run alone (no cells); @p datasetRows gives inputs and labels of dataset rows by id.
    static Result<CompareGrid> layout(const Run& run, const std::vector<DatasetRow>& datasetRows);

    [[nodiscard]] const Run& run() const { return m_run; }
    [[nodiscard]] const std::vector<CompareColumn>& columns() const { return m_columns; }
    [[nodiscard]] const std::vector<CompareRow>& rows() const { return m_rows; }
    [[nodiscard]] std::size_t rowCount() const { return m_rows.size(); }
    [[nodiscard]] std::size_t columnCount() const { return m_columns.size(); }
    /// The cell at (row, column), or nullptr while it has no outcome.
    [[nodiscard]] const RunCell* cell(std::size_t row, std::size_t column) const;
    /// The planned key of (row, column): what the run engine commits that cell under.
    [[nodiscard]] const std::string& key(std::size_t row, std::size_t column) const;
    /// Where the cell with @p cellKey goes; nullopt for a key outside the plan.
    [[nodiscard]] std::optional<std::pair<std::size_t, std::size_t>> locate(const std::string& cellKey) const;
    /// Places (or replaces) a committed cell, text included; returns its position, nullopt when its key is not in
    /// the plan.
    std::optional<std::pair<std::size_t, std::size_t>> setCell(RunCell cell);
    /// Whether the cell at (row, column) has its output and error (false for a cell without outcome).
    [[nodiscard]] bool hasText(std::size_t row, std::size_t column) const;
    /// Every cell with an outcome has its text.
    [[nodiscard]] bool textsComplete() const { return m_textsComplete; }
    /// Fills in texts read later; @p complete says that these were all the run's texts.
    void setTexts(std::vector<RunRepository::CellText> texts, bool complete);
    /// Scores and verdicts of the cell at (row, column); nullptr when it has none.
    [[nodiscard]] const CellEvaluation* evaluation(std::size_t row, std::size_t column) const;
    void setEvaluation(const std::string& cellId, CellEvaluation evaluation);
    /// The inputs of a row as text: the value alone for one variable, "name: value" lines for several.
    [[nodiscard]] static std::string inputText(const CompareRow& row);

private:
    Run m_run;
    std::vector<CompareColumn> m_columns;
    std::vector<CompareRow> m_rows;
    std::vector<std::string> m_keys; ///< row-major planned keys
    std::unordered_map<std::string, std::size_t> m_slotOfKey;
    std::vector<std::int32_t> m_cellOfSlot; ///< index into m_cells, -1 = no outcome yet
    std::vector<RunCell> m_cells;
    std::vector<char> m_hasText; ///< per m_cells entry
    bool m_textsComplete = true;
    std::unordered_map<std::string, CellEvaluation> m_evaluations; ///< by cell id
};

} // namespace assay::core
