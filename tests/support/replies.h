// SPDX-License-Identifier: MIT
#pragma once

#include "loopbackserver.h"

#include <string>
#include <string_view>
#include <vector>

namespace assay::test {

/// How a scripted streaming reply behaves.
struct StreamScript {
    std::vector<std::string> tokens { "Hello", ",", " world", "!" };
    int delayMs = 0; ///< before each token chunk
    int firstDelayMs = 0; ///< before the first token chunk
    bool usage = true; ///< send usage (OpenAI final chunk / Anthropic message_delta / Bedrock metadata)
    std::int64_t inputTokens = 7;
    std::string finishReason; ///< "" = the provider's usual "stop"
    bool omitEnd = false; ///< no finish and no end marker; the body still ends cleanly (truncated stream)
    int dropAfter = -1; ///< drop the connection after this many token chunks
    int stallAfter = -1; ///< after this many token chunks, go silent for stallMs
    int stallMs = 0;
    int garbageAfter = -1; ///< after this many token chunks, send an event whose data is not JSON
    bool crlf = false; ///< SSE lines end in \r\n
    bool byteByByte = false; ///< every byte in its own HTTP chunk
    bool comments = false; ///< SSE ":" keep-alive comments between events
};

/// A fixed status with a JSON body (and extra headers, e.g. Retry-After).
Handler jsonStatus(int status, std::string body, Headers extra = {});

Handler openAiStream(StreamScript script);
Handler openAiJson(std::string text, std::int64_t inputTokens = 7, std::int64_t outputTokens = 4);
Handler anthropicStream(StreamScript script);
Handler anthropicJson(std::string text, std::int64_t inputTokens = 7, std::int64_t outputTokens = 4);
Handler bedrockStream(StreamScript script);
Handler bedrockJson(std::string text, std::int64_t inputTokens = 7, std::int64_t outputTokens = 4);

/// One AWS eventstream frame with string headers (an encoder written independently of the product's decoder).
std::string encodeEventStreamFrame(const Headers& headers, std::string_view payload);
std::string bedrockEventFrame(const std::string& eventType, const std::string& jsonPayload);
std::string bedrockExceptionFrame(const std::string& exceptionType, const std::string& message);

} // namespace assay::test
