// SPDX-License-Identifier: MIT
#include "compare/comparesummary.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace assay::core {

namespace {
std::string_view trim(std::string_view s)
{
    const auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
    while (!s.empty() && space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string labelForm(std::string_view s)
{
    s = trim(s);
    while (!s.empty() && (s.back() == '.' || s.back() == '!' || s.back() == ',' || s.back() == ';'))
        s.remove_suffix(1);
    s = trim(s);
    std::string out(s);
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z')
            ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}
} // namespace

std::optional<double> percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return std::nullopt;
    std::sort(values.begin(), values.end());
    const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(rank));
    const auto hi = static_cast<std::size_t>(std::ceil(rank));
    return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

bool matchesLabel(std::string_view output, std::string_view expected)
{
    const std::string want = labelForm(expected);
    if (labelForm(output) == want)
        return true;
    const auto newline = trim(output).find('\n');
    return newline != std::string_view::npos && labelForm(trim(output).substr(0, newline)) == want;
}

ColumnSummary summarizeColumn(const CompareGrid& grid, std::size_t column)
{
    ColumnSummary s;
    std::vector<double> latencies;
    std::vector<double> ttfts;
    double generationMs = 0;
    std::int64_t generatedTokens = 0;
    std::map<std::string, std::pair<double, std::int64_t>> metrics;
    for (std::size_t r = 0; r < grid.rowCount(); ++r) {
        ++s.planned;
        const RunCell* c = grid.cell(r, column);
        if (!c) {
            ++s.missing;
            continue;
        }
        if (c->cost) {
            s.cost += *c->cost;
            s.costKnown = true;
        }
        s.tokensIn += c->tokensIn.value_or(0);
        s.tokensOut += c->tokensOut.value_or(0);
        if (c->status == CellStatus::Failed) {
            ++s.failed;
            continue;
        }
        if (c->status == CellStatus::Cancelled) {
            ++s.cancelled;
            continue;
        }
        ++s.ok;
        if (c->latencyMs) {
            latencies.push_back(*c->latencyMs);
            if (c->tokensOut && *c->latencyMs - c->ttftMs.value_or(0) > 0) {
                generationMs += *c->latencyMs - c->ttftMs.value_or(0);
                generatedTokens += *c->tokensOut;
            }
        }
        if (c->ttftMs)
            ttfts.push_back(*c->ttftMs);
        if (const CellEvaluation* e = grid.evaluation(r, column)) {
            for (const auto& score : e->scores) {
                auto& [sum, n] = metrics[score.metric];
                sum += score.value;
                ++n;
            }
            for (const auto& rating : e->ratings) {
                if (rating.pairCellId)
                    continue; // a preference between two cells is not a score of this one
                auto& [sum, n] = metrics["rating " + rating.scale];
                sum += rating.value;
                ++n;
            }
            for (const auto& v : e->verdicts) {
                if (!v.score || v.scaleMax <= 0)
                    continue;
                auto& [sum, n] = metrics["judge"];
                sum += *v.score / v.scaleMax;
                ++n;
            }
        }
    }
    const std::int64_t outcomes = s.ok + s.failed + s.cancelled;
    if (outcomes > 0)
        s.successRate = static_cast<double>(s.ok) / static_cast<double>(outcomes);
    if (!latencies.empty()) {
        double sum = 0;
        for (double v : latencies)
            sum += v;
        s.meanLatencyMs = sum / static_cast<double>(latencies.size());
    }
    s.p50LatencyMs = percentile(latencies, 50);
    s.p95LatencyMs = percentile(std::move(latencies), 95);
    s.p50TtftMs = percentile(std::move(ttfts), 50);
    if (generationMs > 0)
        s.tokensPerSecond = static_cast<double>(generatedTokens) / (generationMs / 1000.0);
    for (const auto& [name, agg] : metrics)
        s.metrics.push_back({ name, agg.first / static_cast<double>(agg.second), agg.second });
    return s;
}

RowFlags rowFlags(const CompareGrid& grid, std::size_t row, const std::vector<std::size_t>& columns)
{
    RowFlags f;
    const CompareRow& r = grid.rows().at(row);
    std::optional<std::string_view> first;
    auto visit = [&](std::size_t column) {
        const RunCell* c = grid.cell(row, column);
        if (!c)
            return;
        if (c->status != CellStatus::Ok) {
            f.failed = true;
            return;
        }
        const std::string_view out = trim(c->output);
        if (!first)
            first = out;
        else if (*first != out)
            f.differ = true;
        if (r.expected && !matchesLabel(c->output, *r.expected))
            f.disagree = true;
    };
    if (columns.empty()) {
        for (std::size_t c = 0; c < grid.columnCount(); ++c)
            visit(c);
    } else {
        for (std::size_t c : columns)
            visit(c);
    }
    return f;
}

} // namespace assay::core
