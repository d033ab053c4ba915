// SPDX-License-Identifier: MIT
#pragma once

#include "storage/db.h"

#include <string>

namespace assay::core {

/// Settings that belong to the workspace file itself (rows of its `meta` table), so they travel with the file: a
/// workspace copied to an air-gapped site stays offline in the GUI and in assay-cli alike. Changes are audited.
class WorkspaceSettings {
public:
    /// The meta key of the offline setting ("1" on, "0" or absent off).
    static constexpr const char* kOfflineKey = "setting.offline";

    /// True when the workspace asks for offline mode (only loopback endpoints are reached).
    static Result<bool> offline(Db& db);
    /// Turns the workspace's offline setting on or off, with an audit event "workspace.offline" by @p actor.
    static Status setOffline(Db& db, bool on, const std::string& actor);
};

} // namespace assay::core
