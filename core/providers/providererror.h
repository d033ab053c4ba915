// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay::core {

/// Retry-After as delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"), in ms from now
/// (never negative). nullopt when absent or unparsable.
std::optional<std::int64_t> parseRetryAfter(std::string_view value, std::int64_t nowUtcMs);

/// The human-readable message inside an error body: {"error":{"message"}}, {"error":"..."}, {"message"} or
/// {"Message"}; else the start of the text itself (at most 300 bytes). "" for an empty body.
std::string extractErrorMessage(std::string_view body);

/// The longest prefix of @p text of at most @p maxBytes that does not end inside a UTF-8 sequence.
std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes);

/// The start of a reply for an error sentence: at most @p maxBytes, cut at a UTF-8 boundary, "…" when cut.
std::string snippet(std::string_view text, std::size_t maxBytes = 80);

/// @p text ending as one sentence: a full stop is added unless it already ends in '.', '!', '?' or an ellipsis
/// (trailing spaces dropped), so a provider's own "Bad request." is never followed by another (no "request..").
std::string endSentence(std::string text);

/// Maps an HTTP status to an ErrorCode and one sentence for the user:
/// 400/413/422 Invalid, 401/403 Unauthorized, 404 NotFound, 408 Timeout, 429 RateLimited (with the retry delay),
/// 5xx Provider, anything else Http. providerMessage goes into the sentence, the status into detail.
Error errorForHttpStatus(long status, std::string_view providerMessage, std::optional<std::int64_t> retryAfterMs);

/// stop | length | content_filter | tool_use | other, from OpenAI, Anthropic and Bedrock reasons.
std::string normalizeFinishReason(std::string_view raw);

} // namespace assay::core
