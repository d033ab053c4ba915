// SPDX-License-Identifier: MIT
#include "runcommand.h"

#include "catalogargs.h"
#include "exitcodes.h"
#include "offlinemode.h"
#include "runoutput.h"

#include "http/httpclient.h"
#include "run/runscheduler.h"
#include "secrets/filesecretstore.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace assay::cli {

namespace {

using ojson = nlohmann::ordered_json;
const char* const kPath = "assay-cli run";

std::atomic<int> g_signal { 0 };

extern "C" void onSignal(int sig)
{
    g_signal.store(sig);
}

int fail(std::ostream& err, const core::Error& error, bool usage = false)
{
    err << kPath << ": " << error.message << '\n';
    if (!error.detail.empty())
        err << "  detail: " << error.detail << '\n';
    if (usage || error.code == core::ErrorCode::Invalid)
        return toInt(ExitCode::Usage);
    if (error.code == core::ErrorCode::NotFound)
        return toInt(ExitCode::Problem);
    return toInt(exitCodeFor(error.code));
}

core::Result<std::string> readFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return core::makeError(core::ErrorCode::Io, "Cannot read the run definition " + path);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

int execute(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    const std::string& file = args.positionals.front();
    const std::string workspace = args.value("--workspace");
    const std::string resume = args.value("--resume");
    const std::string output = args.value("--output");
    if (!output.empty() && !output.ends_with(".jsonl") && !output.ends_with(".csv"))
        return fail(err, core::makeError(core::ErrorCode::Invalid, "--output must end in .jsonl or .csv"));
    auto text = readFile(file);
    if (!text)
        return fail(err, text.error());
    auto definition = core::RunDefinition::parseText(*text);
    if (!definition)
        return fail(err, core::makeError(core::ErrorCode::Invalid, file + ": " + definition.error().message));
    auto db = core::Workspace::open(workspace);
    if (!db)
        return fail(err, db.error());
    auto offline = offlineMode(args.has("--offline"), *db);
    if (!offline)
        return fail(err, offline.error());
    core::Result<core::RunPlan> plan = core::makeError(core::ErrorCode::Invalid, "no plan");
    if (!resume.empty()) {
        auto run = core::RunRepository(*db).get(resume);
        if (!run)
            return fail(err, run.error());
        plan = core::RunPlan::fromPinned(*definition, run->plan, *db);
    } else {
        plan = core::RunPlan::resolve(*definition, *db);
    }
    if (!plan)
        return fail(err, plan.error());
    *db = core::Db(); // the scheduler's storage thread opens its own connection

    const bool tty = ::isatty(STDERR_FILENO) != 0;
    reportOffline(err, kPath, *offline);
    core::HttpClientOptions httpOptions;
    httpOptions.offline = offline->on; // refuses other hosts before a name lookup or a socket
    core::HttpClient http(std::move(httpOptions));
    core::FileSecretStore secrets;
    core::SchedulerOptions options;
    options.workspacePath = workspace;
    options.secrets = &secrets;
    options.actor = "assay-cli";
    options.progressIntervalMs = tty ? 100 : 2000;
    const std::size_t cellCount = plan->cells().size();
    options.onStarted = [&](const std::string& id) {
        err << (resume.empty() ? "run " : "resuming run ") << id << ": " << cellCount << " cells"
            << " (if interrupted, continue with --resume " << id << ")\n"
            << std::flush;
    };
    options.onProgress = [&](const core::RunProgress& p) {
        if (tty)
            err << '\r' << progressLine(p, true) << "\x1b[K" << (p.finished ? "\n" : "") << std::flush;
        else
            err << "progress: " << progressLine(p, false) << '\n' << std::flush;
    };
    core::RunScheduler scheduler(std::move(*plan), http, std::move(options));

    // Ctrl+C / SIGTERM: cancel gracefully (calls in flight are recorded as cancelled), then exit 7.
    g_signal = 0;
    auto oldInt = std::signal(SIGINT, onSignal);
    auto oldTerm = std::signal(SIGTERM, onSignal);
    std::atomic<bool> finished { false };
    std::thread watcher([&] {
        while (!finished.load()) {
            if (g_signal.load() != 0) {
                scheduler.cancel();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
    const auto started = std::chrono::steady_clock::now();
    auto outcome = scheduler.run(resume);
    finished = true;
    watcher.join();
    std::signal(SIGINT, oldInt);
    std::signal(SIGTERM, oldTerm);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!outcome)
        return fail(err, outcome.error());

    auto reopened = core::Workspace::open(workspace);
    if (!reopened)
        return fail(err, reopened.error());
    auto cells = core::RunRepository(*reopened).cells(outcome->runId);
    if (!cells)
        return fail(err, cells.error());
    std::int64_t ok = 0, failed = 0, cancelled = 0;
    for (const auto& c : *cells)
        (c.status == core::CellStatus::Ok ? ok : c.status == core::CellStatus::Failed ? failed : cancelled) += 1;
    if (!output.empty())
        if (auto st = writeResults(output, *cells); !st)
            return fail(err, st.error());
    const core::RunProgress& p = outcome->progress;
    const std::int64_t requested = p.done - p.cached + p.failed + p.cancelled;
    if (args.has("--json")) {
        ojson j { { "runId", outcome->runId }, { "status", core::runStatusName(outcome->status) }, { "cells", p.total },
            { "ok", ok }, { "failed", failed }, { "cancelled", cancelled },
            { "missing", p.total - ok - failed - cancelled }, { "cachedThisStart", p.cached },
            { "completedThisStart", p.done + p.failed + p.cancelled }, { "tokensIn", p.tokensIn },
            { "tokensOut", p.tokensOut }, { "cost", p.cost }, { "seconds", seconds },
            { "cellsPerSecond", seconds > 0 ? static_cast<double>(p.done + p.failed + p.cancelled) / seconds : 0.0 },
            { "requests", requested } };
        if (!output.empty())
            j["output"] = output;
        out << j.dump(2) << '\n';
    } else {
        out << "run " << outcome->runId << ' ' << core::runStatusName(outcome->status) << ": " << ok << " ok, "
            << failed << " failed, " << cancelled << " cancelled";
        if (p.cached > 0)
            out << " (" << p.cached << " from the cache)";
        out << " of " << p.total << " cells in " << seconds << " s\n";
        if (!output.empty())
            out << "results: " << output << '\n';
    }
    if (outcome->status == core::RunStatus::Cancelled) {
        err << kPath << ": interrupted; continue with: assay-cli run " << file << " --workspace " << workspace
            << " --resume " << outcome->runId << '\n';
        return toInt(ExitCode::Cancelled);
    }
    if (failed > 0) {
        // The distinct reasons, most frequent first (at most 5, then how many more), so the user sees why without
        // opening the results.
        for (const std::string& line : failureSummary(*cells))
            err << line << '\n';
        err << kPath << ": " << failed << " cell(s) failed; their errors are in the results (run again with --resume "
            << outcome->runId << " to retry them)\n";
        return toInt(ExitCode::CellsFailed);
    }
    return toInt(ExitCode::Ok);
}

} // namespace

int runRunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    const CatalogCommandSpec spec { "run", "run a prompt x endpoint x dataset grid and record every cell",
        "Runs the grid described by FILE (JSON: name, prompts [\"NAME@label\"...], endpoints [names], dataset\n"
        "or rows, repeats, parameters, seed, concurrency, rateLimits, retries, timeoutMs, cache, stream) and commits\n"
        "each cell to the workspace the moment it finishes. Progress goes to stderr (a bar on a terminal, plain lines\n"
        "otherwise). Keys come from `assay-cli keys` or ASSAY_KEY_<NAME>.\n"
        "--resume RUN_ID continues a run that crashed, was killed or was interrupted: only cells without an ok\n"
        "result are requested again. Ctrl+C cancels cleanly (exit 7). Exit 6 when some cells failed.\n"
        "Offline mode (--offline, ASSAY_OFFLINE=1, or the workspace's setting: `assay-cli workspace offline FILE\n"
        "--on`) reaches only endpoints on this computer; a cell for any other host fails, naming the host, before\n"
        "a name lookup or a connection is attempted.",
        { "FILE.json" },
        { { "--workspace", "FILE", "the workspace file (*.assay)", false, true },
            { "--resume", "RUN_ID", "continue this run instead of starting a new one" },
            { "--output", "FILE", "also write every cell to FILE (.jsonl or .csv)" } },
        { { "--json", "print the summary as JSON" }, { "--offline", kOfflineHelp } }, execute };
    CatalogArgs parsed;
    bool help = false;
    if (!parseCatalogArgs(kPath, spec, args, parsed, help, err))
        return toInt(ExitCode::Usage);
    if (help) {
        printCatalogHelp(kPath, spec, out);
        return toInt(ExitCode::Ok);
    }
    return spec.run(parsed, out, err);
}

} // namespace assay::cli
