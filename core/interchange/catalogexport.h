// SPDX-License-Identifier: MIT
#pragma once

#include "interchange/catalogentry.h"
#include "interchange/catalogformat.h"
#include "storage/db.h"

#include <cstdint>
#include <string>
#include <vector>

namespace assay::core {

/// What an export wrote.
struct ExportReport {
    std::int64_t prompts = 0;
    std::int64_t versions = 0;
    std::int64_t labels = 0;
    std::int64_t datasets = 0;
    std::int64_t rows = 0;
    std::uint64_t bytes = 0; ///< total size of the files written
    std::vector<LeftOut> leftOut; ///< prompts the format cannot carry exactly (CSV, promptfoo)
};

/// Writes the workspace's prompt catalog (and, for a bundle, its datasets) to a file in one of the interchange
/// formats (catalogformat.h). JSON, JSONL and bundles carry every version, id, time and label, so importing them
/// into another workspace reproduces the same content hashes, version numbers and labels; CSV and promptfoo carry
/// the latest version of the prompts they can express exactly and list the others in ExportReport::leftOut.
/// Reads only. Thread affinity: the thread that owns @p db.
class CatalogExporter {
public:
    explicit CatalogExporter(Db& db)
        : m_db(db)
    {
    }

    /// Every prompt (by folder, then name) with its versions and labels.
    Result<std::vector<CatalogEntry>> prompts();
    /// Every dataset (by name) with its rows.
    Result<std::vector<DatasetEntry>> datasets();

    /// Writes @p path (a directory for a bundle); an existing file is replaced only when @p replace (Conflict
    /// otherwise). The file is written whole to a temporary name first, so a failed export leaves nothing behind.
    Result<ExportReport> exportTo(const std::string& path, CatalogFormat format, bool replace = false);

private:
    Db& m_db;
};

} // namespace assay::core
