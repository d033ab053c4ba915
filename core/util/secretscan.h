// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace assay::core {

/// Guards the rule "no secret is ever written to a workspace, export or log".
/// A field is a secret when its key names one (api_key, x-api-key, Authorization, client_secret, password,
/// access_token, …) and its value is not empty, or when a string value looks like a credential
/// ("Bearer …", "sk-…", an AWS access key id). Keys like max_tokens or tokens_per_minute are not secrets.
class SecretScan {
public:
    /// Walks @p value recursively. On a hit returns Invalid naming @p where and the JSON path of the field.
    static Status rejectSecrets(const nlohmann::json& value, std::string_view where);

    /// True when the key alone marks its value as a secret.
    static bool isSecretKey(std::string_view key);
    /// True when the text itself looks like a credential.
    static bool looksLikeSecretValue(std::string_view text);
    /// True when a URL carries a password (user:pass@) or a secret-named query parameter.
    static bool urlHasSecret(std::string_view url);
};

} // namespace assay::core
