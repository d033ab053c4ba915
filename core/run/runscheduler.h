// SPDX-License-Identifier: MIT
#pragma once

#include "domain/run.h"
#include "http/httpclient.h"
#include "run/runplan.h"
#include "run/runprogress.h"
#include "secrets/secretstore.h"

#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

struct SchedulerOptions {
    std::string workspacePath; ///< the storage thread opens its own connection (Workspace::open)
    SecretStore* secrets = nullptr; ///< keys for the endpoints' secretRef; nullptr = no keys available
    std::string actor = "run-engine"; ///< audit actor of the run's creation and status changes
    /// Storage thread, at most every progressIntervalMs, and once more with finished = true. Keep it short.
    std::function<void(const RunProgress&)> onProgress;
    std::int64_t progressIntervalMs = 200;
    /// Storage thread, once the run exists (new or resumed), before any cell is committed.
    std::function<void(const std::string& runId)> onStarted;
    /// Storage thread, after each cell is committed.
    std::function<void(const RunCell&)> onCell;
    /// HTTP transfer threads, for each streamed piece of a cell's output as it arrives (before the cell is
    /// committed). @p first marks the first piece of an attempt: a retry starts the text over. Keep it short.
    std::function<void(const std::string& cellKey, std::string_view text, bool first)> onDelta;
    /// Re-running chosen cells of an existing run (run(resumeRunId) only): exactly these keys are requested, even
    /// those that hold an ok result, never from the cache, and each new outcome replaces the old cell.
    std::vector<std::string> rerunKeys;
    /// Cancels the run when stop is requested, from any thread, at any time: before run(), while it runs, or after
    /// the scheduler is gone (then it does nothing). The caller keeps the std::stop_source, which shares ownership
    /// of the stop state, so a late cancel never reaches a destroyed scheduler (the GUI cancels through this).
    std::stop_token cancel;
};

struct RunOutcome {
    std::string runId;
    RunStatus status = RunStatus::Finished;
    RunProgress progress;
};

/// Executes a RunPlan against its endpoints and records every cell in the workspace.
///
/// Dispatch (the thread calling run()): per endpoint at most definition.concurrencyFor() calls in flight (and at most
/// definition.maxInFlight over all endpoints, shared round-robin). Local runner models that compute on a common
/// device (ProviderFactory::computeDevices, e.g. two llama-servers on the CPU) take turns: while one has calls in
/// flight the other starts none, and one with calls in flight starts no more while another waits for the device.
/// Two servers computing at once on the same cores run 30-50x slower (research/llama.md §6.7). Then token
/// buckets for requests/min and tokens/min (tokens estimated from the prompt text and max_tokens, corrected by the
/// reported usage), retries of 429 / 5xx / network / timeout failures with exponential backoff and full jitter,
/// waiting exactly Retry-After (and pausing that endpoint) when the server sends it; a per-attempt timeout.
/// Storage (its own thread and Workspace::open connection): creates or resumes the run, answers cells from the
/// cache (a previous ok cell with the same request hash: copied, marked cached, no request), and commits every
/// finished cell at once (RunRepository::commitCell), so a crash loses only the calls in flight. A resumed run
/// requests only RunRepository::missingCellKeys (cells without an ok result).
/// Cells whose endpoint cannot be built (a missing key: the error names the secret NAME) or whose row lacks a
/// variable fail without a request. Cancelling the run stops the calls in flight (committed as cancelled with
/// their partial output) and leaves unstarted cells missing, for a resume.
///
/// Thread-safe: cancel(), cancelCell() and runId() may be called from any thread (callbacks included) while the
/// scheduler exists; a caller that cannot know when it is destroyed cancels through SchedulerOptions::cancel.
/// run() may be called once.
class RunScheduler {
public:
    RunScheduler(RunPlan plan, HttpClient& http, SchedulerOptions options);
    ~RunScheduler();
    RunScheduler(const RunScheduler&) = delete;
    RunScheduler& operator=(const RunScheduler&) = delete;

    /// Runs the plan as a new run, or continues @p resumeRunId. Blocks until every cell has an outcome or the run
    /// was cancelled. An error means the run could not be recorded (workspace unwritable, unknown run id).
    Result<RunOutcome> run(const std::string& resumeRunId = {});
    /// Cancels the whole run.
    void cancel();
    /// Cancels one cell (in flight, waiting for a retry, or queued); it is committed as cancelled.
    /// False when the key is not in the plan or the cell already has an outcome.
    bool cancelCell(const std::string& cellKey);
    /// The run's id once run() has created or resumed it ("" before).
    [[nodiscard]] std::string runId() const;
    [[nodiscard]] const RunPlan& plan() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace assay::core
