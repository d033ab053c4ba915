// SPDX-License-Identifier: MIT
#pragma once

#include "compare/comparegrid.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// A metric's or judge's aggregate over one column: the mean of the cells that have it.
struct MetricAggregate {
    std::string name; ///< metric name, "judge" (verdict score as a fraction of its scale) or "rating SCALE"
    double mean = 0;
    std::int64_t count = 0;
};

/// What one column of a comparison achieved.
struct ColumnSummary {
    std::int64_t planned = 0; ///< rows of the grid
    std::int64_t ok = 0;
    std::int64_t failed = 0;
    std::int64_t cancelled = 0;
    std::int64_t missing = 0; ///< no outcome yet (running, or a cancelled run not resumed)
    /// ok / (ok + failed + cancelled); nullopt before any outcome.
    std::optional<double> successRate;
    /// Latency of ok cells: mean, and percentiles by linear interpolation between closest ranks.
    std::optional<double> meanLatencyMs;
    std::optional<double> p50LatencyMs;
    std::optional<double> p95LatencyMs;
    std::optional<double> p50TtftMs;
    /// Output tokens per second of generation over ok cells: Σ tokens out / Σ (latency − TTFT), TTFT taken as 0
    /// where the provider did not report a first token.
    std::optional<double> tokensPerSecond;
    std::int64_t tokensIn = 0;
    std::int64_t tokensOut = 0;
    double cost = 0; ///< of cells that report a cost
    bool costKnown = false; ///< some cell reported a cost
    std::vector<MetricAggregate> metrics; ///< sorted by name
};

ColumnSummary summarizeColumn(const CompareGrid& grid, std::size_t column);

/// The p-th percentile (0..100) of @p values by linear interpolation between closest ranks; nullopt when empty.
std::optional<double> percentile(std::vector<double> values, double p);

/// Whether @p output gives the label @p expected: equal after trimming, ASCII case folding and dropping trailing
/// punctuation, compared with the whole output or with its first line ("Positive.\nBecause…" gives "positive").
bool matchesLabel(std::string_view output, std::string_view expected);

/// Row conditions for the comparison filters, over @p columns (empty = all).
struct RowFlags {
    bool differ = false; ///< at least two ok outputs differ (after trimming whitespace)
    bool failed = false; ///< some cell failed or was cancelled
    bool disagree = false; ///< the row has a label and some ok output does not give it
};
RowFlags rowFlags(const CompareGrid& grid, std::size_t row, const std::vector<std::size_t>& columns = {});

} // namespace assay::core
