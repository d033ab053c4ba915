// SPDX-License-Identifier: MIT
#include "storage/reviewrepository.h"

#include "storage/auditlog.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"

#include <cmath>
#include <tuple>

namespace assay::core {

namespace {
Result<bool> requireExists(Db& db, std::string_view table, const std::string& id, const std::string& what)
{
    auto found = sql::exists(db, table, id);
    if (!found)
        return found.error();
    if (!*found)
        return makeError(ErrorCode::NotFound, "There is no " + what + " with id " + id);
    return true;
}
} // namespace

Result<Reviewer> ReviewRepository::addReviewer(const std::string& name, const std::string& email)
{
    Reviewer r;
    r.id = newUuid();
    r.name = sql::trimmed(name);
    r.email = sql::trimmed(email);
    r.createdAt = nowMs();
    if (r.name.empty())
        return makeError(ErrorCode::Invalid, "A reviewer needs a name");
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto st = m_db.prepare("INSERT INTO reviewer(id, name, email, created_at) VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return st.error();
    st->bind(1, r.id).bind(2, r.name).bind(3, r.email).bind(4, r.createdAt);
    if (auto run = st->run(); !run)
        return sql::isUniqueViolation(run.error())
            ? makeError(ErrorCode::Conflict, "A reviewer named '" + r.name + "' already exists")
            : run.error();
    AuditLog audit(m_db);
    ASSAY_TRY(audit.append(m_actor, "reviewer.add", "reviewer", r.id, sql::auditPayload({ { "name", r.name } })));
    ASSAY_TRY(tx.commit());
    return r;
}

Result<Reviewer> ReviewRepository::reviewer(const std::string& id)
{
    auto st = m_db.prepare("SELECT id, name, email, created_at FROM reviewer WHERE id = ?1");
    if (!st)
        return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return makeError(ErrorCode::NotFound, "There is no reviewer with id " + id);
    return Reviewer { st->text(0), st->text(1), st->text(2), st->int64(3) };
}

Result<std::vector<Reviewer>> ReviewRepository::reviewers()
{
    auto st = m_db.prepare("SELECT id, name, email, created_at FROM reviewer ORDER BY name");
    if (!st)
        return st.error();
    std::vector<Reviewer> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& q) {
        out.push_back(Reviewer { q.text(0), q.text(1), q.text(2), q.int64(3) });
    }));
    return out;
}

Result<ReviewTask> ReviewRepository::createTask(ReviewTask t)
{
    t.name = sql::trimmed(t.name);
    if (t.name.empty())
        return makeError(ErrorCode::Invalid, "A review task needs a name");
    if (!t.sampling.is_object() || !t.scale.is_object())
        return makeError(ErrorCode::Invalid, "review task '" + t.name + "': sampling and scale must be JSON objects");
    auto sampling = sql::dumpJson(t.sampling, "review task '" + t.name + "' sampling");
    if (!sampling)
        return sampling.error();
    auto scale = sql::dumpJson(t.scale, "review task '" + t.name + "' scale");
    if (!scale)
        return scale.error();
    if (t.id.empty())
        t.id = newUuid();
    if (t.createdAt == 0)
        t.createdAt = nowMs();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    ASSAY_TRY(requireExists(m_db, "run", t.runId, "run"));
    auto st = m_db.prepare("INSERT INTO review_task(id, run_id, name, blind, sampling, scale, created_at)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return st.error();
    st->bind(1, t.id).bind(2, t.runId).bind(3, t.name).bind(4, t.blind).bind(5, *sampling).bind(6, *scale);
    st->bind(7, t.createdAt);
    ASSAY_TRY(st->run());
    AuditLog audit(m_db);
    ASSAY_TRY(audit.append(m_actor, "review.task.create", "review_task", t.id,
        sql::auditPayload({ { "name", t.name }, { "run_id", t.runId }, { "blind", t.blind } })));
    ASSAY_TRY(tx.commit());
    return t;
}

Result<std::vector<ReviewTask>> ReviewRepository::selectTasks(const char* where, const std::string& arg)
{
    auto st = m_db.prepare(std::string("SELECT id, run_id, name, blind, sampling, scale, created_at FROM review_task ")
        + where + " ORDER BY created_at, rowid");
    if (!st)
        return st.error();
    st->bind(1, arg);
    std::vector<ReviewTask> out;
    Error bad;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& q) {
        ReviewTask t;
        t.id = q.text(0);
        t.runId = q.text(1);
        t.name = q.text(2);
        t.blind = q.int64(3) != 0;
        auto sampling = sql::parseJson(q.text(4), "review_task", "sampling", t.id);
        auto scale = sql::parseJson(q.text(5), "review_task", "scale", t.id);
        if (sampling && scale) {
            t.sampling = std::move(*sampling);
            t.scale = std::move(*scale);
        } else if (bad.code == ErrorCode::Ok) {
            bad = sampling ? scale.error() : sampling.error();
        }
        t.createdAt = q.int64(6);
        out.push_back(std::move(t));
    }));
    if (bad.code != ErrorCode::Ok)
        return bad;
    return out;
}

