// SPDX-License-Identifier: MIT
#pragma once

#include "interchange/catalogentry.h"
#include "interchange/catalogformat.h"
#include "interchange/textinput.h"
#include "storage/db.h"

#include <cstdint>
#include <string>
#include <vector>

namespace assay::core {

struct ImportOptions {
    std::uint64_t maxBytes = kDefaultImportLimit; ///< larger files are refused (Invalid), per file of a bundle
    std::string author = "import"; ///< author of versions whose format carries none (CSV, promptfoo)
};

/// What an import did.
struct ImportReport {
    std::int64_t prompts = 0; ///< prompts created
    std::int64_t versions = 0; ///< versions stored (of new prompts, and newer versions of prompts already here)
    std::int64_t labels = 0; ///< labels set
    std::int64_t skipped = 0; ///< prompts already here with the same content (nothing to add)
    std::int64_t datasets = 0; ///< datasets created (bundles)
    std::int64_t rows = 0; ///< their rows
    std::int64_t skippedDatasets = 0; ///< datasets already here with the same rows
};

/// What a file holds, read and checked but not yet stored.
struct CatalogData {
    std::vector<CatalogEntry> prompts;
    std::vector<DatasetEntry> datasets;
};

/// Reads an interchange file (catalogformat.h) into a workspace, all or nothing, in one transaction.
///
/// Bad input (malformed JSON, JSONL or CSV, invalid UTF-8, a file over ImportOptions::maxBytes, an unknown field, a
/// name used twice in the file, a template that does not parse, a tampered bundle) is Invalid, with the file, the
/// line (and for JSON the column) and the field in the message, before anything is written.
///
/// Against the workspace, a prompt of the file is matched by id (formats with ids) and else by name:
///   - same id, and every version of the file is here with the same content hash: skipped (counted);
///   - same id, the file has newer versions (numbers above the workspace's latest): those are added, and the
///     file's labels are set;
///   - same id but a version number with a different content hash, or the same name under a different id (or, for
///     a format without ids, the same name with different content): a conflict. All conflicts are reported
///     together in one Conflict error naming each prompt, and nothing is imported.
/// Datasets (bundles) match by name: identical ones are skipped, different ones conflict.
class CatalogImporter {
public:
    explicit CatalogImporter(Db& db, std::string actor = {})
        : m_db(db)
        , m_actor(std::move(actor))
    {
    }

    /// read() then apply().
    Result<ImportReport> importFrom(const std::string& path, CatalogFormat format, const ImportOptions& options = {});

    /// Reads and checks @p path without touching any workspace.
    static Result<CatalogData> read(const std::string& path, CatalogFormat format, const ImportOptions& options = {});
    /// Reads and checks text already in memory (@p fileName names it in messages; a bundle cannot be read so).
    static Result<CatalogData> parse(std::string_view text, const std::string& fileName, CatalogFormat format);

    /// Stores @p data in one transaction.
    Result<ImportReport> apply(const CatalogData& data, const ImportOptions& options = {});

private:
    Db& m_db;
    std::string m_actor;
};

} // namespace assay::core
