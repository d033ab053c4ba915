// SPDX-License-Identifier: MIT
#include "storage/datasetrepository.h"

#include "storage/auditlog.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"

namespace assay::core {

namespace {
Error nameTaken(const std::string& name)
{
    return makeError(ErrorCode::Conflict, "A dataset named '" + name + "' already exists");
}

Error noSuchDataset(const std::string& id)
{
    return makeError(ErrorCode::NotFound, "There is no dataset with id " + id);
}
} // namespace

Status DatasetRepository::appendAudit(const std::string& action, const std::string& id, const std::string& payload)
{
    AuditLog audit(m_db);
    auto e = audit.append(m_actor, action, "dataset", id, payload);
    if (!e)
        return e.error();
    return {};
}

Result<Dataset> DatasetRepository::create(
    const std::string& rawName, const std::string& description, const std::vector<std::string>& labelSet)
{
    Dataset d;
    d.id = newUuid();
    d.name = sql::trimmed(rawName);
    d.description = description;
    d.labelSet = labelSet;
    d.createdAt = nowMs();
    if (d.name.empty())
        return makeError(ErrorCode::Invalid, "A dataset needs a name");
    ASSAY_TRY(sql::checkPlainText(d.name, "dataset name"));
    auto labels = sql::stringsToJson(labelSet, "label set");
    if (!labels)
        return labels.error();

    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto ins
        = m_db.prepare("INSERT INTO dataset(id, name, description, label_set, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!ins)
        return ins.error();
    ins->bind(1, d.id).bind(2, d.name).bind(3, d.description).bind(4, *labels).bind(5, d.createdAt);
    if (auto st = ins->run(); !st)
        return sql::isUniqueViolation(st.error()) ? nameTaken(d.name) : st.error();
    ASSAY_TRY(appendAudit("dataset.create", d.id, sql::auditPayload({ { "name", d.name } })));
    ASSAY_TRY(tx.commit());
    return d;
}

Result<std::vector<Dataset>> DatasetRepository::select(const std::string& where, const std::string& arg)
{
    auto st = m_db.prepare("SELECT d.id, d.name, d.description, d.label_set, d.created_at,"
                           " (SELECT COUNT(*) FROM dataset_row r WHERE r.dataset_id = d.id)"
                           " FROM dataset d "
        + where + " ORDER BY d.name");
    if (!st)
        return st.error();
    if (!arg.empty())
        st->bind(1, arg);
    std::vector<Dataset> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) {
        Dataset d;
        d.id = s.text(0);
        d.name = s.text(1);
        d.description = s.text(2);
        d.labelSet = sql::stringsFromJson(s.text(3));
        d.createdAt = s.int64(4);
        d.rowCount = s.int64(5);
        out.push_back(std::move(d));
    }));
    return out;
}

Result<Dataset> DatasetRepository::get(const std::string& id)
{
    auto found = select("WHERE d.id = ?1", id);
    if (!found)
        return found.error();
    if (found->empty())
        return noSuchDataset(id);
    return std::move(found->front());
}

Result<std::optional<Dataset>> DatasetRepository::findByName(const std::string& name)
{
    auto found = select("WHERE d.name = ?1", sql::trimmed(name));
    if (!found)
        return found.error();
    if (found->empty())
        return std::optional<Dataset>();
    return std::optional<Dataset>(std::move(found->front()));
}

Result<std::vector<Dataset>> DatasetRepository::list()
{
    return select(std::string(), std::string());
}

Status DatasetRepository::rename(const std::string& id, const std::string& rawName)
{
    const std::string name = sql::trimmed(rawName);
    if (name.empty())
        return makeError(ErrorCode::Invalid, "A dataset needs a name");
    ASSAY_TRY(sql::checkPlainText(name, "dataset name"));
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto old = m_db.prepare("SELECT name FROM dataset WHERE id = ?1");
    if (!old)
        return old.error();
    old->bind(1, id);
    auto row = old->step();
    if (!row)
        return row.error();
    if (!*row)
        return noSuchDataset(id);
    const std::string oldName = old->text(0);
    auto up = m_db.prepare("UPDATE dataset SET name = ?2 WHERE id = ?1");
    if (!up)
        return up.error();
    up->bind(1, id).bind(2, name);
    if (auto st = up->run(); !st)
        return sql::isUniqueViolation(st.error()) ? nameTaken(name) : st.error();
    ASSAY_TRY(appendAudit("dataset.rename", id, sql::auditPayload({ { "from", oldName }, { "to", name } })));
    return tx.commit();
}

Status DatasetRepository::remove(const std::string& id)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto old = m_db.prepare("SELECT name, (SELECT COUNT(*) FROM dataset_row WHERE dataset_id = ?1) FROM dataset "
                            "WHERE id = ?1");
    if (!old)
        return old.error();
    old->bind(1, id);
    auto row = old->step();
    if (!row)
        return row.error();
    if (!*row)
        return noSuchDataset(id);
    const std::string name = old->text(0);
    const std::int64_t rowCount = old->int64(1);
    auto del = m_db.prepare("DELETE FROM dataset WHERE id = ?1");
    if (!del)
        return del.error();
    del->bind(1, id);
    ASSAY_TRY(del->run());
    ASSAY_TRY(appendAudit("dataset.delete", id, sql::auditPayload({ { "name", name }, { "rows", rowCount } })));
    return tx.commit();
}

