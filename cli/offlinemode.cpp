// SPDX-License-Identifier: MIT
#include "offlinemode.h"

#include "http/offline.h"
#include "storage/workspacesettings.h"

namespace assay::cli {

const char* const kOfflineHelp
    = "offline mode: reach only endpoints on this computer (also ASSAY_OFFLINE=1 or `workspace offline FILE --on`)";

core::Result<OfflineMode> offlineMode(bool flag, core::Db& workspace)
{
    if (flag)
        return OfflineMode { true, "--offline" };
    if (core::offlineRequestedByEnvironment())
        return OfflineMode { true, "ASSAY_OFFLINE is set" };
    auto setting = core::WorkspaceSettings::offline(workspace);
    if (!setting)
        return setting.error();
    if (*setting)
        return OfflineMode { true, "the workspace's offline setting is on" };
    return OfflineMode {};
}

void reportOffline(std::ostream& err, const std::string& path, const OfflineMode& mode)
{
    if (mode.on)
        err << path << ": offline mode is on (" << mode.reason
            << "): only endpoints on this computer (localhost, 127.0.0.1, ::1) are reached\n";
}

} // namespace assay::cli
