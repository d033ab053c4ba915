// SPDX-License-Identifier: MIT
#include "storage/runrepository.h"

#include "storage/auditlog.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"

#include <unordered_map>

namespace assay::core {

namespace {
constexpr const char* kCellColumns
    = "id, run_id, cell_key, prompt_version_id, endpoint_id, model_name, row_id, repeat_index, status, output,"
      " error, finish_reason, tokens_in, tokens_out, ttft_ms, latency_ms, cost, request_hash, request,"
      " provenance, created_at";
constexpr const char* kCellSummaryColumns
    = "id, run_id, cell_key, prompt_version_id, endpoint_id, model_name, row_id, repeat_index, status, output,"
      " error, finish_reason, tokens_in, tokens_out, ttft_ms, latency_ms, cost, request_hash, '{}', '{}',"
      " created_at";

Error noSuchRun(const std::string& id)
{
    return makeError(ErrorCode::NotFound, "There is no run with id " + id);
}

bool isTerminal(RunStatus s)
{
    return s == RunStatus::Finished || s == RunStatus::Cancelled || s == RunStatus::Failed;
}
} // namespace

Result<Run> RunRepository::create(const std::string& name, const nlohmann::json& plan)
{
    if (!plan.is_object())
        return makeError(ErrorCode::Invalid, "run '" + name + "': the plan must be a JSON object");
    auto planText = sql::dumpJson(plan, "run '" + name + "' plan");
    if (!planText)
        return planText.error();
    Run run;
    run.id = newUuid();
    run.name = name;
    run.plan = plan;
    run.createdAt = nowMs();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto ins = m_db.prepare("INSERT INTO run(id, name, status, plan, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!ins)
        return ins.error();
    ins->bind(1, run.id).bind(2, run.name).bind(3, runStatusName(run.status)).bind(4, *planText);
    ins->bind(5, run.createdAt);
    ASSAY_TRY(ins->run());
    AuditLog audit(m_db);
    ASSAY_TRY(audit.append(m_actor, "run.create", "run", run.id, sql::auditPayload({ { "name", name } })));
    ASSAY_TRY(tx.commit());
    return run;
}

Result<std::vector<Run>> RunRepository::selectRuns(const std::string& where, const std::string& arg)
{
    auto st = m_db.prepare("SELECT id, name, status, plan, created_at, started_at, finished_at FROM run " + where
        + " ORDER BY created_at DESC, rowid DESC");
    if (!st)
        return st.error();
    if (!where.empty())
        st->bind(1, arg);
    std::vector<Run> out;
    Error bad;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) {
        Run r;
        r.id = s.text(0);
        r.name = s.text(1);
        r.status = parseRunStatus(s.text(2)).value_or(RunStatus::Failed); // CHECK keeps it valid
        if (auto plan = sql::parseJson(s.text(3), "run", "plan", r.id))
            r.plan = std::move(*plan);
        else if (bad.code == ErrorCode::Ok)
            bad = plan.error();
        r.createdAt = s.int64(4);
        r.startedAt = s.optInt64(5);
        r.finishedAt = s.optInt64(6);
        out.push_back(std::move(r));
    }));
    if (bad.code != ErrorCode::Ok)
        return bad;
    return out;
}

Result<Run> RunRepository::get(const std::string& id)
{
    auto found = selectRuns("WHERE id = ?1", id);
    if (!found)
        return found.error();
    if (found->empty())
        return noSuchRun(id);
    return std::move(found->front());
}

Result<std::vector<Run>> RunRepository::list()
{
    return selectRuns({}, {});
}

