// SPDX-License-Identifier: MIT
#pragma once

#include "interchange/catalogentry.h"
#include "util/result.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// Reads an assay-catalog JSON document: {"format":"assay-catalog","version":1,"prompts":[…]}, each prompt
/// {id, name, folder, tags, description, kind, versions:[{id, number, content, content_hash, author, message,
/// created_at}], labels:{label: number}}. Only name and versions (each with content) are required. Unknown fields,
/// wrong types, a content_hash that does not match the content, names or ids used twice: Invalid
/// "FILE:LINE:COLUMN: prompts[0].versions[2].content.messages[1].role: must be a string". Never throws.
Result<std::vector<CatalogEntry>> readCatalogJson(
    std::string_view text, const std::string& fileName, ContentCheck check = nullptr);

/// Reads JSONL: one prompt object (the shape above) per line; blank lines are skipped. Messages name the line:
/// "FILE:17: prompts[16].name: expected a string" (prompts[N] counts the prompts of the file from 0).
Result<std::vector<CatalogEntry>> readCatalogJsonl(
    std::string_view text, const std::string& fileName, ContentCheck check = nullptr);

namespace interchange {
/// One prompt object at @p path; errors are field errors (fielderror.h). May throw nlohmann exceptions only
/// through bugs; the readers above catch them.
Result<CatalogEntry> entryFromJson(const nlohmann::json& j, const std::string& path, ContentCheck check);

struct Duplicate {
    std::size_t index = 0; ///< the later of the two entries
    Error error; ///< a field error under "prompts[index]"
};
/// The first prompt name, prompt id or version id used twice; @p describe names an entry in the message
/// ("prompts[2]", "line 3").
std::optional<Duplicate> findDuplicate(
    const std::vector<CatalogEntry>& entries, const std::function<std::string(std::size_t)>& describe);
} // namespace interchange

} // namespace assay::core
