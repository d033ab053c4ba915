// SPDX-License-Identifier: MIT
#pragma once

#include "providers/provider.h"

#include <condition_variable>
#include <mutex>
#include <optional>

namespace assay::core {

/// Everything one call produced, including the partial output of a call that failed.
struct Completion {
    std::string text;
    std::vector<TokenLogprob> logprobs;
    std::size_t deltaCount = 0;
    std::optional<TokenUsage> usage; ///< from a UsageEvent
    std::string finishReason; ///< normalized; empty when the call failed
    std::string rawFinishReason;
    CallStats stats;
    std::optional<ErrorEvent> error; ///< set when the call failed or was cancelled
    [[nodiscard]] bool ok() const { return !error.has_value(); }
};

/// Collects a call's events into a Completion; thread-safe (the sink runs on the HTTP worker).
class CompletionCollector {
public:
    /// A sink feeding this collector. The collector must outlive the call.
    EventSink sink();
    /// Blocks until the terminal event. Never call it on the HTTP worker thread.
    Completion wait();
    /// True once the terminal event has arrived.
    [[nodiscard]] bool done() const;

private:
    void onEvent(ProviderEvent&& event);
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    Completion m_completion; // guarded by m_mutex
    bool m_done = false; // guarded by m_mutex
};

/// Starts a call and waits for it (tools, "test connection", tests). A refusal at start becomes the error.
Completion runToCompletion(Provider& provider, const ProviderRequest& request);

} // namespace assay::core
