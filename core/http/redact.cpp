// SPDX-License-Identifier: MIT
#include "http/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace assay::core {

namespace {
std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(
        out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool isSecretQueryKey(std::string_view key)
{
    static constexpr std::array<std::string_view, 8> names { "key", "api_key", "apikey", "api-key", "token",
        "access_token", "sig", "signature" };
    const std::string k = lower(key);
    if (k.starts_with("x-amz-"))
        return true;
    return std::find(names.begin(), names.end(), k) != names.end();
}
} // namespace

std::string findHeader(const std::vector<HttpHeader>& headers, std::string_view name)
{
    const std::string want = lower(name);
    for (const auto& h : headers) {
        if (h.name.size() == want.size() && lower(h.name) == want)
            return h.value;
    }
    return {};
}

bool isSecretHeader(std::string_view name)
{
    static constexpr std::array<std::string_view, 7> names { "authorization", "proxy-authorization", "x-api-key",
        "api-key", "x-goog-api-key", "cookie", "set-cookie" };
    const std::string n = lower(name);
    if (n.starts_with("x-amz-"))
        return true;
    return std::find(names.begin(), names.end(), n) != names.end();
}

std::string redactHeaderValue(std::string_view name, std::string_view value)
{
    return isSecretHeader(name) ? std::string("[redacted]") : std::string(value);
}

std::string formatHeadersForLog(const std::vector<HttpHeader>& headers)
{
    std::string out;
    for (const auto& h : headers) {
        if (!out.empty())
            out += "; ";
        out += h.name + ": " + redactHeaderValue(h.name, h.value);
    }
    return out;
}

std::string redactUrl(std::string_view url)
{
    std::string out(url);
    // user:password@ in the authority.
    const auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        const auto authStart = scheme + 3;
        const auto authEnd = out.find_first_of("/?#", authStart);
        const auto at = out.rfind('@', authEnd == std::string::npos ? out.size() : authEnd);
        if (at != std::string::npos && at >= authStart)
            out.replace(authStart, at - authStart, "[redacted]");
    }
    const auto q = out.find('?');
    if (q == std::string::npos)
        return out;
    const auto hash = out.find('#', q);
    const std::string query = out.substr(q + 1, hash == std::string::npos ? std::string::npos : hash - q - 1);
    std::string rebuilt;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        if (amp == std::string::npos)
            amp = query.size();
        const std::string_view pair(query.data() + pos, amp - pos);
        const auto eq = pair.find('=');
        if (!rebuilt.empty() || pos > 0)
            rebuilt += '&';
        if (eq != std::string_view::npos && isSecretQueryKey(pair.substr(0, eq)))
            rebuilt += std::string(pair.substr(0, eq)) + "=[redacted]";
        else
            rebuilt += pair;
        pos = amp + 1;
    }
    return out.substr(0, q + 1) + rebuilt + (hash == std::string::npos ? std::string() : out.substr(hash));
}

std::string redactSecrets(std::string text, const std::vector<std::string>& secrets)
{
    for (const auto& s : secrets) {
        if (s.empty())
            continue;
        std::size_t pos = 0;
        while ((pos = text.find(s, pos)) != std::string::npos) {
            text.replace(pos, s.size(), "[redacted]");
            pos += 10;
        }
    }
    return text;
}

} // namespace assay::core
