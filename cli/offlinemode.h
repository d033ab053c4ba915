// SPDX-License-Identifier: MIT
#pragma once

#include "storage/db.h"

#include <ostream>
#include <string>

namespace assay::cli {

/// The help line of the --offline flag (run, endpoints test).
extern const char* const kOfflineHelp;

/// Offline mode for a command that calls endpoints: on when --offline was given (@p flag), ASSAY_OFFLINE asks for it
/// (core::offlineRequestedByEnvironment) or the workspace's own setting is on (`assay-cli workspace offline FILE
/// --on`); any one is enough. Then the HTTP client refuses every host that is not this computer before a name lookup
/// or a socket, and the failed cell names the host. @p reason says which one turned it on ("--offline", ...).
struct OfflineMode {
    bool on = false;
    std::string reason;
};
core::Result<OfflineMode> offlineMode(bool flag, core::Db& workspace);

/// When @p mode is on, one line on @p err saying so and why (prefixed by @p path).
void reportOffline(std::ostream& err, const std::string& path, const OfflineMode& mode);

} // namespace assay::cli
