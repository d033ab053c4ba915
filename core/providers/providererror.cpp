// SPDX-License-Identifier: MIT
#include "providers/providererror.h"
#include "util/jsonguard.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace assay::core {

std::optional<std::int64_t> parseRetryAfter(std::string_view value, std::int64_t nowUtcMs)
{
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
        value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.remove_suffix(1);
    if (value.empty())
        return std::nullopt;
    bool digits = true;
    for (const char c : value)
        digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) {
        if (value.size() > 9)
            return std::nullopt;
        return static_cast<std::int64_t>(std::stoll(std::string(value))) * 1000;
    }
    std::tm tm {};
    const std::string text(value);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0')
        return std::nullopt;
    const std::int64_t at = static_cast<std::int64_t>(timegm(&tm)) * 1000;
    return at > nowUtcMs ? at - nowUtcMs : 0;
}

std::string extractErrorMessage(std::string_view body)
{
    if (body.empty())
        return {};
    const auto j = parseJsonBounded(body);
    if (!j.is_discarded() && j.is_object()) {
        if (auto e = j.find("error"); e != j.end()) {
            if (e->is_string())
                return e->get<std::string>();
            if (e->is_object()) {
                if (auto m = e->find("message"); m != e->end() && m->is_string())
                    return m->get<std::string>();
            }
        }
        for (const char* key : { "message", "Message", "detail" }) {
            if (auto m = j.find(key); m != j.end() && m->is_string())
                return m->get<std::string>();
        }
    }
    std::string text(utf8Prefix(body, 300));
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
    }
    return text;
}

std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes)
{
    if (text.size() <= maxBytes)
        return text;
    std::size_t end = maxBytes;
    // Back off the continuation bytes of a sequence that the cut would split (at most 3).
    for (int k = 0; k < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++k)
        --end;
    return text.substr(0, end);
}

std::string snippet(std::string_view text, std::size_t maxBytes)
{
    std::string s(utf8Prefix(text, maxBytes));
    return s.size() < text.size() ? s + "\xE2\x80\xA6" : s;
}

std::string endSentence(std::string text)
{
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.pop_back();
    if (text.empty())
        return text;
    const char last = text.back();
    if (last == '.' || last == '!' || last == '?' || text.ends_with("\xE2\x80\xA6")) // U+2026 …
        return text;
    return text + '.';
}

Error errorForHttpStatus(long status, std::string_view providerMessage, std::optional<std::int64_t> retryAfterMs)
{
    const std::string said = providerMessage.empty() ? std::string() : ": " + std::string(providerMessage);
    const std::string detail = "HTTP " + std::to_string(status);
    const std::string code = std::to_string(status);
    switch (status) {
    case 400:
    case 413:
    case 422:
        return makeError(
            ErrorCode::Invalid, endSentence("The provider rejected the request (HTTP " + code + ")" + said), detail);
    case 401:
    case 403:
        return makeError(ErrorCode::Unauthorized,
            endSentence("The API key was rejected (HTTP " + code + ")" + said)
                + " Check the key or credentials in the endpoint settings.",
            detail);
    case 404:
        return makeError(ErrorCode::NotFound,
            endSentence("The model or endpoint was not found (HTTP 404)" + said)
                + " Check the model name and base URL.",
            detail);
    case 408:
        return makeError(ErrorCode::Timeout, endSentence("The provider timed out (HTTP 408)" + said), detail);
    case 429: {
        std::string when = " Try again later.";
        if (retryAfterMs) {
            char buf[64];
            std::snprintf(buf, sizeof buf, " The provider asks to retry after %g s.",
                static_cast<double>(*retryAfterMs) / 1000.0);
            when = buf;
        }
        return makeError(
            ErrorCode::RateLimited, endSentence("Rate limited by the provider (HTTP 429)" + said) + when, detail);
    }
    default:
        break;
    }
    if (status >= 500 && status <= 599)
        return makeError(ErrorCode::Provider,
            endSentence("The provider failed with a server error (HTTP " + code + ")" + said), detail);
    return makeError(ErrorCode::Http, endSentence("The provider answered HTTP " + code + said), detail);
}

std::string normalizeFinishReason(std::string_view raw)
{
    if (raw == "stop" || raw == "end_turn" || raw == "stop_sequence" || raw == "eos" || raw == "eos_token")
        return "stop";
    if (raw == "length" || raw == "max_tokens" || raw == "model_length")
        return "length";
    if (raw == "content_filter" || raw == "content_filtered" || raw == "guardrail_intervened" || raw == "refusal")
        return "content_filter";
    if (raw == "tool_calls" || raw == "tool_use" || raw == "function_call")
        return "tool_use";
    return "other";
}

} // namespace assay::core
