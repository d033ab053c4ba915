// SPDX-License-Identifier: MIT
#include "run/cellrecord.h"

#include "http/redact.h"
#include "providers/providererror.h"
#include "util/displaytext.h"

namespace assay::core {

RunCell cellSkeleton(const RunPlan& plan, const PlannedCell& cell)
{
    const Endpoint& endpoint = plan.endpoints()[cell.endpointIndex];
    RunCell c;
    c.cellKey = cell.key;
    c.promptVersionId = plan.prompts()[cell.promptIndex].version.id;
    c.endpointId = endpoint.id;
    c.modelName = cell.request.model;
    c.rowId = plan.rows()[cell.rowIndex].id;
    c.repeatIndex = cell.repeat;
    c.requestHash = cell.requestHash;
    c.request = cell.normalized;
    c.provenance = { { "endpoint", endpoint.name }, { "kind", endpointKindName(endpoint.kind) },
        { "baseUrl", redactUrl(endpoint.baseUrl) }, { "stream", cell.request.stream }, { "cached", false },
        { "prompt", plan.prompts()[cell.promptIndex].reference } };
    // A local model records what produced the output: file hash, quantization, llama.cpp build, devices, layers,
    // context, threads (the sampling settings are in the normalized request).
    if (auto runner = endpoint.settings.find("runner"); runner != endpoint.settings.end() && runner->is_object())
        c.provenance["runner"] = *runner;
    return c;
}

RunCell cellFromCompletion(
    const RunPlan& plan, const PlannedCell& cell, const Completion& completion, int attempts, CellStatus status)
{
    RunCell c = cellSkeleton(plan, cell);
    c.status = status;
    // A failed or cancelled call keeps a bounded prefix of its partial output (as a failed non-streamed reply keeps
    // none): a broken stream cannot make one cell weigh tens of MB in the workspace.
    const bool keepsAll = status == CellStatus::Ok || completion.text.size() <= kFailedOutputKeepBytes;
    c.output = keepsAll ? completion.text : std::string(utf8Prefix(completion.text, kFailedOutputKeepBytes));
    if (!keepsAll) {
        c.provenance["outputTruncated"] = true;
        c.provenance["outputBytesReceived"] = completion.text.size();
    }
    c.finishReason = completion.finishReason;
    const CallStats& s = completion.stats;
    if (completion.usage) {
        c.tokensIn = completion.usage->inputTokens;
        c.tokensOut = completion.usage->outputTokens;
    } else if (s.usageReported) {
        c.tokensIn = s.usage.inputTokens;
        c.tokensOut = s.usage.outputTokens;
    } else if (completion.deltaCount > 0) {
        c.tokensOut = s.usage.outputTokens; // counted deltas: an estimate (provenance says so)
        c.provenance["tokensOutEstimated"] = true;
    }
    if (s.ttftMs >= 0)
        c.ttftMs = s.ttftMs;
    if (s.latencyMs > 0)
        c.latencyMs = s.latencyMs;
    if (s.costKnown)
        c.cost = s.cost;
    c.provenance["attempts"] = attempts;
    if (s.httpStatus != 0)
        c.provenance["httpStatus"] = s.httpStatus;
    if (!s.extras.empty())
        c.provenance["extras"] = s.extras;
    if (!s.wire.is_null())
        c.provenance["wire"] = s.wire;
    if (completion.error) {
        const Error& e = completion.error->error;
        c.provenance["errorCode"] = errorCodeName(e.code);
        c.error = validUtf8(e.message);
        if (!keepsAll)
            c.error = endSentence(std::move(c.error)) + " Of its " + std::to_string(completion.text.size())
                + " bytes of partial output, the first " + std::to_string(c.output.size()) + " were stored.";
        if (attempts > 1 && e.code != ErrorCode::Cancelled)
            c.error = endSentence(std::move(c.error)) + " Tried " + std::to_string(attempts) + " times.";
    }
    return c;
}

RunCell cellFailedBeforeRequest(const RunPlan& plan, const PlannedCell& cell, const Error& error, CellStatus status)
{
    RunCell c = cellSkeleton(plan, cell);
    c.status = status;
    c.error = validUtf8(error.message);
    c.provenance["errorCode"] = errorCodeName(error.code);
    c.provenance["attempts"] = 0;
    return c;
}

RunCell cellFromCache(const RunPlan& plan, const PlannedCell& cell, const RunCell& source)
{
    RunCell c = cellSkeleton(plan, cell);
    c.status = CellStatus::Ok;
    c.output = source.output;
    c.finishReason = source.finishReason;
    c.tokensIn = source.tokensIn;
    c.tokensOut = source.tokensOut;
    c.cost = 0.0;
    c.provenance["cached"] = true;
    c.provenance["cachedFrom"] = { { "runId", source.runId }, { "cellId", source.id } };
    if (source.latencyMs)
        c.provenance["cachedFrom"]["latencyMs"] = *source.latencyMs;
    c.provenance["attempts"] = 0;
    return c;
}

} // namespace assay::core
