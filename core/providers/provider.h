// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"
#include "http/httpclient.h"
#include "util/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace assay::core {

/// Persisted in endpoints — never renumber.
enum class ProviderKind : int {
    OpenAiCompatible = 1, ///< OpenAI, Azure OpenAI, vLLM, TGI, Ollama /v1, LM Studio, llama-server
    Anthropic = 2,
    Bedrock = 3,
};

const char* providerKindName(ProviderKind kind);

/// What a provider can honour; callers drop (and note) what is unsupported.
struct Capabilities {
    bool streaming = true;
    bool seed = false;
    bool logprobs = false;
    bool stopSequences = true;
};

/// One call: already-rendered messages (PromptContent with variables filled) and parameters.
struct ProviderRequest {
    std::string model;
    std::vector<ChatMessage> messages;
    ModelParameters parameters;
    bool stream = true;
    int topLogprobs = -1; ///< -1 = no logprobs; 0 = chosen token only; n = n alternatives (when supported)
    std::stop_token cancel; ///< a stop request ends the call with ErrorCode::Cancelled
};

struct TokenLogprob {
    std::string token;
    double logprob = 0.0;
    std::vector<std::pair<std::string, double>> top;
};

struct TokenUsage {
    std::int64_t inputTokens = 0;
    std::int64_t outputTokens = 0;
    bool operator==(const TokenUsage&) const = default;
};

/// Figures measured for one call. Times in ms from submission.
struct CallStats {
    double ttftMs = -1; ///< first token; -1 when no token arrived (always -1 for non-streaming calls)
    double latencyMs = 0; ///< submission to the end of the response
    double outputTokensPerSecond = 0; ///< streaming: output tokens / (latency - ttft); else / latency
    TokenUsage usage;
    bool usageReported = false; ///< false: outputTokens counts streamed deltas (an estimate), input unknown
    double cost = 0; ///< in the price table's currency
    bool costKnown = false; ///< a price was found for the model
    int httpStatus = 0;
    nlohmann::json extras = nlohmann::json::object(); ///< provider specifics: llama-server timings, fingerprint ...
    /// The HTTP exchange as sent and received, for the cell view: method, URL (credentials removed), request body
    /// (at most 16 KB), status, and the response's first and last 1 KB (of a stream: its first and last events) with
    /// its size. Known keys are redacted; headers (where keys travel) are not kept. Null when nothing was sent.
    nlohmann::json wire;
};

struct TokenDelta {
    std::string text;
    std::vector<TokenLogprob> logprobs;
};

struct UsageEvent {
    TokenUsage usage;
};

/// Terminal event of a successful call. reason is normalized: stop | length | content_filter | tool_use | other.
struct FinishEvent {
    std::string reason;
    std::string rawReason; ///< as the provider sent it
    CallStats stats;
};

/// Terminal event of a failed or cancelled call (error.code == Cancelled for a cancel).
/// Deltas already delivered stay valid: a truncated stream keeps its partial output.
struct ErrorEvent {
    Error error;
    std::optional<std::int64_t> retryAfterMs; ///< from Retry-After (429/503) when the server sent one
    CallStats stats;
    /// Set by the provider when it knows better than the code (see shouldRetry); unset: the code decides.
    std::optional<bool> retry;
};

/// The run engine's one retry rule (README, "How the run engine retries"). @p e.retry decides when the provider set
/// it: an error inside a 2xx body (an in-stream error event, malformed data, a truncated stream, an output over the
/// limit) is never retried, except a "server busy" error (Anthropic overloaded_error / rate_limit_error, Bedrock
/// throttling / serviceUnavailable) that came before any output. Otherwise by code: RateLimited, Network and
/// Timeout are retried (also after a partial output: the next attempt replaces it), Provider only with an HTTP
/// status of 500 or more; the rest never (bad key, bad request, not found, cancelled, offline ...).
bool shouldRetry(const ErrorEvent& e);

/// What a failed call keeps of its body: of an error body (non-2xx) for its message, and of the partial output
/// stored with a failed cell (the cell records how much more there was).
constexpr std::size_t kFailedOutputKeepBytes = 64 * 1024;

/// Per call: TokenDelta*, then UsageEvent (when known), then exactly one FinishEvent or ErrorEvent.
using ProviderEvent = std::variant<TokenDelta, UsageEvent, FinishEvent, ErrorEvent>;

/// Receives events on the HTTP worker thread: keep it short, never block, never wait for another call.
using EventSink = std::function<void(ProviderEvent&&)>;

/// A started call; cancel() is thread-safe (the call then ends with an ErrorEvent coded Cancelled).
class CallHandle {
public:
    CallHandle() = default;
    explicit CallHandle(HttpHandle http)
        : m_http(std::move(http))
    {
    }
    void cancel() { m_http.cancel(); }

private:
    HttpHandle m_http;
};

/// The narrow interface every model endpoint implements (remote APIs and the local runner alike).
/// Implementations are thread-safe: start() may be called from many threads at once.
class Provider {
public:
    virtual ~Provider() = default;
    [[nodiscard]] virtual ProviderKind kind() const = 0;
    [[nodiscard]] virtual Capabilities capabilities() const = 0;
    /// Starts one call. A refusal known at once (offline mode, bad URL, missing key) is returned here and then
    /// no event is sent; otherwise the sink receives the events of the call, ending with Finish or Error.
    virtual Result<CallHandle> start(const ProviderRequest& request, EventSink sink) = 0;
};

} // namespace assay::core
