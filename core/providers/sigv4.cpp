// SPDX-License-Identifier: MIT
#include "providers/sigv4.h"
#include "util/ids.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

namespace assay::core {

namespace {
std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(
        out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trimCollapse(std::string_view v)
{
    std::string out;
    bool space = false;
    for (const char c : v) {
        if (c == ' ' || c == '\t') {
            space = !out.empty();
            continue;
        }
        if (space)
            out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string canonicalQuery(std::string_view query)
{
    std::vector<std::pair<std::string, std::string>> params;
    std::size_t pos = 0;
    while (pos < query.size()) {
        auto amp = query.find('&', pos);
        if (amp == std::string_view::npos)
            amp = query.size();
        const std::string_view pair = query.substr(pos, amp - pos);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            const std::string_view k = pair.substr(0, eq);
            const std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
            params.emplace_back(sigV4UriEncode(percentDecode(k), true), sigV4UriEncode(percentDecode(v), true));
        }
        pos = amp + 1;
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty())
            out += '&';
        out += k + '=' + v;
    }
    return out;
}
} // namespace

std::string sigV4UriEncode(std::string_view text, bool encodeSlash)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xF]);
        }
    }
    return out;
}

std::string sigV4CanonicalUri(std::string_view wirePath)
{
    if (wirePath.empty())
        return "/";
    return sigV4UriEncode(wirePath, false);
}

std::string sigV4SigningKey(
    std::string_view secret, std::string_view date, std::string_view region, std::string_view service)
{
    const std::string kDate = hmacSha256Raw("AWS4" + std::string(secret), date);
    const std::string kRegion = hmacSha256Raw(kDate, region);
    const std::string kService = hmacSha256Raw(kRegion, service);
    return hmacSha256Raw(kService, "aws4_request");
}

SigV4Signature signSigV4(const SigV4Input& in, const AwsCredentials& credentials)
{
    std::map<std::string, std::string> canonical; // sorted by lower-case name
    for (const auto& h : in.headers) {
        const std::string name = lower(h.name);
        const std::string value = trimCollapse(h.value);
        auto [it, fresh] = canonical.emplace(name, value);
        if (!fresh)
            it->second += "," + value;
    }
    SigV4Signature out;
    std::string headerBlock;
    for (const auto& [k, v] : canonical) {
        headerBlock += k + ":" + v + "\n";
        if (!out.signedHeaders.empty())
            out.signedHeaders += ';';
        out.signedHeaders += k;
    }
    out.canonicalRequest = in.method + "\n" + sigV4CanonicalUri(in.path) + "\n" + canonicalQuery(in.query) + "\n"
        + headerBlock + "\n" + out.signedHeaders + "\n" + sha256Hex(in.payload);
    const std::string date = in.amzDate.substr(0, 8);
    const std::string scope = date + "/" + in.region + "/" + in.service + "/aws4_request";
    out.stringToSign = "AWS4-HMAC-SHA256\n" + in.amzDate + "\n" + scope + "\n" + sha256Hex(out.canonicalRequest);
    const std::string key = sigV4SigningKey(credentials.secretAccessKey, date, in.region, in.service);
    out.signature = hmacSha256Hex(key, out.stringToSign);
    out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + "/" + scope
        + ", SignedHeaders=" + out.signedHeaders + ", Signature=" + out.signature;
    return out;
}

std::string amzDate(std::int64_t utcMs)
{
    const auto secs = static_cast<std::time_t>(utcMs / 1000);
    std::tm tm {};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

} // namespace assay::core
