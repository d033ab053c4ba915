// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"
#include "util/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace assay::core {

/// Requests and tokens per minute allowed on one endpoint (0 = no limit).
struct RateLimit {
    double requestsPerMinute = 0;
    double tokensPerMinute = 0;
    bool operator==(const RateLimit&) const = default;
};

struct RetryPolicy {
    int maxAttempts = 3; ///< attempts per cell, the first included
    std::int64_t baseBackoffMs = 500; ///< full jitter: a wait drawn from [0, min(max, base * 2^(attempt-1))]
    std::int64_t maxBackoffMs = 30'000;
    bool operator==(const RetryPolicy&) const = default;
};

/// A run as a user writes it (FILE.json for `assay-cli run`). The grid (prompts × endpoints × rows × repeats with
/// parameters and seed) decides the cells; the rest only decides how they are executed.
///
///   { "name": "sentiment-baseline",
///     "prompts": ["classify@prod", "classify@3"],      // NAME, NAME@VERSION or NAME@LABEL
///     "endpoints": ["gpt-4o-mini", "local-llama"],      // endpoint names
///     "dataset": "reviews",                             // or "rows": [{"text": "..."}, ...] (variables)
///     "repeats": 1, "seed": 42,
///     "parameters": {"temperature": 0, "max_tokens": 64, "top_p": 1, "stop": ["\n"], "seed": 1},
///     "concurrency": 4,                                 // or {"default": 4, "local-llama": 1}
///     "maxInFlight": 16,                                // calls in flight over all endpoints (0 = no cap)
///     "rateLimits": {"default": {"rpm": 600, "tpm": 100000}, "gpt-4o-mini": {"rpm": 60}},
///     "retries": {"maxAttempts": 3, "baseBackoffMs": 500, "maxBackoffMs": 30000},
///     "timeoutMs": 120000, "cache": true, "stream": true }
struct RunDefinition {
    std::string name;
    std::vector<std::string> prompts;
    std::vector<std::string> endpoints;
    std::string dataset; ///< a dataset name; empty with inline rows or with neither (one cell per repeat)
    std::vector<nlohmann::json> rows; ///< inline rows: each an object of variable values
    int repeats = 1;
    nlohmann::json parameters = nlohmann::json::object(); ///< overrides of the prompt's parameters (validated)
    std::optional<std::int64_t> seed; ///< default provider seed (when parameters has none) and jitter seed
    int concurrency = 4; ///< calls in flight per endpoint
    std::map<std::string, int> concurrencyPerEndpoint;
    int maxInFlight = 0; ///< calls in flight over all endpoints together; 0 = only the per-endpoint bounds
    RateLimit rateLimit; ///< default for every endpoint
    std::map<std::string, RateLimit> rateLimitPerEndpoint;
    RetryPolicy retries;
    std::int64_t timeoutMs = 120'000; ///< per attempt, submission to the end of the response
    bool cache = true;
    bool stream = true;

    [[nodiscard]] int concurrencyFor(const std::string& endpoint) const;
    [[nodiscard]] RateLimit rateLimitFor(const std::string& endpoint) const;
    /// The parameters as a value (the JSON was validated by parse()).
    [[nodiscard]] ModelParameters parameterOverrides() const;
    /// The fields that decide the cells, as JSON (a resumed run must agree on them).
    [[nodiscard]] nlohmann::json gridJson() const;
    /// Everything, in the form parse() reads.
    [[nodiscard]] nlohmann::json toJson() const;

    /// Strict: unknown keys, wrong types and out-of-range values are Invalid errors naming the field
    /// (e.g. "rateLimits.gpt-4o.rpm must be a number >= 0").
    static Result<RunDefinition> parse(const nlohmann::json& j);
    /// Parses text; a syntax error names line and column.
    static Result<RunDefinition> parseText(const std::string& text);
};

} // namespace assay::core
