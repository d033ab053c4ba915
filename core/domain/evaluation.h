// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace assay::core {

/// One metric's value for one cell (table `metric_score`; unique per cell × metric).
struct MetricScore {
    std::string id; ///< UUID; kept when an existing score is updated
    std::string cellId;
    std::string metric; ///< e.g. "exact_match", "rougeL", "cosine"
    double value = 0.0;
    nlohmann::json details = nlohmann::json::object();
    std::int64_t createdAt = 0;
};

/// An LLM judge's verdict on one cell (table `judge_verdict`).
struct JudgeVerdict {
    std::string id; ///< UUID
    std::string cellId;
    std::string judgeEndpoint; ///< endpoint name or id of the judge
    std::string rubric;
    std::optional<double> score; ///< nullopt when the judge's answer could not be parsed
    double scaleMax = 10.0;
    std::string reasoning;
    std::string raw; ///< the judge's full answer
    std::int64_t createdAt = 0;
};

} // namespace assay::core
