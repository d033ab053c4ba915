// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"

#include "util/ids.h"

namespace assay::core {

std::string AuditLog::chainHash(const AuditEvent& e)
{
    std::string s;
    for (const std::string* part : { &e.prevHash, &e.id, &e.actor, &e.action, &e.entity, &e.entityId, &e.payload }) {
        s += *part;
        s += '\x1f';
    }
    s += std::to_string(e.at);
    return sha256Hex(s);
}

Result<AuditEvent> AuditLog::append(const std::string& actor, const std::string& action, const std::string& entity,
    const std::string& entityId, const std::string& payloadJson)
{
    AuditEvent e;
    e.id = newUuid();
    e.at = nowMs();
    e.actor = actor;
    e.action = action;
    e.entity = entity;
    e.entityId = entityId;
    e.payload = payloadJson;
    auto last = m_db.prepare("SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1");
    if (!last)
        return last.error();
    auto row = last->step();
    if (!row)
        return row.error();
    e.prevHash = *row ? last->text(0) : std::string(kGenesis);
    e.hash = chainHash(e);

    auto ins = m_db.prepare("INSERT INTO audit_event(id, at, actor, action, entity, entity_id, payload, prev_hash, hash)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!ins)
        return ins.error();
    ins->bind(1, e.id).bind(2, e.at).bind(3, e.actor).bind(4, e.action).bind(5, e.entity).bind(6, e.entityId);
    ins->bind(7, e.payload).bind(8, e.prevHash).bind(9, e.hash);
    ASSAY_TRY(ins->run());
    e.seq = m_db.lastInsertRowId();
    return e;
}

Result<std::vector<AuditEvent>> AuditLog::list(const std::string& entity, const std::string& entityId, int limit)
{
    auto st = m_db.prepare("SELECT seq, id, at, actor, action, entity, entity_id, payload, prev_hash, hash "
                           "FROM audit_event WHERE (?1 = '' OR entity = ?1) AND (?2 = '' OR entity_id = ?2) "
                           "ORDER BY seq LIMIT ?3");
    if (!st)
        return st.error();
    st->bind(1, entity).bind(2, entityId).bind(3, limit);
    std::vector<AuditEvent> out;
    for (;;) {
        auto row = st->step();
        if (!row)
            return row.error();
        if (!*row)
            break;
        AuditEvent e;
        e.seq = st->int64(0);
        e.id = st->text(1);
        e.at = st->int64(2);
        e.actor = st->text(3);
        e.action = st->text(4);
        e.entity = st->text(5);
        e.entityId = st->text(6);
        e.payload = st->text(7);
        e.prevHash = st->text(8);
        e.hash = st->text(9);
        out.push_back(std::move(e));
    }
    return out;
}

Status AuditLog::verify()
{
    auto st = m_db.prepare("SELECT seq, id, at, actor, action, entity, entity_id, payload, prev_hash, hash "
                           "FROM audit_event ORDER BY seq");
    if (!st)
        return st.error();
    std::string prev = kGenesis;
    for (;;) {
        auto row = st->step();
        if (!row)
            return row.error();
        if (!*row)
            break;
        AuditEvent e;
        e.seq = st->int64(0);
        e.id = st->text(1);
        e.at = st->int64(2);
        e.actor = st->text(3);
        e.action = st->text(4);
        e.entity = st->text(5);
        e.entityId = st->text(6);
        e.payload = st->text(7);
        e.prevHash = st->text(8);
        e.hash = st->text(9);
        const std::string which = "Audit trail broken at event " + std::to_string(e.seq) + " (" + e.action + " of "
            + (e.entity.empty() ? std::string("workspace") : e.entity + " " + e.entityId) + ", id " + e.id + ")";
        if (e.prevHash != prev)
            return makeError(ErrorCode::Corrupt, which + ": an earlier event was removed or changed");
        if (chainHash(e) != e.hash)
            return makeError(ErrorCode::Corrupt, which + ": its content was changed");
        prev = e.hash;
    }
    return {};
}

} // namespace assay::core
