// SPDX-License-Identifier: MIT
#pragma once

#include "domain/dataset.h"
#include "domain/prompt.h"
#include "util/result.h"

#include <map>
#include <string>
#include <vector>

namespace assay::core {

/// One prompt as the interchange formats carry it: metadata, full history and labels. Formats without ids or
/// history (CSV, promptfoo) give an empty meta.id and one version without an id.
struct CatalogEntry {
    Prompt meta;
    std::vector<PromptVersion> versions; ///< oldest first, numbers increasing
    std::map<std::string, int> labels; ///< label -> version number
    std::string origin; ///< where it came from, for messages: "catalog.jsonl:17" ("" for exports)
};

/// One dataset with its rows (workspace bundles).
struct DatasetEntry {
    Dataset meta; ///< name, description, label set (ids are assigned on import)
    std::vector<DatasetRow> rows; ///< inputs, expected, split, tags; row ids are kept
    std::string origin;
};

/// A prompt an export format cannot carry exactly (it is left out of the file rather than changed).
struct LeftOut {
    std::string name;
    std::string reason;
};

/// Checks a version's content beyond its shape (templates parse, chains are valid); the importer passes
/// PromptRepository::validateContent. nullptr checks nothing more.
using ContentCheck = Status (*)(const PromptContent& content);

} // namespace assay::core
