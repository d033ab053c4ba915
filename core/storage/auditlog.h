// SPDX-License-Identifier: MIT
#pragma once

#include "storage/db.h"

#include <cstdint>
#include <string>
#include <vector>

namespace assay::core {

struct AuditEvent {
    std::int64_t seq = 0;
    std::string id;
    std::int64_t at = 0;
    std::string actor;
    std::string action; ///< e.g. "prompt.label.move", "rating.add"
    std::string entity;
    std::string entityId;
    std::string payload = "{}"; ///< JSON; never secrets
    std::string prevHash;
    std::string hash;
};

/// The append-only, hash-chained audit trail. Append inside the caller's transaction so the event and the
/// change it records commit together. hash = SHA-256 of prev_hash, id, actor, action, entity, entity_id and payload,
/// each followed by the byte 0x1F, then `at` in decimal (this preimage is pinned in tests/core/tst_pinnedformats.cpp).
class AuditLog {
public:
    explicit AuditLog(Db& db)
        : m_db(db)
    {
    }

    Result<AuditEvent> append(const std::string& actor, const std::string& action, const std::string& entity,
        const std::string& entityId, const std::string& payloadJson = "{}");
    Result<std::vector<AuditEvent>> list(
        const std::string& entity = {}, const std::string& entityId = {}, int limit = 1000);
    /// Recomputes the chain; an Error names the first event that does not match.
    Status verify();

    static std::string chainHash(const AuditEvent& e);
    static constexpr const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

private:
    Db& m_db;
};

} // namespace assay::core
