// SPDX-License-Identifier: MIT
#pragma once
// How a planned cell becomes the RunCell that is committed (the scheduler's bookkeeping, kept apart from it).

#include "domain/run.h"
#include "providers/completion.h"
#include "run/runplan.h"

#include <string>

namespace assay::core {

/// Everything about a cell but its outcome: key, version, endpoint, model, row, repeat, request, request hash,
/// and provenance {endpoint, kind, stream}.
RunCell cellSkeleton(const RunPlan& plan, const PlannedCell& cell);

/// The outcome of the last attempt: status, output, error, finish reason, tokens, TTFT, latency and cost.
/// @p attempts is recorded in provenance; @p status overrides (e.g. Cancelled). A cell that is not Ok keeps at most
/// kFailedOutputKeepBytes of its partial output (provenance outputTruncated / outputBytesReceived say how much came);
/// its error is valid UTF-8 and says how often the call was tried.
RunCell cellFromCompletion(
    const RunPlan& plan, const PlannedCell& cell, const Completion& completion, int attempts, CellStatus status);

/// A cell that failed without a request (no key, a missing variable, the endpoint cannot be used).
RunCell cellFailedBeforeRequest(const RunPlan& plan, const PlannedCell& cell, const Error& error, CellStatus status);

/// A cache hit: @p source's output, finish reason and tokens, cost 0, provenance.cached = true with the source.
RunCell cellFromCache(const RunPlan& plan, const PlannedCell& cell, const RunCell& source);

} // namespace assay::core