Result<std::vector<DatasetRow>> DatasetRepository::addRows(const std::string& datasetId, std::vector<DatasetRow> rows)
{
    // Validate and serialise everything before the transaction starts: a bad row writes nothing.
    struct Encoded {
        std::string inputs;
        std::string tags;
    };
    std::vector<Encoded> encoded;
    encoded.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string where = "row " + std::to_string(i + 1);
        if (!rows[i].inputs.is_object())
            return makeError(ErrorCode::Invalid, where + ": inputs must be a JSON object (variable -> value)");
        auto inputs = sql::dumpJson(rows[i].inputs, where + " inputs");
        if (!inputs)
            return inputs.error();
        auto tags = sql::stringsToJson(rows[i].tags, where + " tags");
        if (!tags)
            return tags.error();
        encoded.push_back({ std::move(*inputs), std::move(*tags) });
    }

    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto found = sql::exists(m_db, "dataset", datasetId);
    if (!found)
        return found.error();
    if (!*found)
        return noSuchDataset(datasetId);
    auto next = m_db.prepare("SELECT COALESCE(MAX(ordinal) + 1, 0) FROM dataset_row WHERE dataset_id = ?1");
    if (!next)
        return next.error();
    next->bind(1, datasetId);
    auto has = next->step();
    if (!has)
        return has.error();
    std::int64_t ordinal = next->int64(0);

    auto ins = m_db.prepare("INSERT INTO dataset_row(id, dataset_id, ordinal, inputs, expected, split, tags)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!ins)
        return ins.error();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        DatasetRow& r = rows[i];
        if (r.id.empty())
            r.id = newUuid();
        r.datasetId = datasetId;
        r.ordinal = ordinal++;
        ins->reset();
        ins->bind(1, r.id).bind(2, datasetId).bind(3, r.ordinal).bind(4, encoded[i].inputs).bind(5, r.expected);
        ins->bind(6, r.split).bind(7, encoded[i].tags);
        if (auto st = ins->run(); !st) {
            if (sql::isUniqueViolation(st.error()))
                return makeError(ErrorCode::Conflict,
                    "row " + std::to_string(i + 1) + ": a dataset row with id " + r.id + " already exists");
            return st.error();
        }
    }
    ASSAY_TRY(appendAudit("dataset.rows.add", datasetId,
        sql::auditPayload({ { "count", static_cast<std::int64_t>(rows.size()) },
            { "first_ordinal", ordinal - static_cast<std::int64_t>(rows.size()) } })));
    ASSAY_TRY(tx.commit());
    return rows;
}

Result<std::vector<DatasetRow>> DatasetRepository::allRows(const std::string& datasetId)
{
    constexpr std::int64_t page = 5000;
    std::vector<DatasetRow> out;
    for (std::int64_t offset = 0;; offset += page) {
        auto next = rows(datasetId, offset, page);
        if (!next)
            return next.error();
        const bool last = static_cast<std::int64_t>(next->size()) < page;
        out.insert(out.end(), std::make_move_iterator(next->begin()), std::make_move_iterator(next->end()));
        if (last)
            return out;
    }
}

Result<std::vector<DatasetRow>> DatasetRepository::rows(
    const std::string& datasetId, std::int64_t offset, std::int64_t limit)
{
    auto st = m_db.prepare("SELECT id, ordinal, inputs, expected, split, tags FROM dataset_row"
                           " WHERE dataset_id = ?1 ORDER BY ordinal LIMIT ?2 OFFSET ?3");
    if (!st)
        return st.error();
    st->bind(1, datasetId).bind(2, limit < 0 ? std::int64_t(-1) : limit).bind(3, offset < 0 ? std::int64_t(0) : offset);
    std::vector<DatasetRow> out;
    Error bad;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) {
        DatasetRow r;
        r.id = s.text(0);
        r.datasetId = datasetId;
        r.ordinal = s.int64(1);
        auto inputs = sql::parseJson(s.text(2), "dataset_row", "inputs", r.id);
        if (inputs)
            r.inputs = std::move(*inputs);
        else if (bad.code == ErrorCode::Ok)
            bad = inputs.error();
        r.expected = s.optText(3);
        r.split = s.text(4);
        r.tags = sql::stringsFromJson(s.text(5));
        out.push_back(std::move(r));
    }));
    if (bad.code != ErrorCode::Ok)
        return bad;
    return out;
}

Result<std::int64_t> DatasetRepository::rowCount(const std::string& datasetId)
{
    auto st = m_db.prepare("SELECT COUNT(*) FROM dataset_row WHERE dataset_id = ?1");
    if (!st)
        return st.error();
    st->bind(1, datasetId);
    auto row = st->step();
    if (!row)
        return row.error();
    return st->int64(0);
}

} // namespace assay::core
