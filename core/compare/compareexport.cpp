// SPDX-License-Identifier: MIT
#include "compare/compareexport.h"

#include "compare/comparesummary.h"
#include "interchange/csvtable.h"
#include "interchange/textinput.h"
#include "util/ids.h"
#include "util/jsonread.h"
#include "util/secretscan.h"

#include <cctype>
#include <cstdio>
#include <numeric>

namespace assay::core {

namespace {
using nlohmann::json;

std::vector<std::size_t> orAll(const std::vector<std::size_t>& chosen, std::size_t n)
{
    if (!chosen.empty())
        return chosen;
    std::vector<std::size_t> all(n);
    std::iota(all.begin(), all.end(), std::size_t { 0 });
    return all;
}

std::string number(std::optional<double> v, int decimals)
{
    if (!v)
        return {};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
    return buf;
}

std::string integer(std::optional<std::int64_t> v)
{
    return v ? std::to_string(*v) : std::string();
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& ch : out)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

std::string escapeHtml(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (char ch : s) {
        switch (ch) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += ch;
        }
    }
    return out;
}

/// Escaped text with its line breaks kept (as <br>, which every viewer honours).
std::string textHtml(std::string_view s)
{
    std::string out;
    for (const char ch : escapeHtml(s)) {
        if (ch == '\n')
            out += "<br>";
        else
            out += ch;
    }
    return out;
}

const char* statusText(const RunCell* c)
{
    return c ? cellStatusName(c->status) : "missing";
}

/// "812 ms · TTFT 140 ms · 35→120 tok · $0.00042"
std::string badges(const RunCell& c)
{
    std::string out;
    auto add = [&](const std::string& part) {
        if (part.empty())
            return;
        if (!out.empty())
            out += " · ";
        out += part;
    };
    if (c.latencyMs)
        add(number(c.latencyMs, 0) + " ms");
    if (c.ttftMs)
        add("TTFT " + number(c.ttftMs, 0) + " ms");
    if (c.tokensIn || c.tokensOut)
        add(integer(c.tokensIn.value_or(0)) + "→" + integer(c.tokensOut.value_or(0)) + " tok");
    if (c.cost)
        add("$" + number(c.cost, 5));
    return out;
}

json evaluationJson(const CellEvaluation* e)
{
    json scores = json::object();
    json verdicts = json::array();
    json ratings = json::array();
    if (e) {
        for (const auto& s : e->scores)
            scores[s.metric] = s.value;
        for (const auto& v : e->verdicts)
            verdicts.push_back({ { "judge", v.judgeEndpoint }, { "score", v.score ? json(*v.score) : json() },
                { "scaleMax", v.scaleMax }, { "reasoning", v.reasoning } });
        for (const auto& r : e->ratings)
            ratings.push_back({ { "reviewer", r.reviewerId }, { "scale", r.scale }, { "value", r.value },
                { "comment", r.comment }, { "pairCell", r.pairCellId ? json(*r.pairCellId) : json() } });
    }
    return { { "scores", scores }, { "verdicts", verdicts }, { "ratings", ratings } };
}
} // namespace

std::optional<CompareFormat> parseCompareFormat(std::string_view name)
{
    const std::string n = lower(name);
    if (n == "csv")
        return CompareFormat::Csv;
    if (n == "jsonl" || n == "ndjson")
        return CompareFormat::Jsonl;
    if (n == "html" || n == "htm")
        return CompareFormat::Html;
    return std::nullopt;
}

std::optional<CompareFormat> compareFormatForPath(std::string_view path)
{
    const auto dot = path.rfind('.');
    if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos)
        return std::nullopt;
    return parseCompareFormat(path.substr(dot + 1));
}

std::string compareCsv(const CompareGrid& grid, const CompareExportOptions& options)
{
    const auto rows = orAll(options.rows, grid.rowCount());
    const auto cols = orAll(options.columns, grid.columnCount());
    std::vector<std::string> header { "row", "repeat", "input", "expected" };
    for (std::size_t c : cols) {
        const std::string& t = grid.columns().at(c).title;
        for (const char* field :
            { "output", "status", "error", "latency_ms", "ttft_ms", "tokens_in", "tokens_out", "cost", "provenance" })
            header.push_back(t + " | " + field);
    }
    std::string out = csvRecord(header);
    for (std::size_t r : rows) {
        const CompareRow& row = grid.rows().at(r);
        std::vector<std::string> fields { std::to_string(row.number), std::to_string(row.repeat),
            CompareGrid::inputText(row), row.expected.value_or("") };
        for (std::size_t c : cols) {
            const RunCell* cell = grid.cell(r, c);
            if (!cell) {
                for (const char* v : { "", "missing", "", "", "", "", "", "", "" })
                    fields.emplace_back(v);
                continue;
            }
            fields.push_back(cell->output);
            fields.emplace_back(cellStatusName(cell->status));
            fields.push_back(cell->error);
            fields.push_back(number(cell->latencyMs, 1));
            fields.push_back(number(cell->ttftMs, 1));
            fields.push_back(integer(cell->tokensIn));
            fields.push_back(integer(cell->tokensOut));
            fields.push_back(number(cell->cost, 6));
            fields.push_back(cell->provenance.empty() ? std::string() : jsonDumpSafe(cell->provenance));
        }
        out += csvRecord(fields);
    }
    return out;
}

