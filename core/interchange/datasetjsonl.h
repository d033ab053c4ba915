// SPDX-License-Identifier: MIT
#pragma once

#include "interchange/catalogentry.h"
#include "util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// datasets.jsonl of a workspace bundle: one dataset per line, {name, description, label_set: [..],
/// rows: [{id, inputs: {..}, expected: text|null, split, tags: [..]}]}. Only name is required. Unknown fields,
/// wrong types and names used twice: Invalid "FILE:LINE: datasets[N].rows[5].inputs: expected an object".
Result<std::vector<DatasetEntry>> readDatasetsJsonl(std::string_view text, const std::string& fileName);

/// Invalid when a text is not valid UTF-8 (names the dataset).
Result<std::string> writeDatasetsJsonl(const std::vector<DatasetEntry>& datasets);

} // namespace assay::core
