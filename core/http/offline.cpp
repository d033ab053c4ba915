// SPDX-License-Identifier: MIT
#include "http/offline.h"
#include "http/redact.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace assay::core {

namespace {
bool v4Loopback(const in_addr& a)
{
    return (ntohl(a.s_addr) >> 24) == 127;
}

bool v6Loopback(const in6_addr& a)
{
    if (IN6_IS_ADDR_LOOPBACK(&a))
        return true;
    if (IN6_IS_ADDR_V4MAPPED(&a))
        return a.s6_addr[12] == 127;
    return false;
}

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStrDeleter {
    void operator()(char* s) const { curl_free(s); }
};
} // namespace

bool isLoopbackIp(std::string_view ipText)
{
    std::string ip(ipText);
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']')
        ip = ip.substr(1, ip.size() - 2);
    in_addr a4 {};
    if (inet_pton(AF_INET, ip.c_str(), &a4) == 1)
        return v4Loopback(a4);
    in6_addr a6 {};
    if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1)
        return v6Loopback(a6);
    return false;
}

bool isLoopbackHost(std::string_view host)
{
    std::string h(host);
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (h == "localhost")
        return true;
    return isLoopbackIp(h);
}

bool isLoopbackAddress(const struct sockaddr* address)
{
    if (!address)
        return false;
    if (address->sa_family == AF_INET) {
        sockaddr_in in {};
        std::memcpy(&in, address, sizeof in);
        return v4Loopback(in.sin_addr);
    }
    if (address->sa_family == AF_INET6) {
        sockaddr_in6 in6 {};
        std::memcpy(&in6, address, sizeof in6);
        return v6Loopback(in6.sin6_addr);
    }
    return false;
}

Result<std::string> urlHost(std::string_view url)
{
    std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
    const std::string text(url);
    if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
        return makeError(ErrorCode::Invalid, "The address \"" + redactUrl(url) + "\" is not a valid URL.");
    char* raw = nullptr;
    if (curl_url_get(u.get(), CURLUPART_SCHEME, &raw, 0) != CURLUE_OK)
        return makeError(ErrorCode::Invalid, "The address \"" + redactUrl(url) + "\" has no scheme.");
    std::unique_ptr<char, CurlStrDeleter> scheme(raw);
    const std::string s(scheme.get());
    if (s != "http" && s != "https")
        return makeError(
            ErrorCode::Invalid, "The address \"" + redactUrl(url) + "\" must start with http:// or https://.");
    raw = nullptr;
    if (curl_url_get(u.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK)
        return makeError(ErrorCode::Invalid, "The address \"" + redactUrl(url) + "\" has no host.");
    std::unique_ptr<char, CurlStrDeleter> host(raw);
    return std::string(host.get());
}

bool offlineRequestedByEnvironment()
{
    const char* raw = std::getenv("ASSAY_OFFLINE");
    if (!raw)
        return false;
    std::string v(raw);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return !(v.empty() || v == "0" || v == "false" || v == "no" || v == "off");
}

Status checkOfflineAllowed(std::string_view url)
{
    auto host = urlHost(url);
    if (!host.ok())
        return host.error();
    if (isLoopbackHost(*host))
        return {};
    return makeError(ErrorCode::Offline,
        "Offline mode is on: Assay does not connect to " + *host
            + ". Only this computer (localhost, 127.0.0.1, ::1) can be reached; turn offline mode off to use this "
              "endpoint.");
}

} // namespace assay::core