std::string compareJsonl(const CompareGrid& grid, const CompareExportOptions& options)
{
    const auto rows = orAll(options.rows, grid.rowCount());
    const auto cols = orAll(options.columns, grid.columnCount());
    std::string out;
    for (std::size_t r : rows) {
        const CompareRow& row = grid.rows().at(r);
        for (std::size_t c : cols) {
            const CompareColumn& col = grid.columns().at(c);
            const RunCell* cell = grid.cell(r, c);
            json j { { "run", { { "id", grid.run().id }, { "name", grid.run().name } } },
                { "column",
                    { { "title", col.title }, { "prompt", col.promptReference }, { "promptVersion", col.promptNumber },
                        { "promptVersionId", col.promptVersionId }, { "endpoint", col.endpointName } } },
                { "row",
                    { { "number", row.number }, { "key", row.rowKey }, { "repeat", row.repeat },
                        { "inputs", row.inputs }, { "expected", row.expected ? json(*row.expected) : json() } } },
                { "cellKey", grid.key(r, c) }, { "status", statusText(cell) } };
            if (cell) {
                j["model"] = cell->modelName;
                j["output"] = cell->output;
                j["error"] = cell->error;
                j["finishReason"] = cell->finishReason;
                j["tokensIn"] = cell->tokensIn ? json(*cell->tokensIn) : json();
                j["tokensOut"] = cell->tokensOut ? json(*cell->tokensOut) : json();
                j["ttftMs"] = cell->ttftMs ? json(*cell->ttftMs) : json();
                j["latencyMs"] = cell->latencyMs ? json(*cell->latencyMs) : json();
                j["cost"] = cell->cost ? json(*cell->cost) : json();
                j["requestHash"] = cell->requestHash;
                j["request"] = cell->request;
                j["provenance"] = cell->provenance;
                j["createdAt"] = isoTime(cell->createdAt);
                j["evaluation"] = evaluationJson(grid.evaluation(r, c));
            }
            out += j.dump(-1, ' ', false, json::error_handler_t::replace);
            out += '\n';
        }
    }
    return out;
}

