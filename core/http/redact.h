// SPDX-License-Identifier: MIT
#pragma once

#include "http/httptypes.h"

#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// True for headers that carry credentials: Authorization, Proxy-Authorization, x-api-key, api-key,
/// x-goog-api-key, Cookie, Set-Cookie and every x-amz-* header. Case-insensitive.
bool isSecretHeader(std::string_view name);

/// The value, or "[redacted]" when the header carries a secret.
std::string redactHeaderValue(std::string_view name, std::string_view value);

/// "Name: value" lines joined by "; ", secrets redacted. For logs only.
std::string formatHeadersForLog(const std::vector<HttpHeader>& headers);

/// The URL with user:password and the values of key-like query parameters (key, api_key, apikey, token,
/// access_token, sig, signature, x-amz-*) replaced by "[redacted]".
std::string redactUrl(std::string_view url);

/// Replaces every occurrence of each non-empty secret in text by "[redacted]" (for error details).
std::string redactSecrets(std::string text, const std::vector<std::string>& secrets);

} // namespace assay::core
