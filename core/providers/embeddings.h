// SPDX-License-Identifier: MIT
#pragma once

#include "http/httpclient.h"
#include "providers/httpprovider.h"

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

namespace assay::core {

/// What an embeddings request returned: one vector per input, in input order.
struct Embeddings {
    std::vector<std::vector<double>> vectors;
    std::int64_t promptTokens = 0; ///< usage.prompt_tokens when reported
    std::string model;
};

/// OpenAI-compatible embeddings (POST <baseUrl>/embeddings {"model", "input": [...]}): OpenAI, vLLM, Ollama /v1,
/// and llama-server started with --embedding (the local runner's embeddings instance). The key is sent as
/// "Authorization: Bearer" and never appears in an error. Thread-safe; embed() blocks (never call it from an
/// HttpClient callback).
class EmbeddingsClient {
public:
    EmbeddingsClient(HttpClient& client, EndpointSettings settings, std::string model);

    /// One vector per input. Errors: the HTTP status mapped to a sentence (errorForHttpStatus), malformed JSON,
    /// or a response whose vectors do not match the inputs (Provider).
    [[nodiscard]] Result<Embeddings> embed(const std::vector<std::string>& inputs, std::stop_token cancel = {}) const;

private:
    HttpClient& m_client;
    EndpointSettings m_settings;
    std::string m_model;
};

/// Cosine similarity of two vectors of the same length, in [-1, 1]; 0 when either is all zeros or the lengths differ.
double cosineSimilarity(const std::vector<double>& a, const std::vector<double>& b);

} // namespace assay::core
