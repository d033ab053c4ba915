// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// The files catalog import and export read and write.
enum class CatalogFormat {
    Json, ///< assay-catalog JSON: every prompt with full history and labels (catalogjsonreader.h)
    Jsonl, ///< the same prompt objects, one per line
    Csv, ///< name,template,system,tags,folder,description; latest versions only (catalogcsv.h)
    Promptfoo, ///< promptfoo prompt files: text with `---` separators, or (.json) one chat (promptfooformat.h)
    Bundle, ///< a directory: catalog.json + datasets.jsonl + manifest.sha256 (workspacebundle.h)
};

const char* catalogFormatName(CatalogFormat format);
/// "json", "jsonl", "csv", "promptfoo", "bundle".
std::optional<CatalogFormat> catalogFormatFromName(std::string_view name);

/// The format a file name implies: .json, .jsonl / .ndjson, .csv, .txt / .prompt (promptfoo text), and a directory
/// (one that exists, or a name ending in '/' or '.bundle') for a bundle. Invalid when the name tells nothing.
Result<CatalogFormat> catalogFormatFromPath(const std::string& path);

} // namespace assay::core
