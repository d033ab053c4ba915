// SPDX-License-Identifier: MIT
#pragma once

#include "domain/run.h"
#include "storage/db.h"

#include <optional>
#include <string>
#include <vector>

namespace assay::core {

/// Runs and their cells. commitCell() is the crash-safety guarantee: each finished cell is inserted and committed
/// in a transaction of its own before the call returns, so a crash loses at most the cells still in flight, and
/// missingCellKeys() tells a resumed run what to request again. Run creation and status changes are audited.
/// Each call is its own transaction (do not call inside another). Thread affinity: the thread that owns @p db;
/// the scheduler's storage thread opens its own connection (Workspace::open).
class RunRepository {
public:
    explicit RunRepository(Db& db, std::string actor = {})
        : m_db(db)
        , m_actor(std::move(actor))
    {
    }

    /// A new run in status Planned. @p plan must be a JSON object.
    Result<Run> create(const std::string& name, const nlohmann::json& plan);
    Result<Run> get(const std::string& id);
    /// All runs, newest first.
    Result<std::vector<Run>> list();
    /// Moves a run to @p status. Running stamps started_at the first time; Finished, Cancelled and Failed stamp
    /// finished_at. A run never goes back to Planned.
    Status setStatus(const std::string& id, RunStatus status);
    /// After a crash nothing is running: turns every Running run into Interrupted; returns their ids.
    Result<std::vector<std::string>> markRunningInterrupted();
    /// Deletes a run with its cells, scores and ratings.
    Status remove(const std::string& id);

    /// Inserts one finished cell and commits it at once. id and createdAt are assigned when empty.
    /// A key that already holds an ok cell is a Conflict unless @p replaceOk (re-running one cell on purpose: the
    /// old cell, its scores and verdicts are deleted in the same transaction and the replacement is audited); a
    /// failed or cancelled cell under the same key is always replaced (a resumed run retries it).
    Result<RunCell> commitCell(RunCell cell, bool replaceOk = false);
    /// How much of a cell a read fills: Summary leaves request and provenance empty (the comparison grid of a large
    /// run reads every cell and shows neither until one is opened); Badges also leaves output and error empty and
    /// fills only key, id, status, model, finish reason, tokens, TTFT, latency, cost and time, read from the
    /// covering index run_cell_grid (a few MB for 40,000 cells instead of the whole table).
    enum class Detail { Full, Summary, Badges };
    /// Cells of a run in the order they were committed (Badges: in key order).
    Result<std::vector<RunCell>> cells(const std::string& runId, Detail detail = Detail::Full);
    /// The text of a cell: its output and error.
    struct CellText {
        std::string cellKey;
        std::string output;
        std::string error;
    };
    /// Output and error of the run's cells: all of them, or those under @p cellKeys (missing keys are skipped).
    Result<std::vector<CellText>> cellTexts(
        const std::string& runId, const std::vector<std::string>* cellKeys = nullptr);
    /// One cell of a run by key, in full; nullopt when the run has no cell under that key.
    Result<std::optional<RunCell>> cell(const std::string& runId, const std::string& cellKey);
    Result<std::int64_t> cellCount(const std::string& runId);
    /// The keys of @p plannedKeys that still need a request: no cell yet, or (with @p retryFailed) a cell that
    /// failed or was cancelled. Order follows @p plannedKeys.
    Result<std::vector<std::string>> missingCellKeys(
        const std::string& runId, const std::vector<std::string>& plannedKeys, bool retryFailed = true);
    /// The cache: the newest ok cell of any run with this request hash.
    Result<std::optional<RunCell>> findCellByRequestHash(const std::string& requestHash);

private:
    Result<std::vector<Run>> selectRuns(const std::string& where, const std::string& arg);
    Result<std::vector<RunCell>> selectCells(
        const std::string& where, const std::string& arg, const char* tail, Detail detail = Detail::Full);
    Error explainForeignKey(const RunCell& cell);

    Db& m_db;
    std::string m_actor;
};

} // namespace assay::core
