// SPDX-License-Identifier: MIT
#pragma once
// Internal to the run engine: the shared state of RunScheduler's dispatcher (runscheduler.cpp) and storage thread
// (runstorage.cpp). Not part of the public API.

#include "providers/completion.h"
#include "run/runscheduler.h"
#include "run/tokenbucket.h"
#include "storage/runrepository.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <vector>

namespace assay::core {

namespace run_detail {
using Clock = std::chrono::steady_clock;

/// One HTTP attempt. The sink fills it on the HTTP worker; the dispatcher reads it after the terminal event.
struct Attempt {
    std::size_t cell = 0;
    Completion completion;
    double estimatedTokens = 0;
};

struct CellState {
    int attempts = 0;
    bool inFlight = false;
    bool waiting = false; ///< queued or delayed for a retry
    bool finished = false; ///< an outcome was handed to storage
    bool userCancelled = false;
    std::stop_source stop { std::nostopstate };
};

struct EndpointState {
    std::unique_ptr<Provider> provider;
    std::optional<Error> unusable;
    int limit = 1;
    int inFlight = 0;
    TokenBucket requests;
    TokenBucket tokens;
    Clock::time_point pausedUntil {};
    std::deque<std::size_t> queue;
    std::vector<std::size_t> sharesDeviceWith; ///< endpoints computing on a device this one uses: turns, not overlap
};

/// A finished cell on its way to storage, which turns it into a RunCell (off the dispatch path).
struct Outcome {
    std::size_t cell = 0;
    std::optional<Completion> completion; ///< the last attempt
    std::optional<RunCell> ready; ///< or a cell built already (failed before any request)
    int attempts = 0;
    CellStatus status = CellStatus::Ok;
};

/// A call the dispatcher decided to start (started outside the lock).
struct Start {
    std::size_t index = 0;
    std::stop_token token;
    double estimate = 0;
};

struct Delayed {
    Clock::time_point at;
    std::size_t cell;
};

} // namespace run_detail

struct RunScheduler::Impl {
    using Clock = run_detail::Clock;
    using Attempt = run_detail::Attempt;
    using CellState = run_detail::CellState;
    using EndpointState = run_detail::EndpointState;
    using Delayed = run_detail::Delayed;
    using Outcome = run_detail::Outcome;
    using Start = run_detail::Start;

    Impl(RunPlan p, HttpClient& h, SchedulerOptions o)
        : plan(std::move(p))
        , http(h)
        , options(std::move(o))
        , cells(plan.cells().size())
    {
        // Last: a stop requested already runs the callback here, and every member it touches exists by now.
        onStop.emplace(options.cancel, [this] { requestCancel(); });
    }

    RunPlan plan;
    HttpClient& http;
    SchedulerOptions options;
    std::mt19937_64 rng;

    mutable std::mutex mutex;
    std::condition_variable dispatchCv;
    std::condition_variable storageCv;
    // guarded by mutex:
    std::vector<CellState> cells;
    std::vector<EndpointState> endpoints;
    std::vector<std::shared_ptr<Attempt>> finishedAttempts;
    std::vector<Delayed> delayed;
    std::vector<std::size_t> userCancels;
    std::deque<Outcome> commitQueue;
    bool timersChanged = false; ///< a retry or pause was scheduled since the dispatcher last looked
    std::string runId;
    bool fed = false; ///< storage has handed every cell that needs a request to the dispatcher
    bool dispatchDone = false;
    bool cancelRequested = false;
    bool cancelPropagated = false;
    bool started = false;
    std::optional<Error> storageError;
    std::int64_t inFlightTotal = 0;
    std::int64_t retries = 0;
    std::size_t nextEndpoint = 0; ///< where the next round-robin pass starts

    // --- dispatcher (the thread in run()) ---
    void buildEndpoints();
    void dispatchLoop();
    void startCall(std::size_t index, std::stop_token token, double estimate);
    void onAttemptFinished(const std::shared_ptr<Attempt>& a, Clock::time_point now);
    void finishCell(Outcome outcome);
    /// Under the lock: handles finished attempts and cancels, then picks the calls that may start now (appended to
    /// @p starts). Returns when the next retry or rate-limit wait ends.
    Clock::time_point pump(Clock::time_point now, std::vector<Start>& starts);
    /// Under the lock: endpoint @p e shares a device with one that computes now, or holds it while another waits.
    bool waitsForDevice(std::size_t e, Clock::time_point now) const;
    /// From the HTTP worker: records the attempt and starts what the freed slot allows right there, without a
    /// hop through the dispatcher thread.
    void attemptDone(const std::shared_ptr<Attempt>& attempt);
    void propagateCancel();
    void applyUserCancels();

    // --- storage thread ---
    RunStatus storageMain(const std::string& resumeRunId, RunProgress& progress);
    Status feed(RunRepository& repo, const std::vector<std::string>& missing, RunProgress& progress);
    Status drainCommits(RunRepository& repo, RunProgress& progress, bool wait);
    bool claim(std::size_t index);
    Status commitAndCount(RunRepository& repo, Outcome outcome, RunProgress& progress);
    void reportProgress(RunProgress& progress, bool final);
    Clock::time_point startedAt;
    Clock::time_point lastReport;
    std::int64_t completedThisStart = 0;

    /// Any thread: what RunScheduler::cancel() and a stop of options.cancel do.
    void requestCancel();
    /// Declared last, so it is destroyed first: its destructor waits for a callback running on another thread,
    /// which still finds the mutex and the condition variables alive. After that no stop reaches this object.
    std::optional<std::stop_callback<std::function<void()>>> onStop;
};

} // namespace assay::core
