// SPDX-License-Identifier: MIT
#pragma once

#include "workspacesnapshot.h"

#include "storage/db.h"

namespace assay::app {

/// Reads what the pages show from an open workspace (counts, models, datasets, catalog). Runs on the thread
/// that owns @p db; never writes.
core::Result<WorkspaceSnapshot> readSnapshot(core::Db& db, const std::string& path);

} // namespace assay::app
