// SPDX-License-Identifier: MIT
#include "secrets/filesecretstore.h"
#include "util/jsonguard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace assay::core {

namespace {

std::string octal(mode_t mode)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

std::string errnoText(int err)
{
    return std::strerror(err);
}

/// Closes a descriptor on scope exit.
struct Fd {
    int fd = -1;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

Status makePrivateDir(const std::string& dir)
{
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec))
        return {};
    // Create the parents normally, the last level 0700.
    const auto parent = std::filesystem::path(dir).parent_path();
    if (!parent.empty())
        std::filesystem::create_directories(parent, ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return makeError(ErrorCode::Io, "Cannot create the folder for secrets " + dir + ": " + errnoText(errno));
    return {};
}

} // namespace

FileSecretStore::FileSecretStore(std::string path, bool environmentOverride)
    : m_path(path.empty() ? defaultPath() : std::move(path))
    , m_environmentOverride(environmentOverride)
{
}

std::string FileSecretStore::defaultPath()
{
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        return std::string(xdg) + "/assay/secrets.json";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.config/assay/secrets.json";
    return {};
}

std::string FileSecretStore::environmentVariable(const std::string& name)
{
    std::string var = "ASSAY_KEY_";
    for (char c : name) {
        if (c >= 'a' && c <= 'z')
            var += static_cast<char>(c - 'a' + 'A');
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            var += c;
        else
            var += '_';
    }
    return var;
}

Status FileSecretStore::validateName(const std::string& name)
{
    const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
            || c == '-';
    });
    if (!ok)
        return makeError(ErrorCode::Invalid, "A secret name is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'");
    return {};
}

Result<std::optional<nlohmann::json>> FileSecretStore::load() const
{
    if (m_path.empty())
        return makeError(ErrorCode::Io, "There is no place for secrets: neither XDG_CONFIG_HOME nor HOME is set");
    Fd f { ::open(m_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC) };
    if (f.fd < 0) {
        if (errno == ENOENT)
            return std::optional<nlohmann::json>();
        return makeError(ErrorCode::Io, "Cannot open the secrets file " + m_path + ": " + errnoText(errno));
    }
    struct stat st { };
    if (::fstat(f.fd, &st) != 0)
        return makeError(ErrorCode::Io, "Cannot inspect the secrets file " + m_path + ": " + errnoText(errno));
    if (!S_ISREG(st.st_mode))
        return makeError(ErrorCode::Io, "The secrets file " + m_path + " is not a regular file");
    if (st.st_uid != ::geteuid())
        return makeError(ErrorCode::Unauthorized,
            "The secrets file " + m_path + " belongs to another user; it must be yours (chown it or remove it)");
    if ((st.st_mode & 077) != 0)
        return makeError(ErrorCode::Unauthorized,
            "The secrets file " + m_path + " has mode " + octal(st.st_mode)
                + ", so other users may read it; it was not read. Fix: chmod 600 " + m_path);
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return makeError(ErrorCode::Io, "Cannot read the secrets file " + m_path + ": " + errnoText(errno));
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    // Never pass the parser's message on: it quotes the bytes around the fault, which may be a key.
    auto j = parseJsonBounded(text);
    if (j.is_discarded() || !j.is_object() || !j.contains("secrets") || !j["secrets"].is_object())
        return makeError(ErrorCode::Corrupt,
            "The secrets file " + m_path
                + " is not valid (expected {\"version\":1,\"secrets\":{...}}); fix or remove it");
    for (const auto& [name, value] : j["secrets"].items())
        if (!value.is_string())
            return makeError(
                ErrorCode::Corrupt, "The secrets file " + m_path + ": secret '" + name + "' is not a string");
    return std::optional<nlohmann::json>(j["secrets"]);
}

Status FileSecretStore::save(const nlohmann::json& secrets) const
{
    const std::string dir = std::filesystem::path(m_path).parent_path().string();
    ASSAY_TRY(makePrivateDir(dir));
    const std::string tmp = m_path + ".tmp-" + std::to_string(::getpid());
    ::unlink(tmp.c_str()); // a leftover of a crashed writer; O_EXCL below then guarantees a fresh 0600 file
    Fd f { ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) };
    if (f.fd < 0)
        return makeError(ErrorCode::Io, "Cannot create " + tmp + ": " + errnoText(errno));
    if (::fchmod(f.fd, 0600) != 0) { // the umask could only have removed bits, but be explicit
        ::unlink(tmp.c_str());
        return makeError(ErrorCode::Io, "Cannot set mode 0600 on " + tmp + ": " + errnoText(errno));
    }
    const std::string text = nlohmann::json { { "version", 1 }, { "secrets", secrets } }.dump(2) + "\n";
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(f.fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = errno;
            ::unlink(tmp.c_str());
            return makeError(ErrorCode::Io, "Cannot write " + tmp + ": " + errnoText(err));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(f.fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return makeError(ErrorCode::Io, "Cannot flush " + tmp + ": " + errnoText(err));
    }
    if (::rename(tmp.c_str(), m_path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return makeError(ErrorCode::Io, "Cannot replace " + m_path + ": " + errnoText(err));
    }
    return {};
}

Result<std::string> FileSecretStore::get(const std::string& name)
{
    ASSAY_TRY(validateName(name));
    if (m_environmentOverride) {
        if (const char* v = std::getenv(environmentVariable(name).c_str()); v && *v)
            return std::string(v);
    }
    std::lock_guard lock(m_mutex);
    auto secrets = load();
    if (!secrets)
        return secrets.error();
    if (!*secrets || !(*secrets)->contains(name))
        return makeError(ErrorCode::NotFound,
            "There is no secret named '" + name + "': add it with `assay-cli keys set " + name + "` or set "
                + environmentVariable(name));
    return (**secrets)[name].get<std::string>();
}

Status FileSecretStore::set(const std::string& name, const std::string& value)
{
    ASSAY_TRY(validateName(name));
    if (value.empty())
        return makeError(ErrorCode::Invalid, "The value of secret '" + name + "' is empty");
    std::lock_guard lock(m_mutex);
    auto secrets = load();
    if (!secrets)
        return secrets.error();
    nlohmann::json all = *secrets ? **secrets : nlohmann::json::object();
    all[name] = value;
    return save(all);
}

Status FileSecretStore::remove(const std::string& name)
{
    ASSAY_TRY(validateName(name));
    std::lock_guard lock(m_mutex);
    auto secrets = load();
    if (!secrets)
        return secrets.error();
    if (!*secrets || !(*secrets)->contains(name))
        return makeError(ErrorCode::NotFound, "There is no secret named '" + name + "'");
    nlohmann::json all = **secrets;
    all.erase(name);
    return save(all);
}

Result<std::vector<std::string>> FileSecretStore::names()
{
    std::lock_guard lock(m_mutex);
    auto secrets = load();
    if (!secrets)
        return secrets.error();
    std::vector<std::string> out;
    if (*secrets)
        for (const auto& [name, value] : (*secrets)->items())
            out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace assay::core