Status RunRepository::setStatus(const std::string& id, RunStatus status)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto cur = m_db.prepare("SELECT status FROM run WHERE id = ?1");
    if (!cur)
        return cur.error();
    cur->bind(1, id);
    auto row = cur->step();
    if (!row)
        return row.error();
    if (!*row)
        return noSuchRun(id);
    const std::string from = cur->text(0);
    if (status == RunStatus::Planned && from != runStatusName(RunStatus::Planned))
        return makeError(ErrorCode::Invalid, "run " + id + " is " + from + " and cannot go back to planned");
    const std::int64_t now = nowMs();
    auto up = m_db.prepare("UPDATE run SET status = ?2,"
                           " started_at = CASE WHEN ?2 = 'running' THEN COALESCE(started_at, ?3) ELSE started_at END,"
                           " finished_at = CASE WHEN ?4 THEN ?3 ELSE finished_at END WHERE id = ?1");
    if (!up)
        return up.error();
    up->bind(1, id).bind(2, runStatusName(status)).bind(3, now).bind(4, isTerminal(status));
    ASSAY_TRY(up->run());
    AuditLog audit(m_db);
    ASSAY_TRY(audit.append(
        m_actor, "run.status", "run", id, sql::auditPayload({ { "from", from }, { "to", runStatusName(status) } })));
    return tx.commit();
}

Result<std::vector<std::string>> RunRepository::markRunningInterrupted()
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto up = m_db.prepare("UPDATE run SET status = 'interrupted' WHERE status = 'running' RETURNING id");
    if (!up)
        return up.error();
    std::vector<std::string> ids;
    ASSAY_TRY(sql::forEachRow(*up, [&](Statement& s) { ids.push_back(s.text(0)); }));
    AuditLog audit(m_db);
    for (const auto& id : ids)
        ASSAY_TRY(audit.append(
            m_actor, "run.status", "run", id, sql::auditPayload({ { "from", "running" }, { "to", "interrupted" } })));
    ASSAY_TRY(tx.commit());
    return ids;
}

Status RunRepository::remove(const std::string& id)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto del = m_db.prepare("DELETE FROM run WHERE id = ?1 RETURNING name");
    if (!del)
        return del.error();
    del->bind(1, id);
    auto row = del->step();
    if (!row)
        return row.error();
    if (!*row)
        return noSuchRun(id);
    const std::string name = del->text(0);
    ASSAY_TRY(del->run());
    AuditLog audit(m_db);
    ASSAY_TRY(audit.append(m_actor, "run.delete", "run", id, sql::auditPayload({ { "name", name } })));
    return tx.commit();
}

// --- cells -------------------------------------------------------------------------------------------------------

Error RunRepository::explainForeignKey(const RunCell& c)
{
    const std::string where = "cell '" + c.cellKey + "'";
    auto version = sql::exists(m_db, "prompt_version", c.promptVersionId);
    if (version && !*version)
        return makeError(ErrorCode::NotFound, where + ": there is no prompt version with id " + c.promptVersionId);
    if (c.endpointId) {
        auto ep = sql::exists(m_db, "endpoint", *c.endpointId);
        if (ep && !*ep)
            return makeError(ErrorCode::NotFound, where + ": there is no endpoint with id " + *c.endpointId);
    }
    if (c.rowId) {
        auto row = sql::exists(m_db, "dataset_row", *c.rowId);
        if (row && !*row)
            return makeError(ErrorCode::NotFound, where + ": there is no dataset row with id " + *c.rowId);
    }
    return makeError(ErrorCode::NotFound, where + " refers to something that does not exist");
}

