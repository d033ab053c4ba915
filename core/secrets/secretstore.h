// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <string>
#include <vector>

namespace assay::core {

/// Where API keys live, by NAME (an Endpoint's secretRef). Values never leave an implementation except through
/// get(): no error message, log line or listing ever carries one. Implementations are thread-safe.
class SecretStore {
public:
    virtual ~SecretStore() = default;
    /// The value of @p name; NotFound names the secret (never a value) and says how to add it.
    virtual Result<std::string> get(const std::string& name) = 0;
    /// Stores or replaces @p name.
    virtual Status set(const std::string& name, const std::string& value) = 0;
    /// NotFound when there is no such secret.
    virtual Status remove(const std::string& name) = 0;
    /// The names held, sorted (never the values).
    virtual Result<std::vector<std::string>> names() = 0;
};

} // namespace assay::core
