// SPDX-License-Identifier: MIT
#pragma once

#include "secrets/secretstore.h"

#include <QString>

#include <memory>
#include <mutex>

namespace assay::app {

/// API keys in the OS keyring (Secret Service / KWallet on Linux, Keychain on macOS, Credential Manager on Windows)
/// through QtKeychain. The keyring cannot list its entries, so the key NAMES are kept in one more entry
/// ("assay.index"); values never leave get(). Each call runs its QtKeychain job to completion in a local event
/// loop on the calling thread (workspace thread, run threads). QtKeychain's plaintext fallback stays off.
/// Thread-safe.
class KeychainSecretStore : public core::SecretStore {
public:
    /// A store when the keyring answers (a probe read of the index), else nullptr and @p why says what failed.
    static std::unique_ptr<KeychainSecretStore> open(QString* why);
    /// Whether this build has QtKeychain at all.
    static bool compiledIn();

    core::Result<std::string> get(const std::string& name) override;
    core::Status set(const std::string& name, const std::string& value) override;
    core::Status remove(const std::string& name) override;
    core::Result<std::vector<std::string>> names() override;

private:
    KeychainSecretStore() = default;
    core::Result<std::vector<std::string>> readIndex();
    core::Status writeIndex(const std::vector<std::string>& names);

    std::mutex m_mutex; // serializes index updates
};

/// The secret store Assay uses: the OS keyring when it works, else the 0600 file (core::FileSecretStore).
/// @p description says which, for the status bar and the log (never a value).
std::unique_ptr<core::SecretStore> makeSecretStore(QString* description);

} // namespace assay::app
