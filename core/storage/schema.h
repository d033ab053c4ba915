// SPDX-License-Identifier: MIT
#pragma once

#include "storage/db.h"

namespace assay::core::schema {

/// 'ASSY' — written to PRAGMA application_id so a workspace is recognisable among SQLite files.
inline constexpr int kApplicationId = 0x41535359;

/// The schema version this build writes. Migrations take a file from any older version up to it.
int latestVersion();

/// Applies migrations (each in its own transaction) until PRAGMA user_version == @p target.
/// @p target defaults to latestVersion(); tests pass lower values to build files of older versions.
Status migrate(Db& db, int target = -1);

} // namespace assay::core::schema
