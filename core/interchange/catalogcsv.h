// SPDX-License-Identifier: MIT
#pragma once

#include "interchange/catalogentry.h"
#include "util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// CSV of prompts (csvtable.h for the quoting rules). The header names the columns, in any order: name and
/// template (the user message) are required; system (a system message before it), tags (separated by ';'),
/// folder and description are optional. Each row becomes a prompt with one version. Invalid
/// "FILE:LINE: COLUMN: …" for an unknown or repeated column, a row with the wrong number of fields, an empty name
/// or template, a template that does not parse, or a name used twice.
Result<std::vector<CatalogEntry>> readCatalogCsv(
    std::string_view text, const std::string& fileName, ContentCheck check = nullptr);

/// The latest version of each prompt as a CSV row (name,template,system,tags,folder,description). Prompts whose
/// latest version is not exactly [system,] user message (a chain, few-shot examples, parameters, defaults, an
/// output format) or whose tags contain ';' are added to @p leftOut instead.
std::string writeCatalogCsv(const std::vector<CatalogEntry>& entries, std::vector<LeftOut>& leftOut);

} // namespace assay::core
