// SPDX-License-Identifier: MIT
#include "storage/evalrepository.h"

#include "storage/sqlhelpers.h"
#include "util/ids.h"

#include <cmath>

namespace assay::core {

Result<MetricScore> EvalRepository::upsertOne(MetricScore s, const std::string& where)
{
    if (s.metric.empty())
        return makeError(ErrorCode::Invalid, where + ": a score needs a metric name");
    if (!std::isfinite(s.value))
        return makeError(ErrorCode::Invalid, where + ": the value of metric '" + s.metric + "' is not a finite number");
    auto details = sql::dumpJson(s.details, where + " details");
    if (!details)
        return details.error();
    auto cell = sql::exists(m_db, "run_cell", s.cellId);
    if (!cell)
        return cell.error();
    if (!*cell)
        return makeError(ErrorCode::NotFound, where + ": there is no run cell with id " + s.cellId);
    if (s.id.empty())
        s.id = newUuid();
    if (s.createdAt == 0)
        s.createdAt = nowMs();
    auto st = m_db.prepare("INSERT INTO metric_score(id, cell_id, metric, value, details, created_at)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(cell_id, metric) DO UPDATE SET"
                           " value = excluded.value, details = excluded.details, created_at = excluded.created_at"
                           " RETURNING id");
    if (!st)
        return st.error();
    st->bind(1, s.id).bind(2, s.cellId).bind(3, s.metric).bind(4, s.value).bind(5, *details).bind(6, s.createdAt);
    auto row = st->step();
    if (!row)
        return row.error();
    s.id = st->text(0);
    ASSAY_TRY(st->run());
    return s;
}

Result<MetricScore> EvalRepository::upsertScore(MetricScore score)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto stored = upsertOne(std::move(score), "score");
    if (!stored)
        return stored.error();
    ASSAY_TRY(tx.commit());
    return stored;
}

Status EvalRepository::upsertScores(const std::vector<MetricScore>& scores)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    for (std::size_t i = 0; i < scores.size(); ++i)
        ASSAY_TRY(upsertOne(scores[i], "score " + std::to_string(i + 1)));
    return tx.commit();
}

Result<std::vector<MetricScore>> EvalRepository::selectScores(const char* where, const std::string& arg)
{
    auto st = m_db.prepare(std::string("SELECT s.id, s.cell_id, s.metric, s.value, s.details, s.created_at"
                                       " FROM metric_score s ")
        + where + " ORDER BY s.cell_id, s.metric");
    if (!st)
        return st.error();
    st->bind(1, arg);
    std::vector<MetricScore> out;
    Error bad;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& q) {
        MetricScore s;
        s.id = q.text(0);
        s.cellId = q.text(1);
        s.metric = q.text(2);
        s.value = q.real(3);
        if (auto details = sql::parseJson(q.text(4), "metric_score", "details", s.id))
            s.details = std::move(*details);
        else if (bad.code == ErrorCode::Ok)
            bad = details.error();
        s.createdAt = q.int64(5);
        out.push_back(std::move(s));
    }));
    if (bad.code != ErrorCode::Ok)
        return bad;
    return out;
}

Result<std::vector<MetricScore>> EvalRepository::scoresForCell(const std::string& cellId)
{
    return selectScores("WHERE s.cell_id = ?1", cellId);
}

Result<std::vector<MetricScore>> EvalRepository::scoresForRun(const std::string& runId)
{
    return selectScores("JOIN run_cell c ON c.id = s.cell_id WHERE c.run_id = ?1", runId);
}

Result<JudgeVerdict> EvalRepository::addVerdict(JudgeVerdict v)
{
    if (v.score && !std::isfinite(*v.score))
        return makeError(ErrorCode::Invalid, "verdict: the score is not a finite number");
    if (!(v.scaleMax > 0) || !std::isfinite(v.scaleMax))
        return makeError(ErrorCode::Invalid, "verdict: the scale maximum must be a positive number");
    if (v.id.empty())
        v.id = newUuid();
    if (v.createdAt == 0)
        v.createdAt = nowMs();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto cell = sql::exists(m_db, "run_cell", v.cellId);
    if (!cell)
        return cell.error();
    if (!*cell)
        return makeError(ErrorCode::NotFound, "verdict: there is no run cell with id " + v.cellId);
    auto st = m_db.prepare("INSERT INTO judge_verdict(id, cell_id, judge_endpoint, rubric, score, scale_max,"
                           " reasoning, raw, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st)
        return st.error();
    st->bind(1, v.id).bind(2, v.cellId).bind(3, v.judgeEndpoint).bind(4, v.rubric).bind(5, v.score);
    st->bind(6, v.scaleMax).bind(7, v.reasoning).bind(8, v.raw).bind(9, v.createdAt);
    ASSAY_TRY(st->run());
    ASSAY_TRY(tx.commit());
    return v;
}

Result<std::vector<JudgeVerdict>> EvalRepository::selectVerdicts(const char* where, const std::string& arg)
{
    auto st = m_db.prepare(std::string("SELECT v.id, v.cell_id, v.judge_endpoint, v.rubric, v.score, v.scale_max,"
                                       " v.reasoning, v.raw, v.created_at FROM judge_verdict v ")
        + where + " ORDER BY v.created_at, v.rowid");
    if (!st)
        return st.error();
    st->bind(1, arg);
    std::vector<JudgeVerdict> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& q) {
        JudgeVerdict v;
        v.id = q.text(0);
        v.cellId = q.text(1);
        v.judgeEndpoint = q.text(2);
        v.rubric = q.text(3);
        v.score = q.optReal(4);
        v.scaleMax = q.real(5);
        v.reasoning = q.text(6);
        v.raw = q.text(7);
        v.createdAt = q.int64(8);
        out.push_back(std::move(v));
    }));
    return out;
}

Result<std::vector<JudgeVerdict>> EvalRepository::verdictsForCell(const std::string& cellId)
{
    return selectVerdicts("WHERE v.cell_id = ?1", cellId);
}

Result<std::vector<JudgeVerdict>> EvalRepository::verdictsForRun(const std::string& runId)
{
    return selectVerdicts("JOIN run_cell c ON c.id = v.cell_id WHERE c.run_id = ?1", runId);
}

} // namespace assay::core