Result<RunCell> RunRepository::commitCell(RunCell c, bool replaceOk)
{
    if (c.cellKey.empty())
        return makeError(ErrorCode::Invalid, "A run cell needs a cell key");
    auto request = sql::dumpJson(c.request, "cell '" + c.cellKey + "' request");
    if (!request)
        return request.error();
    auto provenance = sql::dumpJson(c.provenance, "cell '" + c.cellKey + "' provenance");
    if (!provenance)
        return provenance.error();
    if (c.id.empty())
        c.id = newUuid();
    if (c.createdAt == 0)
        c.createdAt = nowMs();

    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto run = sql::exists(m_db, "run", c.runId);
    if (!run)
        return run.error();
    if (!*run)
        return noSuchRun(c.runId);
    // A failed/cancelled cell under this key is replaced: that is how a resumed run retries it. An ok cell only
    // when re-run on purpose; that replacement is audited with the output it replaced.
    if (replaceOk) {
        auto prev = m_db.prepare("SELECT id, status, output FROM run_cell WHERE run_id = ?1 AND cell_key = ?2");
        if (!prev)
            return prev.error();
        prev->bind(1, c.runId).bind(2, c.cellKey);
        auto row = prev->step();
        if (!row)
            return row.error();
        if (*row) {
            const nlohmann::json details { { "cellKey", c.cellKey }, { "replacedCell", prev->text(0) },
                { "replacedStatus", prev->text(1) }, { "replacedOutput", prev->text(2) } };
            auto event = AuditLog(m_db).append(m_actor, "run_cell.replace", "run", c.runId, details.dump());
            if (!event)
                return event.error();
        }
    }
    auto old = m_db.prepare(replaceOk ? "DELETE FROM run_cell WHERE run_id = ?1 AND cell_key = ?2"
                                      : "DELETE FROM run_cell WHERE run_id = ?1 AND cell_key = ?2 AND status <> 'ok'");
    if (!old)
        return old.error();
    old->bind(1, c.runId).bind(2, c.cellKey);
    ASSAY_TRY(old->run());

    auto ins = m_db.prepare(std::string("INSERT INTO run_cell(") + kCellColumns
        + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)");
    if (!ins)
        return ins.error();
    ins->bind(1, c.id).bind(2, c.runId).bind(3, c.cellKey).bind(4, c.promptVersionId).bind(5, c.endpointId);
    ins->bind(6, c.modelName).bind(7, c.rowId).bind(8, c.repeatIndex).bind(9, cellStatusName(c.status));
    ins->bind(10, c.output).bind(11, c.error).bind(12, c.finishReason).bind(13, c.tokensIn).bind(14, c.tokensOut);
    ins->bind(15, c.ttftMs).bind(16, c.latencyMs).bind(17, c.cost).bind(18, c.requestHash).bind(19, *request);
    ins->bind(20, *provenance).bind(21, c.createdAt);
    if (auto st = ins->run(); !st) {
        if (sql::isUniqueViolation(st.error()))
            return makeError(
                ErrorCode::Conflict, "Run " + c.runId + " already has a result for cell '" + c.cellKey + "'");
        if (sql::isForeignKeyViolation(st.error()))
            return explainForeignKey(c);
        return st.error();
    }
    ASSAY_TRY(tx.commit());
    return c;
}

Result<std::vector<RunCell>> RunRepository::selectCells(
    const std::string& where, const std::string& arg, const char* tail, Detail detail)
{
    auto st = m_db.prepare(std::string("SELECT ") + (detail == Detail::Full ? kCellColumns : kCellSummaryColumns)
        + " FROM run_cell " + where + " " + tail);
    if (!st)
        return st.error();
    st->bind(1, arg);
    std::vector<RunCell> out;
    Error bad;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) {
        RunCell c;
        c.id = s.text(0);
        c.runId = s.text(1);
        c.cellKey = s.text(2);
        c.promptVersionId = s.text(3);
        c.endpointId = s.optText(4);
        c.modelName = s.text(5);
        c.rowId = s.optText(6);
        c.repeatIndex = s.int64(7);
        c.status = parseCellStatus(s.text(8)).value_or(CellStatus::Failed);
        c.output = s.text(9);
        c.error = s.text(10);
        c.finishReason = s.text(11);
        c.tokensIn = s.optInt64(12);
        c.tokensOut = s.optInt64(13);
        c.ttftMs = s.optReal(14);
        c.latencyMs = s.optReal(15);
        c.cost = s.optReal(16);
        c.requestHash = s.text(17);
        if (detail == Detail::Summary) {
            c.createdAt = s.int64(20);
            out.push_back(std::move(c));
            return;
        }
        auto request = sql::parseJson(s.text(18), "run_cell", "request", c.id);
        auto provenance = sql::parseJson(s.text(19), "run_cell", "provenance", c.id);
        if (request && provenance) {
            c.request = std::move(*request);
            c.provenance = std::move(*provenance);
        } else if (bad.code == ErrorCode::Ok) {
            bad = request ? provenance.error() : request.error();
        }
        c.createdAt = s.int64(20);
        out.push_back(std::move(c));
    }));
    if (bad.code != ErrorCode::Ok)
        return bad;
    return out;
}

