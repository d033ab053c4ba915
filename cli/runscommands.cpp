// SPDX-License-Identifier: MIT
#include "runscommands.h"

#include "catalogargs.h"
#include "exitcodes.h"

#include "compare/compareexport.h"
#include "compare/comparesummary.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"
#include "util/ids.h"

#include <cstdio>

namespace assay::cli {

namespace {

using ojson = nlohmann::ordered_json;
const char* const kPath = "assay-cli runs";
const ValueOption kWorkspace { "--workspace", "FILE", "the workspace file (*.assay)", false, true };

int fail(std::ostream& err, const std::string& command, const core::Error& error)
{
    err << kPath << ' ' << command << ": " << error.message << '\n';
    return commandExitCode(error, command == "open");
}

/// "2026-11-28 02:41" (UTC), from the project's ISO time.
std::string when(std::int64_t ms)
{
    std::string t = core::isoTime(ms).substr(0, 16);
    t[10] = ' ';
    return t;
}

std::string fixed(std::optional<double> v, int decimals, const char* unit = "")
{
    if (!v)
        return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f%s", decimals, *v, unit);
    return buf;
}

int runList(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "open", db.error());
    core::RunRepository repo(*db);
    auto cells = [&repo](const std::string& id) {
        auto n = repo.cellCount(id);
        return n ? *n : std::int64_t { 0 };
    };
    auto runs = repo.list();
    if (!runs)
        return fail(err, "list", runs.error());
    if (args.has("--json")) {
        ojson a = ojson::array();
        for (const auto& r : *runs)
            a.push_back({ { "id", r.id }, { "name", r.name }, { "status", core::runStatusName(r.status) },
                { "createdAt", r.createdAt }, { "cells", cells(r.id) } });
        out << a.dump(2) << '\n';
        return toInt(ExitCode::Ok);
    }
    if (runs->empty()) {
        err << kPath << " list: no runs yet; start one with `assay-cli run FILE.json`\n";
        return toInt(ExitCode::Ok);
    }
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& r : *runs)
        rows.emplace_back(r.id,
            std::string(core::runStatusName(r.status)) + "  " + when(r.createdAt) + "  " + std::to_string(cells(r.id))
                + " cells  " + r.name);
    printColumns(out, rows);
    return toInt(ExitCode::Ok);
}

int runSummary(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "open", db.error());
    auto grid = core::CompareGrid::load(*db, args.positionals.front());
    if (!grid)
        return fail(err, "summary", grid.error());
    ojson columns = ojson::array();
    for (std::size_t c = 0; c < grid->columnCount(); ++c) {
        const core::ColumnSummary s = core::summarizeColumn(*grid, c);
        ojson metrics = ojson::object();
        for (const auto& m : s.metrics)
            metrics[m.name] = { { "mean", m.mean }, { "count", m.count } };
        auto opt = [](const std::optional<double>& v) { return v ? ojson(*v) : ojson(); };
        columns.push_back(
            { { "column", grid->columns()[c].title }, { "planned", s.planned }, { "ok", s.ok }, { "failed", s.failed },
                { "cancelled", s.cancelled }, { "missing", s.missing }, { "successRate", opt(s.successRate) },
                { "meanLatencyMs", opt(s.meanLatencyMs) }, { "p50LatencyMs", opt(s.p50LatencyMs) },
                { "p95LatencyMs", opt(s.p95LatencyMs) }, { "p50TtftMs", opt(s.p50TtftMs) },
                { "tokensPerSecond", opt(s.tokensPerSecond) }, { "tokensIn", s.tokensIn }, { "tokensOut", s.tokensOut },
                { "cost", s.costKnown ? ojson(s.cost) : ojson() }, { "metrics", metrics } });
    }
    if (args.has("--json")) {
        out << ojson { { "run", grid->run().id }, { "name", grid->run().name }, { "rows", grid->rowCount() },
            { "columns", columns } }
                   .dump(2)
            << '\n';
        return toInt(ExitCode::Ok);
    }
    out << grid->run().name << " (" << grid->run().id << "), " << core::runStatusName(grid->run().status) << ", "
        << grid->rowCount() << " rows\n";
    for (std::size_t c = 0; c < grid->columnCount(); ++c) {
        const core::ColumnSummary s = core::summarizeColumn(*grid, c);
        out << "  " << grid->columns()[c].title << ": " << s.ok << "/" << s.planned << " ok, " << s.failed
            << " failed, latency mean " << fixed(s.meanLatencyMs, 0, " ms") << " p50 "
            << fixed(s.p50LatencyMs, 0, " ms") << " p95 " << fixed(s.p95LatencyMs, 0, " ms") << ", "
            << fixed(s.tokensPerSecond, 1) << " tok/s, cost " << (s.costKnown ? fixed(s.cost, 4) : std::string("-"))
            << '\n';
    }
    return toInt(ExitCode::Ok);
}

