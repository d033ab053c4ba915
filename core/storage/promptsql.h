// SPDX-License-Identifier: MIT
#pragma once
// Internal to PromptRepository's source files (promptrepository*.cpp): the SQL fragments and the normalisation
// they share, so the save, query and import paths cannot drift apart.

#include "domain/prompt.h"
#include "storage/db.h"

#include <string>

namespace assay::core::promptsql {

/// Columns of `prompt p` plus the latest version number (column 8).
inline constexpr const char* kPromptColumns
    = "p.id, p.name, p.folder, p.description, p.tags, p.kind, p.created_at, p.updated_at,"
      " COALESCE((SELECT MAX(v.number) FROM prompt_version v WHERE v.prompt_id = p.id), 0)";
/// ?2 folder (itself or below), ?3 tag, ?4 label; '' = no filter.
inline constexpr const char* kFilter
    = " AND (?2 = '' OR p.folder = ?2 OR substr(p.folder, 1, length(?2) + 1) = ?2 || '/')"
      " AND (?3 = '' OR EXISTS (SELECT 1 FROM json_each(p.tags) t WHERE t.value = ?3))"
      " AND (?4 = '' OR EXISTS (SELECT 1 FROM prompt_label l WHERE l.prompt_id = p.id AND l.label = ?4))";
inline constexpr const char* kVersionColumns
    = "v.id, v.prompt_id, v.number, v.content, v.content_hash, v.author, v.message, v.created_at";
/// SELECT … FROM for labels with their version numbers; read rows with readLabel().
inline constexpr const char* kLabelSelect = "SELECT l.prompt_id, l.label, l.version_id, v.number, l.updated_at"
                                            " FROM prompt_label l JOIN prompt_version v ON v.id = l.version_id";

/// Trimmed, without leading or trailing '/'.
std::string normalizeFolder(const std::string& folder);
/// Trimmed name (Invalid when empty), normalized folder, trimmed tags without empties or repeats.
Status normalizeMeta(Prompt& meta);
PromptLabel readLabel(const Statement& s);

} // namespace assay::core::promptsql
