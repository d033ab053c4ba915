// SPDX-License-Identifier: MIT
#pragma once

#include "secrets/secretstore.h"

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <string>

namespace assay::core {

/// Secrets in one JSON file, {"version":1,"secrets":{NAME:value}}, readable by its owner only:
/// $XDG_CONFIG_HOME/assay/secrets.json, else ~/.config/assay/secrets.json. The folder is made with mode 0700;
/// every write goes to a fresh temp file opened O_CREAT|O_EXCL with mode 0600 (and fchmod'ed), fsynced, then
/// renamed over the file. A file that group or others may read or write, or that another user owns, is refused
/// (the error names the path and the chmod that fixes it) and never parsed.
///
/// CI override: when the environment holds ASSAY_KEY_<NAME> (NAME upper-cased, every character outside A-Z/0-9
/// turned into '_'), get() returns that value without touching the file. Thread-safe.
class FileSecretStore final : public SecretStore {
public:
    /// @p path: the file; empty = defaultPath().
    explicit FileSecretStore(std::string path = {}, bool environmentOverride = true);

    Result<std::string> get(const std::string& name) override;
    Status set(const std::string& name, const std::string& value) override;
    Status remove(const std::string& name) override;
    Result<std::vector<std::string>> names() override;

    [[nodiscard]] const std::string& path() const { return m_path; }

    /// $XDG_CONFIG_HOME/assay/secrets.json or $HOME/.config/assay/secrets.json ("" when neither is set).
    static std::string defaultPath();
    /// "ASSAY_KEY_" + NAME with [^A-Z0-9] mapped to '_' ("openai-prod" -> ASSAY_KEY_OPENAI_PROD).
    static std::string environmentVariable(const std::string& name);
    /// 1 to 64 of A-Z a-z 0-9 . _ - (Invalid otherwise).
    static Status validateName(const std::string& name);

private:
    /// name -> value; an absent file is an empty store.
    Result<std::optional<nlohmann::json>> load() const;
    Status save(const nlohmann::json& secrets) const;

    std::string m_path;
    bool m_environmentOverride;
    mutable std::mutex m_mutex; // serialises read-modify-write of the file
};

} // namespace assay::core
