// SPDX-License-Identifier: MIT
#pragma once

#include "secrets/secretstore.h"

#include <map>
#include <mutex>

namespace assay::core {

/// A persistent store with an in-memory layer on top for keys that must never be written anywhere: the random key
/// of a local llama-server lives only as long as the server. get() looks in memory first; set/remove/names go to
/// the persistent store. Thread-safe.
class LayeredSecretStore : public SecretStore {
public:
    explicit LayeredSecretStore(SecretStore& persistent)
        : m_persistent(persistent)
    {
    }

    void setEphemeral(const std::string& name, const std::string& value);
    void removeEphemeral(const std::string& name);

    Result<std::string> get(const std::string& name) override;
    Status set(const std::string& name, const std::string& value) override;
    Status remove(const std::string& name) override;
    Result<std::vector<std::string>> names() override;

private:
    SecretStore& m_persistent;
    std::mutex m_mutex;
    std::map<std::string, std::string> m_memory; // guarded by m_mutex
};

} // namespace assay::core
