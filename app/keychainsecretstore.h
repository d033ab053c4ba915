// SPDX-License-Identifier: MIT
#pragma once

#include "secrets/secretstore.h"

#include <QObject>
#include <QString>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace assay::app {

/// API keys in the OS keyring (Secret Service / KWallet on Linux, Keychain on macOS, Credential Manager on Windows)
/// through QtKeychain. The keyring cannot list its entries, so the key NAMES are kept in one more entry
/// ("assay.index"); values never leave get(). Each call runs its QtKeychain job on one keyring thread (QtKeychain
/// is not thread-safe) and waits for it: call it off the GUI thread (workspace thread, run threads). QtKeychain's
/// plaintext fallback stays off. Thread-safe.
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

    /// Runs @p work on the thread every QtKeychain job runs on (QtKeychain is not thread-safe), without waiting.
    static void post(std::function<void()> work);

private:
    KeychainSecretStore() = default;
    // The work of open/get/set/remove, on the keyring thread.
    static std::unique_ptr<KeychainSecretStore> probe(QString* why);
    core::Result<std::string> getHere(const std::string& name);
    core::Status setHere(const std::string& name, const std::string& value);
    core::Status removeHere(const std::string& name);
    core::Result<std::vector<std::string>> readIndex();
    core::Status writeIndex(const std::vector<std::string>& names);

    std::mutex m_mutex; // serializes index updates
};

/// The secret store Assay uses: the OS keyring when it works, else the 0600 file (core::FileSecretStore).
/// @p description says which, for the status bar and the log (never a value). Probes the keyring on the calling
/// thread (a nested event loop): the GUI uses ProbedSecretStore, which calls this on a thread of its own.
std::unique_ptr<core::SecretStore> makeSecretStore(QString* description);

/// The GUI's secret store, decided off the GUI thread. Construction starts makeSecretStore() on the keyring thread
/// (the probe can take up to D-Bus's 25 s timeout) and returns at once, so the main window is built
/// meanwhile; with ASSAY_SECRETS=file it decides at once. When the probe answers, every call goes to the keyring, or
/// to the 0600 file when none answered, and decided() is emitted on this object's thread. Before that, a call waits
/// for the answer on its own thread (the workspace and run threads, where every get/set/remove comes from), so a key
/// is never written to the file while a keyring might still take it; on the GUI thread a call never waits: it fails
/// with a sentence saying the keyring has not answered yet. Thread-safe.
class ProbedSecretStore : public QObject, public core::SecretStore {
    Q_OBJECT
public:
    explicit ProbedSecretStore(QObject* parent = nullptr);
    ~ProbedSecretStore() override; ///< waits for the probe

    /// Whether the probe has answered (the store is chosen).
    bool isDecided() const;
    /// Which store is in use (see makeSecretStore), or that the keyring is still being asked.
    QString description() const;

    core::Result<std::string> get(const std::string& name) override;
    core::Status set(const std::string& name, const std::string& value) override;
    core::Status remove(const std::string& name) override;
    core::Result<std::vector<std::string>> names() override;

Q_SIGNALS:
    /// The probe answered; @p description is description()'s new text.
    void decided(const QString& description);

private:
    /// The chosen store, after waiting for it off the GUI thread; nullptr (and @p notYet) on the GUI thread before
    /// the probe answered.
    core::SecretStore* store(core::Error* notYet);
    void choose(std::unique_ptr<core::SecretStore> store, const QString& description);

    mutable std::mutex m_mutex;
    std::condition_variable m_decided;
    std::unique_ptr<core::SecretStore> m_store; // guarded by m_mutex; set once, never replaced
    QString m_description; // guarded by m_mutex
    bool m_probeDone = false; // guarded by m_mutex
};

} // namespace assay::app
