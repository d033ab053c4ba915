// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace assay::core {

/// A named set of rows that runs iterate over (table `dataset`).
struct Dataset {
    std::string id; ///< UUID
    std::string name; ///< unique in the workspace
    std::string description;
    std::vector<std::string> labelSet; ///< allowed labels for a classification set; empty otherwise
    std::int64_t createdAt = 0; ///< Unix ms (UTC)
    std::int64_t rowCount = 0; ///< filled in by reads; ignored on write
};

/// One row of a dataset (table `dataset_row`).
struct DatasetRow {
    std::string id; ///< UUID; assigned on insert when empty
    std::string datasetId;
    std::int64_t ordinal = 0; ///< 0-based position in the dataset; assigned on insert
    nlohmann::json inputs = nlohmann::json::object(); ///< variable -> value; must be a JSON object
    std::optional<std::string> expected; ///< the reference answer or label; nullopt for unlabeled rows
    std::string split; ///< e.g. "train", "test"; "" = none
    std::vector<std::string> tags;
};

} // namespace assay::core