std::string compareHtml(const CompareGrid& grid, const CompareExportOptions& options)
{
    const auto rows = orAll(options.rows, grid.rowCount());
    const auto cols = orAll(options.columns, grid.columnCount());
    const Run& run = grid.run();
    std::string h;
    h.reserve(4096 + rows.size() * cols.size() * 512);
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + escapeHtml(run.name)
        + " — Assay comparison</title>\n<style>\n"
          "body{font-family:system-ui,sans-serif;margin:24px;color:#1d1d1f;background:#fff}\n"
          "@media (prefers-color-scheme:dark){body{color:#e8e8e8;background:#1e1e1e}"
          "th{background:#2c2c2c!important}td,th{border-color:#444!important}}\n"
          "table{border-collapse:collapse;margin:12px 0}\n"
          "th,td{border:1px solid #ccc;padding:6px 8px;vertical-align:top;text-align:left}\n"
          "th{background:#f2f2f2}\n"
          ".out{max-width:40em}\n"
          ".badge{color:#666;font-size:0.85em;margin-top:4px}\n"
          ".failed{background:#fdecec}.cancelled,.missing{background:#f3f3f3}\n"
          "pre{white-space:pre-wrap;font-size:0.8em}\n"
          "</style></head><body>\n";
    h += "<h1>" + escapeHtml(run.name) + "</h1>\n<p>Run <code>" + escapeHtml(run.id) + "</code> · "
        + runStatusName(run.status) + " · created " + isoTime(run.createdAt) + " · " + std::to_string(rows.size())
        + " rows × " + std::to_string(cols.size()) + " columns</p>\n";

    h += "<h2>Summary</h2>\n<table border=\"1\" cellspacing=\"0\" "
         "cellpadding=\"4\"><tr><th>Column</th><th>OK</th><th>Failed</th><th>Success</th>"
         "<th>Mean latency</th><th>p50</th><th>p95</th><th>Tokens/s</th><th>Tokens in/out</th><th>Cost</th>"
         "<th>Metrics</th></tr>\n";
    for (std::size_t c : cols) {
        const ColumnSummary s = summarizeColumn(grid, c);
        std::string metrics;
        for (const auto& m : s.metrics)
            metrics += (metrics.empty() ? "" : ", ") + m.name + " " + number(m.mean, 3)
                + " (n=" + std::to_string(m.count) + ")";
        h += "<tr><td>" + escapeHtml(grid.columns()[c].title) + "</td><td>" + std::to_string(s.ok) + "/"
            + std::to_string(s.planned) + "</td><td>" + std::to_string(s.failed + s.cancelled) + "</td><td>"
            + (s.successRate ? number(*s.successRate * 100, 1) + " %" : "—") + "</td><td>"
            + (s.meanLatencyMs ? number(s.meanLatencyMs, 0) + " ms" : "—") + "</td><td>"
            + (s.p50LatencyMs ? number(s.p50LatencyMs, 0) + " ms" : "—") + "</td><td>"
            + (s.p95LatencyMs ? number(s.p95LatencyMs, 0) + " ms" : "—") + "</td><td>"
            + (s.tokensPerSecond ? number(s.tokensPerSecond, 1) : "—") + "</td><td>" + std::to_string(s.tokensIn)
            + " / " + std::to_string(s.tokensOut) + "</td><td>" + (s.costKnown ? "$" + number(s.cost, 4) : "—")
            + "</td><td>" + escapeHtml(metrics.empty() ? "—" : metrics) + "</td></tr>\n";
    }
    h += "</table>\n<h2>Outputs</h2>\n<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\"><tr><th>#</th><th "
         "width=\"20%\">Input</th><th>Expected</th>";
    for (std::size_t c : cols)
        h += "<th>" + escapeHtml(grid.columns()[c].title) + "</th>";
    h += "</tr>\n";
    // Request and provenance go after the grid (a link from each cell), so the grid stays readable in any viewer,
    // including those that do not fold <details>.
    std::string details;
    for (std::size_t r : rows) {
        const CompareRow& row = grid.rows()[r];
        const std::string number
            = std::to_string(row.number) + (row.repeat > 0 ? "." + std::to_string(row.repeat + 1) : "");
        h += "<tr><td>" + number + "</td><td class=\"out\">" + textHtml(CompareGrid::inputText(row)) + "</td><td>"
            + escapeHtml(row.expected.value_or("")) + "</td>";
        for (std::size_t c : cols) {
            const RunCell* cell = grid.cell(r, c);
            h += std::string("<td class=\"") + statusText(cell) + "\">";
            if (!cell) {
                h += "<span class=\"badge\">missing</span></td>";
                continue;
            }
            const bool ok = cell->status == CellStatus::Ok;
            const std::string anchor = "cell-" + std::to_string(r) + "-" + std::to_string(c);
            h += "<div class=\"out\">" + textHtml(ok ? cell->output : cell->error) + "</div>";
            h += "<div class=\"badge\">" + std::string(ok ? "" : std::string(cellStatusName(cell->status)) + " · ")
                + escapeHtml(badges(*cell)) + " · <a href=\"#" + anchor + "\">details</a></div></td>";
            details += "<h3 id=\"" + anchor + "\"><a name=\"" + anchor + "\"></a>Row " + number + " · "
                + escapeHtml(grid.columns()[c].title) + "</h3>\n<pre>"
                + escapeHtml(json { { "cellKey", cell->cellKey }, { "model", cell->modelName },
                    { "status", cellStatusName(cell->status) }, { "finishReason", cell->finishReason },
                    { "committedAt", isoTime(cell->createdAt) }, { "request", cell->request },
                    { "provenance", cell->provenance } }
                                 .dump(2, ' ', false, json::error_handler_t::replace))
                + "</pre>\n";
        }
        h += "</tr>\n";
    }
    h += "</table>\n<h2>Cell details: request and provenance</h2>\n" + details;
    h += "<p class=\"badge\">Exported by Assay " ASSAY_VERSION "</p>\n</body></html>\n";
    return h;
}

Status exportComparison(
    const CompareGrid& grid, CompareFormat format, const std::string& path, const CompareExportOptions& options)
{
    for (std::size_t r = 0; r < grid.rowCount(); ++r) {
        for (std::size_t c = 0; c < grid.columnCount(); ++c) {
            const RunCell* cell = grid.cell(r, c);
            if (!cell)
                continue;
            const std::string where = "cell " + cell->cellKey;
            ASSAY_TRY(SecretScan::rejectSecrets(cell->request, where + " request"));
            ASSAY_TRY(SecretScan::rejectSecrets(cell->provenance, where + " provenance"));
        }
    }
    std::string bytes;
    switch (format) {
    case CompareFormat::Csv:
        bytes = compareCsv(grid, options);
        break;
    case CompareFormat::Jsonl:
        bytes = compareJsonl(grid, options);
        break;
    case CompareFormat::Html:
        bytes = compareHtml(grid, options);
        break;
    }
    return writeFileAtomically(path, bytes);
}

} // namespace assay::core