Result<ReviewTask> ReviewRepository::task(const std::string& id)
{
    auto found = selectTasks("WHERE id = ?1", id);
    if (!found)
        return found.error();
    if (found->empty())
        return makeError(ErrorCode::NotFound, "There is no review task with id " + id);
    return std::move(found->front());
}

Result<std::vector<ReviewTask>> ReviewRepository::tasksForRun(const std::string& runId)
{
    return selectTasks("WHERE run_id = ?1", runId);
}

Status ReviewRepository::assign(const std::vector<ReviewAssignment>& list)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto st = m_db.prepare("INSERT INTO review_assignment(task_id, reviewer_id, cell_id, ordinal)"
                           " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    if (!st)
        return st.error();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& a = list[i];
        const std::string where = "assignment " + std::to_string(i + 1) + ": ";
        st->reset();
        st->bind(1, a.taskId).bind(2, a.reviewerId).bind(3, a.cellId).bind(4, a.ordinal);
        if (auto run = st->run(); !run) {
            if (!sql::isForeignKeyViolation(run.error()))
                return run.error();
            for (auto [table, what, id] : { std::tuple { "review_task", "review task", &a.taskId },
                     std::tuple { "reviewer", "reviewer", &a.reviewerId },
                     std::tuple { "run_cell", "run cell", &a.cellId } }) {
                auto found = sql::exists(m_db, table, *id);
                if (found && !*found)
                    return makeError(ErrorCode::NotFound, where + "there is no " + what + " with id " + *id);
            }
            return run.error();
        }
    }
    return tx.commit();
}

Result<std::vector<ReviewAssignment>> ReviewRepository::assignments(
    const std::string& taskId, const std::string& reviewerId)
{
    auto st = m_db.prepare("SELECT task_id, reviewer_id, cell_id, ordinal FROM review_assignment"
                           " WHERE task_id = ?1 AND reviewer_id = ?2 ORDER BY ordinal, cell_id");
    if (!st)
        return st.error();
    st->bind(1, taskId).bind(2, reviewerId);
    std::vector<ReviewAssignment> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& q) {
        out.push_back(ReviewAssignment { q.text(0), q.text(1), q.text(2), q.int64(3) });
    }));
    return out;
}

