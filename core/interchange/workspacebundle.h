// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstdint>
#include <string>

namespace assay::core {

/// A workspace bundle is a directory holding
///   catalog.json     the prompts with full history and labels (readCatalogJson),
///   datasets.jsonl   the datasets with their rows (readDatasetsJsonl),
///   manifest.sha256  "HASH  NAME" lines as `sha256sum` writes them (so `sha256sum -c manifest.sha256` checks it).
/// Import verifies the manifest before reading anything else.
struct BundleFiles {
    std::string catalog;
    std::string datasets;
};

inline constexpr const char* kBundleCatalog = "catalog.json";
inline constexpr const char* kBundleDatasets = "datasets.jsonl";
inline constexpr const char* kBundleManifest = "manifest.sha256";

/// Writes the three files into @p dir, created when missing. Conflict when @p dir exists and is not empty unless
/// @p replace; Io names the file that cannot be written.
Status writeBundle(const std::string& dir, const BundleFiles& files, bool replace);

/// Reads and verifies a bundle: Invalid naming the file when the manifest or a file is missing, the manifest
/// lists a file that is not part of a bundle or is malformed, or a file's SHA-256 differs from the manifest's.
Result<BundleFiles> readBundle(const std::string& dir, std::uint64_t maxBytes);

} // namespace assay::core