int runExport(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    const std::string file = args.value("--out");
    std::optional<core::CompareFormat> format = args.values.count("--format")
        ? core::parseCompareFormat(args.value("--format"))
        : core::compareFormatForPath(file);
    if (!format)
        return fail(err, "export",
            core::makeError(core::ErrorCode::Invalid,
                "--format must be csv, jsonl or html (or give --out a .csv, .jsonl or .html name)"));
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "open", db.error());
    auto grid = core::CompareGrid::load(*db, args.positionals.front(), core::RunRepository::Detail::Full);
    if (!grid)
        return fail(err, "export", grid.error());
    core::CompareExportOptions options;
    const std::string only = args.value("--only");
    if (!only.empty()) {
        if (only != "differ" && only != "failed" && only != "disagree")
            return fail(
                err, "export", core::makeError(core::ErrorCode::Invalid, "--only must be differ, failed or disagree"));
        for (std::size_t r = 0; r < grid->rowCount(); ++r) {
            const core::RowFlags f = core::rowFlags(*grid, r);
            if ((only == "differ" && f.differ) || (only == "failed" && f.failed) || (only == "disagree" && f.disagree))
                options.rows.push_back(r);
        }
        if (options.rows.empty()) {
            err << kPath << " export: no row matches --only " << only << "; nothing written\n";
            return toInt(ExitCode::Problem);
        }
    }
    if (auto st = core::exportComparison(*grid, *format, file, options); !st)
        return fail(err, "export", st.error());
    out << "exported " << (options.rows.empty() ? grid->rowCount() : options.rows.size()) << " rows x "
        << grid->columnCount() << " columns to " << file << '\n';
    return toInt(ExitCode::Ok);
}

std::vector<CatalogCommandSpec> specs()
{
    return {
        { "list", "list the runs, newest first", "Lists every run: id, status, creation time (UTC), cells and name.",
            {}, { kWorkspace }, { { "--json", "print JSON" } }, runList },
        { "summary", "each column's success rate, latency, tokens/s, cost and metrics",
            "Summarises one run per column (prompt version x endpoint): ok/failed, latency mean/p50/p95, TTFT p50,\n"
            "generation tokens/s, tokens, cost and the mean of every metric and judge score.",
            { "RUN_ID" }, { kWorkspace }, { { "--json", "print JSON" } }, runSummary },
        { "export", "export a run's comparison grid (CSV, JSON Lines, HTML)",
            "Writes the grid of RUN_ID (rows x columns) with every cell's output, badges and provenance:\n"
            "csv (one record per row), jsonl (one object per cell, with the request and provenance) or html (a\n"
            "self-contained report for reading offline). The file is written atomically; nothing that looks like a\n"
            "secret is ever exported (the export is refused instead).",
            { "RUN_ID" },
            { kWorkspace, { "--out", "FILE", "where to write", false, true },
                { "--format", "FORMAT", "csv, jsonl or html (default: from the --out extension)" },
                { "--only", "WHICH",
                    "only rows where outputs differ, a cell failed, or an output disagrees with "
                    "the label: differ, failed or disagree" } },
            {}, runExport },
    };
}

} // namespace

int runRunsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    return runSpecGroup(kPath,
        "The runs of a workspace and their comparison grids. Every command needs --workspace FILE.", specs(), args, out,
        err);
}

} // namespace assay::cli
