// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>

struct sockaddr;

namespace assay::core {

/// True for "localhost", an IPv4 literal in 127.0.0.0/8, "::1" (bracketed or not) and IPv4-mapped
/// ::ffff:127.x.y.z. Names that would need DNS (anything else) are not loopback.
bool isLoopbackHost(std::string_view host);

/// True when the socket address is 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104.
bool isLoopbackAddress(const struct sockaddr* address);

/// Same for a numeric address text (what CURLINFO_PRIMARY_IP reports).
bool isLoopbackIp(std::string_view ip);

/// The host part of an http(s) URL (brackets kept for IPv6), or an Invalid error naming the URL.
Result<std::string> urlHost(std::string_view url);

/// Whether the environment asks for offline mode: ASSAY_OFFLINE unset, empty, "0", "false", "no" or "off" (any case)
/// does not; any other value does (an unexpected value errs on the side of not connecting).
bool offlineRequestedByEnvironment();

/// Ok when offline mode allows the URL (loopback), else an Offline error with a sentence for the user.
Status checkOfflineAllowed(std::string_view url);

} // namespace assay::core
