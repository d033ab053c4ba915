// SPDX-License-Identifier: MIT
#include "storage/workspacesettings.h"

#include "storage/auditlog.h"
#include "storage/sqlhelpers.h"
#include "storage/workspace.h"

namespace assay::core {

Result<bool> WorkspaceSettings::offline(Db& db)
{
    auto st = db.prepare("SELECT value FROM meta WHERE key = ?1");
    if (!st)
        return st.error();
    st->bind(1, kOfflineKey);
    auto row = st->step();
    if (!row)
        return row.error();
    return *row && st->text(0) == "1";
}

Status WorkspaceSettings::setOffline(Db& db, bool on, const std::string& actor)
{
    Transaction tx(db);
    if (!tx.began())
        return tx.beginError();
    auto st = db.prepare("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
    if (!st)
        return st.error();
    st->bind(1, kOfflineKey).bind(2, on ? "1" : "0");
    ASSAY_TRY(st->run());
    auto event = AuditLog(db).append(
        actor, "workspace.offline", "workspace", Workspace::workspaceId(db), sql::auditPayload({ { "offline", on } }));
    if (!event)
        return event.error();
    return tx.commit();
}

} // namespace assay::core
