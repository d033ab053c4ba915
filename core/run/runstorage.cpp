// SPDX-License-Identifier: MIT
// RunScheduler's storage thread: creates or resumes the run, answers cells from the cache, feeds the dispatcher
// and commits every outcome the moment it arrives.
#include "run/cellrecord.h"
#include "run/runschedulerimpl.h"
#include "storage/workspace.h"

namespace assay::core {

namespace {
double msBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b)
{
    return std::chrono::duration<double, std::milli>(b - a).count();
}
} // namespace

bool RunScheduler::Impl::claim(std::size_t index)
{
    std::lock_guard lock(mutex);
    if (cells[index].finished || cancelRequested)
        return false;
    cells[index].finished = true;
    return true;
}

Status RunScheduler::Impl::feed(RunRepository& repo, const std::vector<std::string>& missing, RunProgress& progress)
{
    const bool cache = plan.definition().cache && options.rerunKeys.empty();
    std::vector<std::size_t> batch;
    auto flush = [&] {
        std::lock_guard lock(mutex);
        for (std::size_t index : batch) {
            if (cells[index].finished || cancelRequested)
                continue;
            cells[index].waiting = true;
            endpoints[plan.cells()[index].endpointIndex].queue.push_back(index);
        }
        batch.clear();
        dispatchCv.notify_one();
    };
    for (const auto& key : missing) {
        const std::size_t index = *plan.indexOf(key);
        const PlannedCell& cell = plan.cells()[index];
        const auto& unusable = endpoints[cell.endpointIndex].unusable; // written before the threads started
        std::optional<RunCell> now;
        if (unusable || cell.renderError) {
            now = cellFailedBeforeRequest(plan, cell, unusable ? *unusable : *cell.renderError, CellStatus::Failed);
        } else if (cache) {
            auto hit = repo.findCellByRequestHash(cell.requestHash);
            if (!hit)
                return hit.error();
            if (*hit)
                now = cellFromCache(plan, cell, **hit);
        }
        if (now) {
            if (claim(index)) {
                const CellStatus status = now->status;
                ASSAY_TRY(commitAndCount(repo, Outcome { index, std::nullopt, std::move(*now), 0, status }, progress));
            }
        } else {
            batch.push_back(index);
            if (batch.size() >= 64)
                flush();
        }
        if (!batch.empty() && cache && batch.size() % 16 == 0)
            flush(); // with lookups in between, let the dispatcher start early
        ASSAY_TRY(drainCommits(repo, progress, false));
        {
            std::lock_guard lock(mutex);
            if (cancelRequested)
                break;
        }
    }
    flush();
    std::lock_guard lock(mutex);
    fed = true;
    dispatchCv.notify_one();
    return {};
}

Status RunScheduler::Impl::drainCommits(RunRepository& repo, RunProgress& progress, bool wait)
{
    std::deque<Outcome> ready;
    {
        std::unique_lock lock(mutex);
        if (wait)
            storageCv.wait(lock, [&] { return !commitQueue.empty() || dispatchDone; });
        ready.swap(commitQueue);
    }
    for (auto& cell : ready)
        ASSAY_TRY(commitAndCount(repo, std::move(cell), progress));
    return {};
}