Status ReviewRepository::checkRating(const Rating& r)
{
    if (r.scale.empty())
        return makeError(ErrorCode::Invalid, "rating: the scale is missing");
    if (!std::isfinite(r.value))
        return makeError(ErrorCode::Invalid, "rating: the value is not a finite number");
    if (r.pairCellId && *r.pairCellId == r.cellId)
        return makeError(ErrorCode::Invalid, "rating: a pairwise preference needs two different cells");
    ASSAY_TRY(requireExists(m_db, "reviewer", r.reviewerId, "reviewer"));
    ASSAY_TRY(requireExists(m_db, "run_cell", r.cellId, "run cell"));
    if (r.pairCellId)
        ASSAY_TRY(requireExists(m_db, "run_cell", *r.pairCellId, "run cell"));
    if (!r.taskId)
        return {};
    auto t = task(*r.taskId);
    if (!t)
        return t.error();
    const auto& scale = t->scale;
    const bool hasMin = scale.contains("min") && scale["min"].is_number();
    const bool hasMax = scale.contains("max") && scale["max"].is_number();
    if ((hasMin && r.value < scale["min"].get<double>()) || (hasMax && r.value > scale["max"].get<double>()))
        return makeError(ErrorCode::Invalid,
            "rating: the value " + nlohmann::json(r.value).dump() + " is outside the scale of task '" + t->name + "' ("
                + (hasMin ? scale["min"].dump() : std::string("…")) + " to "
                + (hasMax ? scale["max"].dump() : std::string("…")) + ")");
    return {};
}

Result<Rating> ReviewRepository::addRating(Rating r)
{
    if (r.id.empty())
        r.id = newUuid();
    if (r.createdAt == 0)
        r.createdAt = nowMs();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    ASSAY_TRY(checkRating(r));
    auto st = m_db.prepare("INSERT INTO rating(id, reviewer_id, cell_id, pair_cell_id, task_id, scale, value,"
                           " comment, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st)
        return st.error();
    st->bind(1, r.id).bind(2, r.reviewerId).bind(3, r.cellId).bind(4, r.pairCellId).bind(5, r.taskId);
    st->bind(6, r.scale).bind(7, r.value).bind(8, r.comment).bind(9, r.createdAt);
    if (auto run = st->run(); !run)
        return sql::isUniqueViolation(run.error())
            ? makeError(ErrorCode::Conflict, "A rating with id " + r.id + " already exists")
            : run.error();
    nlohmann::json payload { { "reviewer_id", r.reviewerId }, { "cell_id", r.cellId }, { "scale", r.scale },
        { "value", r.value } };
    if (r.pairCellId)
        payload["pair_cell_id"] = *r.pairCellId;
    if (r.taskId)
        payload["task_id"] = *r.taskId;
    AuditLog audit(m_db);
    ASSAY_TRY(audit.append(m_actor, "rating.add", "rating", r.id, sql::auditPayload(payload)));
    ASSAY_TRY(tx.commit());
    return r;
}

Result<std::vector<Rating>> ReviewRepository::selectRatings(const char* where, const std::string& arg)
{
    auto st = m_db.prepare(std::string("SELECT id, reviewer_id, cell_id, pair_cell_id, task_id, scale, value, comment,"
                                       " created_at FROM rating ")
        + where + " ORDER BY created_at, rowid");
    if (!st)
        return st.error();
    st->bind(1, arg);
    std::vector<Rating> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& q) {
        Rating r;
        r.id = q.text(0);
        r.reviewerId = q.text(1);
        r.cellId = q.text(2);
        r.pairCellId = q.optText(3);
        r.taskId = q.optText(4);
        r.scale = q.text(5);
        r.value = q.real(6);
        r.comment = q.text(7);
        r.createdAt = q.int64(8);
        out.push_back(std::move(r));
    }));
    return out;
}

Result<std::vector<Rating>> ReviewRepository::ratingsForCell(const std::string& cellId)
{
    return selectRatings("WHERE cell_id = ?1 OR pair_cell_id = ?1", cellId);
}

Result<std::vector<Rating>> ReviewRepository::ratingsForRun(const std::string& runId)
{
    return selectRatings("WHERE cell_id IN (SELECT id FROM run_cell WHERE run_id = ?1)", runId);
}

Result<std::vector<Rating>> ReviewRepository::ratingsForTask(const std::string& taskId)
{
    return selectRatings("WHERE task_id = ?1", taskId);
}

} // namespace assay::core