Result<std::vector<RunCell>> RunRepository::cells(const std::string& runId, Detail detail)
{
    if (detail != Detail::Badges)
        return selectCells("WHERE run_id = ?1", runId, "ORDER BY rowid", detail);
    auto st = m_db.prepare("SELECT cell_key, status, id, tokens_in, tokens_out, ttft_ms, latency_ms, cost, model_name,"
                           " finish_reason, created_at FROM run_cell INDEXED BY run_cell_grid WHERE run_id = ?1");
    if (!st)
        return st.error();
    st->bind(1, runId);
    std::vector<RunCell> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) {
        RunCell c;
        c.runId = runId;
        c.cellKey = s.text(0);
        c.status = parseCellStatus(s.text(1)).value_or(CellStatus::Failed);
        c.id = s.text(2);
        c.tokensIn = s.optInt64(3);
        c.tokensOut = s.optInt64(4);
        c.ttftMs = s.optReal(5);
        c.latencyMs = s.optReal(6);
        c.cost = s.optReal(7);
        c.modelName = s.text(8);
        c.finishReason = s.text(9);
        c.createdAt = s.int64(10);
        out.push_back(std::move(c));
    }));
    return out;
}

Result<std::vector<RunRepository::CellText>> RunRepository::cellTexts(
    const std::string& runId, const std::vector<std::string>* cellKeys)
{
    auto st = m_db.prepare(cellKeys ? "SELECT cell_key, output, error FROM run_cell WHERE run_id = ?1 AND cell_key IN "
                                      "(SELECT value FROM json_each(?2))"
                                    : "SELECT cell_key, output, error FROM run_cell WHERE run_id = ?1");
    if (!st)
        return st.error();
    st->bind(1, runId);
    if (cellKeys)
        st->bind(2, nlohmann::json(*cellKeys).dump());
    std::vector<CellText> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) { out.push_back({ s.text(0), s.text(1), s.text(2) }); }));
    return out;
}

Result<std::optional<RunCell>> RunRepository::cell(const std::string& runId, const std::string& cellKey)
{
    auto st = m_db.prepare(std::string("SELECT id FROM run_cell WHERE run_id = ?1 AND cell_key = ?2"));
    if (!st)
        return st.error();
    st->bind(1, runId).bind(2, cellKey);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<RunCell>();
    auto found = selectCells("WHERE id = ?1", st->text(0), "");
    if (!found)
        return found.error();
    if (found->empty())
        return std::optional<RunCell>();
    return std::optional<RunCell>(std::move(found->front()));
}

Result<std::int64_t> RunRepository::cellCount(const std::string& runId)
{
    auto st = m_db.prepare("SELECT COUNT(*) FROM run_cell WHERE run_id = ?1");
    if (!st)
        return st.error();
    st->bind(1, runId);
    auto row = st->step();
    if (!row)
        return row.error();
    return st->int64(0);
}

Result<std::vector<std::string>> RunRepository::missingCellKeys(
    const std::string& runId, const std::vector<std::string>& plannedKeys, bool retryFailed)
{
    auto st = m_db.prepare("SELECT cell_key, status FROM run_cell WHERE run_id = ?1");
    if (!st)
        return st.error();
    st->bind(1, runId);
    std::unordered_map<std::string, bool> done; // key -> ok
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) { done.emplace(s.text(0), s.text(1) == "ok"); }));
    std::vector<std::string> missing;
    for (const auto& key : plannedKeys) {
        const auto it = done.find(key);
        if (it == done.end() || (retryFailed && !it->second))
            missing.push_back(key);
    }
    return missing;
}

Result<std::optional<RunCell>> RunRepository::findCellByRequestHash(const std::string& requestHash)
{
    if (requestHash.empty())
        return std::optional<RunCell>();
    auto found = selectCells(
        "WHERE request_hash = ?1 AND status = 'ok'", requestHash, "ORDER BY created_at DESC, rowid DESC LIMIT 1");
    if (!found)
        return found.error();
    if (found->empty())
        return std::optional<RunCell>();
    return std::optional<RunCell>(std::move(found->front()));
}

} // namespace assay::core
