// SPDX-License-Identifier: MIT
#include "util/secretscan.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace assay::core {

namespace {

/// Splits "X-Api-Key", "client_secret", "accessToken" into lower-case words.
std::vector<std::string> keyWords(std::string_view key)
{
    std::vector<std::string> words;
    std::string cur;
    char prev = 0;
    for (const char c : key) {
        const auto uc = static_cast<unsigned char>(c);
        if (!std::isalnum(uc)) {
            if (!cur.empty())
                words.push_back(cur);
            cur.clear();
        } else {
            if (std::isupper(uc) && prev && std::islower(static_cast<unsigned char>(prev)) && !cur.empty()) {
                words.push_back(cur);
                cur.clear();
            }
            cur += static_cast<char>(std::tolower(uc));
        }
        prev = c;
    }
    if (!cur.empty())
        words.push_back(cur);
    return words;
}

bool nonEmpty(const nlohmann::json& v)
{
    if (v.is_null())
        return false;
    if (v.is_string())
        return !v.get_ref<const std::string&>().empty();
    if (v.is_array() || v.is_object())
        return !v.empty();
    return true; // numbers and booleans
}

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

std::string pathOf(const std::string& parent, const std::string& key)
{
    return parent.empty() ? key : parent + "." + key;
}

Status walk(const nlohmann::json& v, const std::string& path, std::string_view where)
{
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            const std::string child = pathOf(path, it.key());
            if (SecretScan::isSecretKey(it.key()) && nonEmpty(it.value()))
                return makeError(ErrorCode::Invalid,
                    std::string(where) + ": the field '" + child
                        + "' holds a secret; keep keys in the key store and refer to them by name (secret_ref)");
            ASSAY_TRY(walk(it.value(), child, where));
        }
    } else if (v.is_array()) {
        for (std::size_t i = 0; i < v.size(); ++i)
            ASSAY_TRY(walk(v[i], path + "[" + std::to_string(i) + "]", where));
    } else if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (SecretScan::looksLikeSecretValue(s) || SecretScan::urlHasSecret(s))
            return makeError(ErrorCode::Invalid,
                std::string(where) + ": the value of '" + (path.empty() ? std::string("(root)") : path)
                    + "' looks like a secret; keep keys in the key store and refer to them by name (secret_ref)");
    }
    return {};
}

} // namespace

bool SecretScan::isSecretKey(std::string_view key)
{
    const auto w = keyWords(key);
    if (w.empty())
        return false;
    std::string joined;
    for (const auto& s : w)
        joined += s;
    static const char* const whole[] = { "apikey", "authorization", "proxyauthorization", "password", "passwd",
        "passphrase", "secret", "token", "credential", "credentials", "cookie", "bearer" };
    for (const char* x : whole)
        if (joined == x)
            return true;
    for (const auto& s : w)
        if (s == "secret" || s == "password" || s == "passwd" || s == "apikey" || s == "authorization"
            || s == "credential" || s == "credentials" || s == "passphrase")
            return true;
    // "token" only as the last word: access_token, sessionToken are secrets; token_limit, max_tokens are not.
    if (w.back() == "token")
        return true;
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
        const auto& a = w[i];
        const auto& b = w[i + 1];
        if (b == "key" && (a == "api" || a == "access" || a == "private" || a == "secret" || a == "signing"))
            return true;
    }
    return false;
}

bool SecretScan::looksLikeSecretValue(std::string_view s)
{
    if (startsWithNoCase(s, "bearer ") || startsWithNoCase(s, "basic "))
        return s.size() > 12;
    auto tailIsKey = [&](std::size_t from, std::size_t minLen) {
        if (s.size() < from + minLen)
            return false;
        return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(),
            [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
    };
    if (s.rfind("sk-", 0) == 0) // OpenAI, Anthropic (sk-ant-…) and compatible keys
        return tailIsKey(3, 20);
    if (s.size() == 20 && (s.rfind("AKIA", 0) == 0 || s.rfind("ASIA", 0) == 0)) // AWS access key id
        return std::all_of(s.begin(), s.end(), [](char c) {
            return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
        });
    return false;
}

bool SecretScan::urlHasSecret(std::string_view url)
{
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos)
        return false;
    const auto authorityStart = scheme + 3;
    const auto authorityEnd = url.find_first_of("/?#", authorityStart);
    const auto authority = url.substr(authorityStart,
        authorityEnd == std::string_view::npos ? std::string_view::npos : authorityEnd - authorityStart);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        if (const auto colon = userinfo.find(':'); colon != std::string_view::npos && colon + 1 < userinfo.size())
            return true; // user:password@host
    }
    const auto q = url.find('?');
    if (q == std::string_view::npos)
        return false;
    std::string_view query = url.substr(q + 1);
    if (const auto hash = query.find('#'); hash != std::string_view::npos)
        query = query.substr(0, hash);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && eq + 1 < pair.size()) {
            const auto name = pair.substr(0, eq);
            // "?key=…" is how several APIs take their key in the URL.
            if (isSecretKey(name) || name == "key" || name == "Key" || name == "KEY")
                return true;
        }
        if (amp == std::string_view::npos)
            break;
        query = query.substr(amp + 1);
    }
    return false;
}

Status SecretScan::rejectSecrets(const nlohmann::json& value, std::string_view where)
{
    return walk(value, std::string(), where);
}

} // namespace assay::core
