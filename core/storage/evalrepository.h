// SPDX-License-Identifier: MIT
#pragma once

#include "domain/evaluation.h"
#include "storage/db.h"

#include <string>
#include <vector>

namespace assay::core {

/// Automatic evaluation results: metric scores (one per cell × metric, recomputing replaces) and LLM-judge
/// verdicts (many per cell: judges and rubrics vary). Each call is its own transaction.
/// Thread affinity: the thread that owns @p db.
class EvalRepository {
public:
    explicit EvalRepository(Db& db)
        : m_db(db)
    {
    }

    /// Inserts or replaces the score of (cellId, metric); the stored score is returned (its id is kept on replace).
    Result<MetricScore> upsertScore(MetricScore score);
    /// Many scores in one transaction: all stored or none. Invalid/NotFound name the offending score (1-based).
    Status upsertScores(const std::vector<MetricScore>& scores);
    Result<std::vector<MetricScore>> scoresForCell(const std::string& cellId);
    /// Every score of every cell of a run, ordered by cell then metric.
    Result<std::vector<MetricScore>> scoresForRun(const std::string& runId);

    Result<JudgeVerdict> addVerdict(JudgeVerdict verdict);
    Result<std::vector<JudgeVerdict>> verdictsForCell(const std::string& cellId);
    Result<std::vector<JudgeVerdict>> verdictsForRun(const std::string& runId);

private:
    Result<MetricScore> upsertOne(MetricScore score, const std::string& where);
    Result<std::vector<MetricScore>> selectScores(const char* where, const std::string& arg);
    Result<std::vector<JudgeVerdict>> selectVerdicts(const char* where, const std::string& arg);

    Db& m_db;
};

} // namespace assay::core