RunStatus RunScheduler::Impl::storageMain(const std::string& resumeRunId, RunProgress& progress)
{
    auto fail = [&](const Error& e) {
        std::lock_guard lock(mutex);
        if (!storageError)
            storageError = e;
        cancelRequested = true;
        fed = true;
        dispatchCv.notify_one();
    };
    auto db = Workspace::open(options.workspacePath);
    if (!db) {
        fail(db.error());
        return RunStatus::Failed;
    }
    RunRepository repo(*db, options.actor);
    std::vector<std::string> missing;
    std::string id;
    if (!resumeRunId.empty()) {
        auto run = repo.get(resumeRunId);
        auto keys
            = run ? repo.missingCellKeys(run->id, plan.keys(), true) : Result<std::vector<std::string>>(run.error());
        if (keys && !options.rerunKeys.empty()) {
            keys = options.rerunKeys;
            for (const auto& key : options.rerunKeys)
                if (!plan.indexOf(key))
                    keys = makeError(ErrorCode::Invalid, "Cell '" + key + "' is not a cell of run " + run->id);
        }
        if (!keys) {
            fail(keys.error());
            return RunStatus::Failed;
        }
        id = run->id;
        missing = std::move(*keys);
    } else {
        auto run = repo.create(plan.definition().name, plan.pinned());
        if (!run) {
            fail(run.error());
            return RunStatus::Failed;
        }
        id = run->id;
        missing = plan.keys();
    }
    if (auto st = repo.setStatus(id, RunStatus::Running); !st) {
        fail(st.error());
        return RunStatus::Failed;
    }
    {
        std::lock_guard lock(mutex);
        runId = id;
    }
    progress.total = static_cast<std::int64_t>(plan.cells().size());
    progress.alreadyDone = progress.total - static_cast<std::int64_t>(missing.size());
    if (options.onStarted)
        options.onStarted(id);
    reportProgress(progress, false);

    Status st = feed(repo, missing, progress);
    for (;;) {
        if (!st) {
            fail(st.error());
            std::lock_guard lock(mutex);
            commitQueue.clear(); // the workspace refuses writes; drop what is left and end
        }
        bool done = false;
        {
            std::lock_guard lock(mutex);
            done = dispatchDone && commitQueue.empty();
        }
        if (done)
            break;
        st = drainCommits(repo, progress, true);
    }
    bool cancelled = false;
    {
        std::lock_guard lock(mutex);
        cancelled = cancelRequested;
        if (storageError) {
            (void)repo.setStatus(id, RunStatus::Failed);
            return RunStatus::Failed;
        }
    }
    const RunStatus status = cancelled ? RunStatus::Cancelled : RunStatus::Finished;
    if (auto s = repo.setStatus(id, status); !s) {
        fail(s.error());
        return RunStatus::Failed;
    }
    reportProgress(progress, true);
    return status;
}

Status RunScheduler::Impl::commitAndCount(RunRepository& repo, Outcome outcome, RunProgress& progress)
{
    RunCell cell = outcome.ready
        ? std::move(*outcome.ready)
        : cellFromCompletion(plan, plan.cells()[outcome.cell], *outcome.completion, outcome.attempts, outcome.status);
    cell.runId = runId;
    auto committed = repo.commitCell(std::move(cell), !options.rerunKeys.empty());
    if (!committed)
        return committed.error();
    const RunCell& c = *committed;
    ++completedThisStart;
    if (c.status == CellStatus::Ok)
        ++progress.done;
    else if (c.status == CellStatus::Failed)
        ++progress.failed;
    else
        ++progress.cancelled;
    if (c.provenance.value("cached", false)) {
        ++progress.cached;
    } else {
        progress.tokensIn += c.tokensIn.value_or(0);
        progress.tokensOut += c.tokensOut.value_or(0);
        progress.cost += c.cost.value_or(0.0);
    }
    if (options.onCell)
        options.onCell(c);
    reportProgress(progress, false);
    return {};
}

void RunScheduler::Impl::reportProgress(RunProgress& progress, bool final)
{
    const auto now = Clock::now();
    if (!final && msBetween(lastReport, now) < static_cast<double>(options.progressIntervalMs))
        return;
    lastReport = now;
    progress.elapsedMs = msBetween(startedAt, now);
    {
        std::lock_guard lock(mutex);
        progress.inFlight = inFlightTotal;
        progress.retries = retries;
    }
    const std::int64_t remaining = progress.total - progress.completed();
    if (completedThisStart > 0)
        progress.etaMs = progress.elapsedMs / static_cast<double>(completedThisStart) * static_cast<double>(remaining);
    progress.finished = final;
    if (options.onProgress)
        options.onProgress(progress);
}

} // namespace assay::core
