// SPDX-License-Identifier: MIT
#pragma once

#include "compare/comparegrid.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

enum class CompareFormat { Csv, Jsonl, Html };

/// "csv", "jsonl" or "html" (case-insensitive); nullopt otherwise.
std::optional<CompareFormat> parseCompareFormat(std::string_view name);
/// The format a file name's extension names (.csv, .jsonl/.ndjson, .html/.htm); nullopt otherwise.
std::optional<CompareFormat> compareFormatForPath(std::string_view path);

/// Which part of the grid to export, in which order: rows and columns by index (empty = all, in grid order). The
/// GUI passes what it shows (its filter, sort and column order).
struct CompareExportOptions {
    std::vector<std::size_t> rows;
    std::vector<std::size_t> columns;
};

/// One record per row: row, repeat, input, expected, then for each column its output, status, error, latency,
/// TTFT, tokens in/out, cost and provenance (compact JSON). RFC 4180 quoting.
std::string compareCsv(const CompareGrid& grid, const CompareExportOptions& options = {});
/// One JSON object per cell (rows × columns, missing cells included with status "missing"): the run, column
/// (prompt reference/version, endpoint), row (key, inputs, expected), outcome, badges, scores, verdicts, the
/// normalized request and the provenance. Needs a grid loaded with RunRepository::Detail::Full.
std::string compareJsonl(const CompareGrid& grid, const CompareExportOptions& options = {});
/// A self-contained HTML page (inline CSS, no script, no external resource) for reading offline: the run, the
/// column summary, and the grid with each cell's badges and, folded, its request and provenance.
std::string compareHtml(const CompareGrid& grid, const CompareExportOptions& options = {});

/// Writes the export of @p grid to @p path atomically (a temporary file renamed into place). Refuses (Invalid,
/// naming the cell and field) when a request or provenance holds something that looks like a secret.
Status exportComparison(
    const CompareGrid& grid, CompareFormat format, const std::string& path, const CompareExportOptions& options = {});

} // namespace assay::core
