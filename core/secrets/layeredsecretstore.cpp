// SPDX-License-Identifier: MIT
#include "secrets/layeredsecretstore.h"

namespace assay::core {

void LayeredSecretStore::setEphemeral(const std::string& name, const std::string& value)
{
    std::lock_guard lock(m_mutex);
    m_memory[name] = value;
}

void LayeredSecretStore::removeEphemeral(const std::string& name)
{
    std::lock_guard lock(m_mutex);
    m_memory.erase(name);
}

Result<std::string> LayeredSecretStore::get(const std::string& name)
{
    {
        std::lock_guard lock(m_mutex);
        if (auto it = m_memory.find(name); it != m_memory.end())
            return it->second;
    }
    return m_persistent.get(name);
}

Status LayeredSecretStore::set(const std::string& name, const std::string& value)
{
    return m_persistent.set(name, value);
}

Status LayeredSecretStore::remove(const std::string& name)
{
    return m_persistent.remove(name);
}

Result<std::vector<std::string>> LayeredSecretStore::names()
{
    return m_persistent.names();
}

} // namespace assay::core
