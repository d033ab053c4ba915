// SPDX-License-Identifier: MIT
#pragma once

#include "interchange/catalogentry.h"
#include "util/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace assay::core {

/// The prompt object of the catalog formats (readCatalogJson reads it back): id, name, folder, tags, description,
/// kind, versions (id, number, content, content_hash, author, message, created_at as ISO-8601 UTC), labels.
nlohmann::ordered_json catalogEntryJson(const CatalogEntry& entry);

/// {"format":"assay-catalog","version":1,"prompts":[…]}, indented by two spaces, one key per line.
/// Invalid when a text is not valid UTF-8 (names the prompt).
Result<std::string> writeCatalogJson(const std::vector<CatalogEntry>& entries);
/// One compact prompt object per line.
Result<std::string> writeCatalogJsonl(const std::vector<CatalogEntry>& entries);

} // namespace assay::core
