// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace assay::core {

/// A person who rates outputs (table `reviewer`).
struct Reviewer {
    std::string id; ///< UUID
    std::string name; ///< unique in the workspace
    std::string email;
    std::int64_t createdAt = 0;
};

/// A batch of cells of one run handed to reviewers (table `review_task`).
struct ReviewTask {
    std::string id; ///< UUID
    std::string runId;
    std::string name;
    bool blind = true; ///< hide model and prompt names from reviewers
    nlohmann::json sampling = nlohmann::json::object(); ///< fraction, seed, stratification
    nlohmann::json scale = nlohmann::json::object(); ///< e.g. {"kind":"likert","min":1,"max":5}
    std::int64_t createdAt = 0;
};

/// One cell given to one reviewer within a task (table `review_assignment`).
struct ReviewAssignment {
    std::string taskId;
    std::string reviewerId;
    std::string cellId;
    std::int64_t ordinal = 0; ///< presentation order for that reviewer
};

/// A reviewer's judgement of a cell, or of a pair of cells for a preference (table `rating`).
struct Rating {
    std::string id; ///< UUID
    std::string reviewerId;
    std::string cellId;
    std::optional<std::string> pairCellId; ///< set for pairwise preferences
    std::optional<std::string> taskId;
    std::string scale; ///< e.g. "likert5", "thumbs", "pairwise"
    double value = 0.0;
    std::string comment;
    std::int64_t createdAt = 0;
};

} // namespace assay::core
