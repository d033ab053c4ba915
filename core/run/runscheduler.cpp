// SPDX-License-Identifier: MIT
#include "run/runschedulerimpl.h"

#include "run/cellrecord.h"
#include "run/providerfactory.h"
#include "run/tokenbucket.h"
#include "storage/modelrepository.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <stop_token>
#include <thread>

namespace assay::core {

namespace {
using Clock = std::chrono::steady_clock;
using run_detail::Attempt;
using run_detail::Delayed;

bool retryable(const Completion& c)
{
    return shouldRetry(*c.error); // the one rule, documented in providers/provider.h
}

double estimateTokens(const ProviderRequest& r)
{
    std::size_t chars = 0;
    for (const auto& m : r.messages)
        chars += m.content.size() + 4;
    return static_cast<double>(chars) / 4.0 + static_cast<double>(r.parameters.maxTokens.value_or(256));
}

} // namespace

void RunScheduler::Impl::buildEndpoints()
{
    const RunDefinition& d = plan.definition();
    CallLimits limits;
    limits.totalTimeoutMs = static_cast<long>(d.timeoutMs);
    limits.streamIdleTimeoutMs = static_cast<long>(std::min<std::int64_t>(d.timeoutMs, 60'000));
    limits.connectTimeoutMs = static_cast<long>(std::min<std::int64_t>(d.timeoutMs, 10'000));
    // Prices come from the capability matrix; a read-only look on this thread's own connection.
    std::vector<std::optional<Model>> models(plan.endpoints().size());
    if (auto db = Workspace::open(options.workspacePath)) {
        ModelRepository repo(*db);
        for (std::size_t i = 0; i < plan.endpoints().size(); ++i)
            if (const auto& id = plan.endpoints()[i].modelId)
                if (auto m = repo.model(*id))
                    models[i] = std::move(*m);
    }
    const auto now = Clock::now();
    for (std::size_t i = 0; i < plan.endpoints().size(); ++i) {
        const Endpoint& e = plan.endpoints()[i];
        EndpointState s;
        s.limit = d.concurrencyFor(e.name);
        const RateLimit rl = d.rateLimitFor(e.name);
        s.requests = TokenBucket(rl.requestsPerMinute, now);
        s.tokens = TokenBucket(rl.tokensPerMinute, now);
        auto provider
            = ProviderFactory::make(http, e, options.secrets, ProviderFactory::pricesFor(e, models[i]), limits);
        if (provider)
            s.provider = std::move(*provider);
        else
            s.unusable = provider.error();
        endpoints.push_back(std::move(s));
    }
    std::vector<std::vector<std::string>> devices;
    for (const Endpoint& e : plan.endpoints())
        devices.push_back(ProviderFactory::computeDevices(e));
    for (std::size_t i = 0; i < devices.size(); ++i)
        for (std::size_t j = 0; j < devices.size(); ++j)
            if (i != j && ProviderFactory::shareADevice(devices[i], devices[j]))
                endpoints[i].sharesDeviceWith.push_back(j);
    if (d.seed)
        rng.seed(static_cast<std::uint64_t>(*d.seed));
    else
        rng.seed(std::random_device {}());
}

void RunScheduler::Impl::finishCell(Outcome outcome)
{
    cells[outcome.cell].finished = true;
    cells[outcome.cell].waiting = false;
    commitQueue.push_back(std::move(outcome));
    storageCv.notify_one();
}

void RunScheduler::Impl::startCall(std::size_t index, std::stop_token token, double estimate)
{
    const PlannedCell& planned = plan.cells()[index];
    ProviderRequest request = planned.request;
    request.cancel = std::move(token);
    auto attempt = std::make_shared<Attempt>();
    attempt->cell = index;
    attempt->estimatedTokens = estimate;
    Provider& provider = *endpoints[planned.endpointIndex].provider; // set before the loop; never changes
    auto done = [this, attempt] { attemptDone(attempt); };
    const auto* onDelta = options.onDelta ? &options.onDelta : nullptr; // options and plan outlive every call
    const std::string* key = &planned.key;
    auto handle = provider.start(request, [attempt, done, onDelta, key](ProviderEvent&& event) {
        Completion& c = attempt->completion;
        if (auto* d = std::get_if<TokenDelta>(&event)) {
            if (onDelta)
                (*onDelta)(*key, d->text, c.deltaCount == 0);
            c.text += d->text;
            ++c.deltaCount;
        } else if (auto* u = std::get_if<UsageEvent>(&event)) {
            c.usage = u->usage;
        } else if (auto* f = std::get_if<FinishEvent>(&event)) {
            c.finishReason = f->reason;
            c.rawFinishReason = f->rawReason;
            c.stats = f->stats;
            done();
        } else if (auto* e = std::get_if<ErrorEvent>(&event)) {
            c.stats = e->stats;
            c.error = std::move(*e);
            done();
        }
    });
    if (!handle) { // refused at once: hand it to the dispatcher (no recursion through attemptDone)
        attempt->completion.error = ErrorEvent { handle.error(), std::nullopt, {}, std::nullopt };
        std::lock_guard lock(mutex);
        finishedAttempts.push_back(attempt);
        dispatchCv.notify_one();
    }
}

void RunScheduler::Impl::onAttemptFinished(const std::shared_ptr<Attempt>& a, Clock::time_point now)
{
    const std::size_t index = a->cell;
    CellState& cell = cells[index];
    const PlannedCell& planned = plan.cells()[index];
    EndpointState& ep = endpoints[planned.endpointIndex];
    cell.inFlight = false;
    --ep.inFlight;
    --inFlightTotal;
    const Completion& c = a->completion;
    if (c.usage)
        ep.tokens.adjust(a->estimatedTokens - static_cast<double>(c.usage->inputTokens + c.usage->outputTokens));
    if (c.ok())
        return finishCell(Outcome { index, std::move(a->completion), std::nullopt, cell.attempts, CellStatus::Ok });
    const RetryPolicy& policy = plan.definition().retries;
    if (c.error->error.code == ErrorCode::Cancelled || cell.userCancelled || cancelRequested) {
        Completion cancelled = std::move(a->completion);
        cancelled.error->error = makeError(ErrorCode::Cancelled,
            cell.userCancelled ? "Cancelled by the user" : "The run was cancelled before this cell finished");
        return finishCell(Outcome { index, std::move(cancelled), std::nullopt, cell.attempts, CellStatus::Cancelled });
    }
    if (retryable(c) && cell.attempts < policy.maxAttempts) {
        std::int64_t waitMs = 0;
        if (c.error->retryAfterMs) {
            waitMs = *c.error->retryAfterMs;
            ep.pausedUntil = std::max(ep.pausedUntil, now + std::chrono::milliseconds(waitMs));
        } else {
            const double cap = std::min(static_cast<double>(policy.maxBackoffMs),
                static_cast<double>(policy.baseBackoffMs) * std::pow(2.0, cell.attempts - 1));
            waitMs = static_cast<std::int64_t>(std::uniform_real_distribution<double>(0.0, cap)(rng));
        }
        cell.waiting = true;
        ++retries;
        delayed.push_back(Delayed { now + std::chrono::milliseconds(waitMs), index });
        timersChanged = true;
        return;
    }
    finishCell(Outcome { index, std::move(a->completion), std::nullopt, cell.attempts, CellStatus::Failed });
}

void RunScheduler::Impl::propagateCancel()
{
    if (!cancelRequested)
        return;
    if (!cancelPropagated) {
        for (auto& c : cells)
            if (c.inFlight)
                c.stop.request_stop();
        cancelPropagated = true;
    }
    // Unstarted cells stay without a cell: a resume requests them.
    for (auto& ep : endpoints) {
        for (std::size_t i : ep.queue)
            cells[i].waiting = false;
        ep.queue.clear();
    }
    for (const auto& d : delayed)
        cells[d.cell].waiting = false;
    delayed.clear();
}

void RunScheduler::Impl::applyUserCancels()
{
    for (std::size_t index : userCancels) {
        CellState& cell = cells[index];
        if (cell.finished || cell.inFlight)
            continue; // in flight: its stop token was triggered; the cancel arrives as its outcome
        auto& queue = endpoints[plan.cells()[index].endpointIndex].queue;
        queue.erase(std::remove(queue.begin(), queue.end(), index), queue.end());
        delayed.erase(std::remove_if(delayed.begin(), delayed.end(), [&](const Delayed& d) { return d.cell == index; }),
            delayed.end());
        finishCell(Outcome { index, std::nullopt,
            cellFailedBeforeRequest(plan, plan.cells()[index], makeError(ErrorCode::Cancelled, "Cancelled by the user"),
                CellStatus::Cancelled),
            0, CellStatus::Cancelled });
    }
    userCancels.clear();
}

RunScheduler::Impl::Clock::time_point RunScheduler::Impl::pump(Clock::time_point now, std::vector<Start>& starts)
{
    auto finished = std::move(finishedAttempts);
    finishedAttempts.clear();
    for (const auto& a : finished)
        onAttemptFinished(a, now);
    applyUserCancels();
    propagateCancel();
    // Retries that are due go first in their endpoint's queue.
    auto nextWake = Clock::time_point::max();
    for (auto it = delayed.begin(); it != delayed.end();) {
        if (it->at <= now) {
            endpoints[plan.cells()[it->cell].endpointIndex].queue.push_front(it->cell);
            it = delayed.erase(it);
        } else {
            nextWake = std::min(nextWake, it->at);
            ++it;
        }
    }
    // Round-robin, one call per endpoint per pass, so a total cap (maxInFlight) is shared fairly.
    const int cap = plan.definition().maxInFlight;
    std::vector<bool> blocked(endpoints.size(), false);
    for (bool progress = true; progress;) {
        progress = false;
        const std::size_t base = nextEndpoint;
        for (std::size_t k = 0; k < endpoints.size(); ++k) {
            if (cap > 0 && inFlightTotal >= cap)
                return nextWake;
            const std::size_t e = (base + k) % endpoints.size();
            EndpointState& ep = endpoints[e];
            if (blocked[e] || ep.inFlight >= ep.limit || ep.queue.empty() || waitsForDevice(e, now))
                continue;
            if (ep.pausedUntil > now) {
                nextWake = std::min(nextWake, ep.pausedUntil);
                blocked[e] = true;
                continue;
            }
            const std::size_t index = ep.queue.front();
            const double estimate = estimateTokens(plan.cells()[index].request);
            const auto wait = std::max(ep.requests.waitFor(1, now), ep.tokens.waitFor(estimate, now));
            if (wait > Clock::duration::zero()) {
                nextWake = std::min(nextWake, now + wait);
                blocked[e] = true;
                continue;
            }
            ep.requests.take(1, now);
            ep.tokens.take(estimate, now);
            ep.queue.pop_front();
            CellState& cell = cells[index];
            cell.waiting = false;
            cell.inFlight = true;
            ++cell.attempts;
            cell.stop = std::stop_source();
            ++ep.inFlight;
            ++inFlightTotal;
            starts.push_back(Start { index, cell.stop.get_token(), estimate });
            nextEndpoint = (e + 1) % endpoints.size(); // the next free slot goes to the next endpoint
            progress = true;
        }
    }
    return nextWake;
}

bool RunScheduler::Impl::waitsForDevice(std::size_t e, Clock::time_point now) const
{
    const EndpointState& ep = endpoints[e];
    for (const std::size_t other : ep.sharesDeviceWith) {
        const EndpointState& o = endpoints[other];
        if (o.inFlight > 0)
            return true; // the device is the other's now
        if (ep.inFlight > 0 && !o.queue.empty() && o.pausedUntil <= now)
            return true; // let the calls in flight finish, then hand the device over
    }
    return false;
}

void RunScheduler::Impl::attemptDone(const std::shared_ptr<Attempt>& attempt)
{
    std::vector<Start> starts;
    {
        std::lock_guard lock(mutex);
        finishedAttempts.push_back(attempt);
        pump(Clock::now(), starts);
        // The dispatcher keeps the timers and notices the end; it need not wake while this thread keeps slots busy.
        if (starts.empty() || timersChanged || !userCancels.empty())
            dispatchCv.notify_one();
    }
    for (auto& s : starts)
        startCall(s.index, std::move(s.token), s.estimate);
}

void RunScheduler::Impl::dispatchLoop()
{
    std::unique_lock lock(mutex);
    std::vector<Start> starts;
    for (;;) {
        timersChanged = false;
        starts.clear();
        const auto nextWake = pump(Clock::now(), starts);
        if (!starts.empty()) {
            // Outside the lock: the provider's sink takes it from the HTTP worker.
            lock.unlock();
            for (auto& s : starts)
                startCall(s.index, std::move(s.token), s.estimate);
            lock.lock();
            continue;
        }
        const bool queuesEmpty
            = std::all_of(endpoints.begin(), endpoints.end(), [](const EndpointState& e) { return e.queue.empty(); });
        if ((fed || cancelRequested) && queuesEmpty && delayed.empty() && inFlightTotal == 0 && finishedAttempts.empty()
            && userCancels.empty())
            break;
        if (!finishedAttempts.empty() || !userCancels.empty() || timersChanged)
            continue;
        if (nextWake == Clock::time_point::max())
            dispatchCv.wait(lock);
        else
            dispatchCv.wait_until(lock, nextWake);
    }
    dispatchDone = true;
    storageCv.notify_one();
}

// --- public API ----------------------------------------------------------------------------------------------

RunScheduler::RunScheduler(RunPlan plan, HttpClient& http, SchedulerOptions options)
    : m_impl(std::make_unique<Impl>(std::move(plan), http, std::move(options)))
{
}

RunScheduler::~RunScheduler() = default;

Result<RunOutcome> RunScheduler::run(const std::string& resumeRunId)
{
    Impl& d = *m_impl;
    {
        std::lock_guard lock(d.mutex);
        if (d.started)
            return makeError(ErrorCode::Invalid, "A run scheduler runs its plan once");
        d.started = true;
    }
    d.buildEndpoints();
    d.startedAt = Clock::now();
    d.lastReport = d.startedAt;
    RunProgress progress;
    RunStatus status = RunStatus::Failed;
    std::thread storage([&] { status = d.storageMain(resumeRunId, progress); });
    d.dispatchLoop();
    storage.join();
    std::lock_guard lock(d.mutex);
    if (d.storageError)
        return *d.storageError;
    return RunOutcome { d.runId, status, progress };
}

void RunScheduler::Impl::requestCancel()
{
    std::lock_guard lock(mutex);
    cancelRequested = true;
    dispatchCv.notify_one();
    storageCv.notify_one();
}

void RunScheduler::cancel()
{
    m_impl->requestCancel();
}

bool RunScheduler::cancelCell(const std::string& cellKey)
{
    const auto index = m_impl->plan.indexOf(cellKey);
    if (!index)
        return false;
    std::lock_guard lock(m_impl->mutex);
    auto& cell = m_impl->cells[*index];
    if (cell.finished || cell.userCancelled)
        return false;
    cell.userCancelled = true;
    if (cell.inFlight)
        cell.stop.request_stop();
    else
        m_impl->userCancels.push_back(*index);
    m_impl->dispatchCv.notify_one();
    return true;
}

std::string RunScheduler::runId() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->runId;
}

const RunPlan& RunScheduler::plan() const
{
    return m_impl->plan;
}

} // namespace assay::core
