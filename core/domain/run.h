// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// Lifecycle of a run. Persisted as text — never rename the strings.
enum class RunStatus { Planned, Running, Interrupted, Cancelled, Finished, Failed };

inline const char* runStatusName(RunStatus s)
{
    switch (s) {
    case RunStatus::Planned:
        return "planned";
    case RunStatus::Running:
        return "running";
    case RunStatus::Interrupted:
        return "interrupted";
    case RunStatus::Cancelled:
        return "cancelled";
    case RunStatus::Finished:
        return "finished";
    case RunStatus::Failed:
        return "failed";
    }
    return "planned";
}

inline std::optional<RunStatus> parseRunStatus(std::string_view text)
{
    for (RunStatus s : { RunStatus::Planned, RunStatus::Running, RunStatus::Interrupted, RunStatus::Cancelled,
             RunStatus::Finished, RunStatus::Failed })
        if (text == runStatusName(s))
            return s;
    return std::nullopt;
}

/// A planned or executed grid: prompt versions × endpoints × dataset rows × repeats (table `run`).
struct Run {
    std::string id; ///< UUID
    std::string name;
    RunStatus status = RunStatus::Planned;
    nlohmann::json plan = nlohmann::json::object(); ///< versions, endpoints, rows, repeats, parameters, seed
    std::int64_t createdAt = 0;
    std::optional<std::int64_t> startedAt; ///< first time the run went to Running
    std::optional<std::int64_t> finishedAt; ///< when it reached Finished, Cancelled or Failed
};

/// Outcome of one cell. Persisted as text — never rename the strings.
enum class CellStatus { Ok, Failed, Cancelled };

inline const char* cellStatusName(CellStatus s)
{
    switch (s) {
    case CellStatus::Ok:
        return "ok";
    case CellStatus::Failed:
        return "failed";
    case CellStatus::Cancelled:
        return "cancelled";
    }
    return "failed";
}

inline std::optional<CellStatus> parseCellStatus(std::string_view text)
{
    for (CellStatus s : { CellStatus::Ok, CellStatus::Failed, CellStatus::Cancelled })
        if (text == cellStatusName(s))
            return s;
    return std::nullopt;
}

/// One model response of a run (table `run_cell`), committed the moment it finishes.
struct RunCell {
    std::string id; ///< UUID; assigned on commit when empty
    std::string runId;
    std::string cellKey; ///< unique within the run; see makeKey()
    std::string promptVersionId;
    std::optional<std::string> endpointId;
    std::string modelName;
    std::optional<std::string> rowId; ///< dataset row; nullopt for prompts run without a dataset
    std::int64_t repeatIndex = 0;
    CellStatus status = CellStatus::Ok;
    std::string output;
    std::string error;
    std::string finishReason;
    std::optional<std::int64_t> tokensIn;
    std::optional<std::int64_t> tokensOut;
    std::optional<double> ttftMs;
    std::optional<double> latencyMs;
    std::optional<double> cost;
    std::string requestHash; ///< SHA-256 of the normalized request: the cache key
    nlohmann::json request = nlohmann::json::object(); ///< normalized request (no secrets)
    nlohmann::json provenance = nlohmann::json::object(); ///< model file hash, quantization, runner build, device…
    std::int64_t createdAt = 0;

    /// "version|endpoint|row|repeat": the key a plan and its resume agree on.
    static std::string makeKey(
        std::string_view versionId, std::string_view endpointId, std::string_view rowId, std::int64_t repeat)
    {
        std::string key;
        key.append(versionId).append("|").append(endpointId).append("|").append(rowId).append("|");
        key += std::to_string(repeat);
        return key;
    }
};

} // namespace assay::core
