// SPDX-License-Identifier: MIT
#include "modellibrary.h"

#include "filehash.h"

#include "util/displaytext.h"
#include "util/jsonguard.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace assay::gpu {

namespace fs = std::filesystem;

namespace {
std::int64_t mtimeNsOf(const fs::path& p, std::error_code& ec)
{
    const auto t = fs::last_write_time(p, ec);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool isHex64(const std::string& s)
{
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

/// The texts of @p m meant to be shown, made valid UTF-8 (a GGUF string and a file name are only bytes).
void makeDisplayable(ModelInfo& m)
{
    for (std::string* s :
        { &m.name, &m.architecture, &m.type, &m.adapterType, &m.quantization, &m.license, &m.chatTemplate })
        *s = core::validUtf8(*s);
    for (auto& b : m.baseModels)
        for (std::string* s : { &b.name, &b.organization, &b.repoUrl })
            *s = core::validUtf8(*s);
    for (auto& [key, value] : m.generalKeys) {
        key = core::validUtf8(key);
        value = core::validUtf8(value);
    }
}

bool isValidUtf8(const std::string& s)
{
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = core::utf8SequenceLength(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::string hexOf(const std::string& bytes)
{
    static const char* const kDigits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

std::optional<std::string> fromHex(const std::string& hex)
{
    if (hex.size() % 2 != 0)
        return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const auto digit = [](char c) -> int {
            return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        };
        const int hi = digit(hex[i]);
        const int lo = digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}
} // namespace

const char* manifestStatusName(ManifestStatus s)
{
    switch (s) {
    case ManifestStatus::NotChecked:
        return "not checked";
    case ManifestStatus::Match:
        return "match";
    case ManifestStatus::Mismatch:
        return "mismatch";
    case ManifestStatus::Missing:
        return "missing";
    case ManifestStatus::NotListed:
        return "not listed";
    }
    return "?";
}

core::Result<std::vector<ManifestLine>> parseManifest(
    const std::string& text, const std::string& label, const std::string& baseDir)
{
    std::vector<ManifestLine> out;
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || line[0] == '#')
            continue;
        const auto hash = line.substr(0, 64);
        if (!isHex64(hash) || line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
            return core::makeError(core::ErrorCode::Invalid,
                label + ":" + std::to_string(number)
                    + ": expected \"<64 hex digits>  <file name>\" (sha256sum format)");
        ManifestLine m;
        m.expected = lower(hash);
        const fs::path name = line.substr(66);
        m.path = (name.is_absolute() ? name : fs::path(baseDir) / name).lexically_normal().string();
        out.push_back(std::move(m));
    }
    return out;
}

ModelLibrary::ModelLibrary(std::string hashCachePath)
    : m_cachePath(std::move(hashCachePath))
{
    std::lock_guard lock(m_mutex);
    loadCache();
}

ModelLibrary::~ModelLibrary()
{
    cancelHashing();
}

void ModelLibrary::setFolders(std::vector<std::string> folders)
{
    std::lock_guard lock(m_mutex);
    m_folders = std::move(folders);
}

void ModelLibrary::loadCache()
{
    m_cache.clear();
    std::ifstream in(m_cachePath, std::ios::binary);
    if (!in)
        return;
    std::stringstream text;
    text << in.rdbuf();
    // A damaged cache is only a cache: ignore it and hash again.
    const auto j = core::parseJsonBounded(text.str());
    if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1 || !j.contains("files")
        || !j["files"].is_array())
        return;
    for (const auto& e : j["files"]) {
        // A path that is not valid UTF-8 is stored as the hex of its bytes (JSON strings are UTF-8).
        std::optional<std::string> path;
        if (e.is_object() && e.contains("path") && e["path"].is_string())
            path = e["path"].get<std::string>();
        else if (e.is_object() && e.contains("path_hex") && e["path_hex"].is_string())
            path = fromHex(e["path_hex"].get<std::string>());
        if (!path || !e.contains("size") || !e["size"].is_number_unsigned() || !e.contains("mtime_ns")
            || !e["mtime_ns"].is_number_integer() || !e.contains("sha256") || !e["sha256"].is_string()
            || !isHex64(e["sha256"].get<std::string>()))
            continue;
        m_cache.push_back({ *path, e["size"].get<std::uint64_t>(), e["mtime_ns"].get<std::int64_t>(),
            e["sha256"].get<std::string>() });
    }
}

core::Status ModelLibrary::saveCache() const
{
    if (m_cachePath.empty())
        return {};
    nlohmann::json files = nlohmann::json::array();
    for (const auto& c : m_cache)
        files.push_back({ { isValidUtf8(c.path) ? "path" : "path_hex", isValidUtf8(c.path) ? c.path : hexOf(c.path) },
            { "size", c.size }, { "mtime_ns", c.mtimeNs }, { "sha256", c.sha256 } });
    const nlohmann::json j { { "version", 1 }, { "files", files } };
    const std::string tmp = m_cachePath + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump(1) << '\n';
        if (!out.flush())
            return core::makeError(core::ErrorCode::Io, m_cachePath + ": cannot write the hash cache");
    }
    std::error_code ec;
    fs::rename(tmp, m_cachePath, ec);
    if (ec)
        return core::makeError(core::ErrorCode::Io, m_cachePath + ": " + ec.message());
    return {};
}

core::Status ModelLibrary::scan()
{
    cancelHashing();
    std::vector<std::string> folders;
    {
        std::lock_guard lock(m_mutex);
        folders = m_folders;
    }
    std::vector<LibraryEntry> found;
    for (const auto& folder : folders) {
        std::error_code ec;
        fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
        if (ec)
            return core::makeError(core::ErrorCode::Io, folder + ": cannot read the folder (" + ec.message() + ")");
        for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec)
                break;
            if (it.depth() > 8) {
                it.disable_recursion_pending();
                continue;
            }
            const auto& p = it->path();
            if (!it->is_regular_file(ec) || lower(p.extension().string()) != ".gguf")
                continue;
            LibraryEntry e;
            e.path = p.lexically_normal().string();
            e.displayPath = core::validUtf8(e.path);
            e.size = it->file_size(ec);
            e.mtimeNs = mtimeNsOf(p, ec);
            auto info = readModelInfo(e.path);
            if (info) {
                e.info = std::move(*info);
                makeDisplayable(*e.info);
            } else {
                e.error = core::validUtf8(info.error().message);
            }
            found.push_back(std::move(e));
        }
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    std::lock_guard lock(m_mutex);
    for (auto& e : found)
        for (const auto& c : m_cache)
            if (c.path == e.path && c.size == e.size && c.mtimeNs == e.mtimeNs)
                e.sha256 = c.sha256;
    m_entries = std::move(found);
    attachAdapters();
    return {};
}

void ModelLibrary::attachAdapters()
{
    for (auto& e : m_entries) {
        e.adapters.clear();
        e.basePath.clear();
    }
    for (auto& a : m_entries) {
        if (!a.info || !a.info->isAdapter())
            continue;
        LibraryEntry* best = nullptr;
        int bestScore = 0;
        for (auto& m : m_entries) {
            if (!m.info || m.info->isAdapter() || m.info->architecture != a.info->architecture)
                continue;
            int score = 0;
            for (const auto& b : a.info->baseModels)
                if (!b.name.empty() && lower(b.name) == lower(m.info->name))
                    score += 4;
            const bool shapeKnown = a.info->adapterInputWidth != 0;
            if (shapeKnown && a.info->adapterInputWidth != m.info->embeddingLength)
                continue; // cannot be applied to this base at all
            if (shapeKnown)
                score += 2;
            if (fs::path(m.path).parent_path() == fs::path(a.path).parent_path())
                score += 1;
            if (score > bestScore) {
                best = &m;
                bestScore = score;
            }
        }
        if (best && bestScore >= 2) {
            a.basePath = best->path;
            best->adapters.push_back(a.path);
        }
    }
}

std::vector<LibraryEntry> ModelLibrary::entries() const
{
    std::lock_guard lock(m_mutex);
    return m_entries;
}

std::optional<LibraryEntry> ModelLibrary::entry(const std::string& path) const
{
    std::lock_guard lock(m_mutex);
    for (const auto& e : m_entries)
        if (e.path == path)
            return e;
    return std::nullopt;
}

void ModelLibrary::startHashing(HashProgress progress)
{
    cancelHashing();
    {
        std::lock_guard lock(m_mutex);
        m_hashing = true;
    }
    m_hasher = std::jthread([this, progress = std::move(progress)](std::stop_token st) {
        hashAll(st, progress);
        {
            std::lock_guard lock(m_mutex);
            m_hashing = false;
        }
        m_cv.notify_all();
    });
}

void ModelLibrary::hashAll(std::stop_token stop, const HashProgress& progress)
{
    for (;;) {
        LibraryEntry todo;
        {
            std::lock_guard lock(m_mutex);
            const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                [](const auto& e) { return e.sha256.empty() && e.hashError.empty(); });
            if (it == m_entries.end())
                return;
            todo = *it;
        }
        auto h = sha256File(todo.path, stop, [&](std::uint64_t done, std::uint64_t total) {
            if (progress)
                progress(todo.path, done, total);
        });
        if (!h && h.error().code == core::ErrorCode::Cancelled)
            return;
        std::error_code ec;
        const auto size = fs::file_size(todo.path, ec);
        const auto mtime = mtimeNsOf(todo.path, ec);
        std::lock_guard lock(m_mutex);
        for (auto& e : m_entries) {
            if (e.path != todo.path)
                continue;
            if (!h) {
                e.hashError = core::validUtf8(h.error().message);
            } else if (size != e.size || mtime != e.mtimeNs) {
                e.hashError = e.displayPath + " changed while it was being hashed; rescan";
            } else {
                e.sha256 = *h;
                std::erase_if(m_cache, [&](const auto& c) { return c.path == e.path; });
                m_cache.push_back({ e.path, e.size, e.mtimeNs, e.sha256 });
                [[maybe_unused]] auto saved = saveCache();
            }
        }
    }
}

void ModelLibrary::cancelHashing()
{
    m_hasher.request_stop();
    if (m_hasher.joinable())
        m_hasher.join();
    m_hasher = {};
    std::lock_guard lock(m_mutex);
    m_hashing = false;
}

bool ModelLibrary::waitForHashing(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, timeout, [this] { return !m_hashing; });
}

core::Result<ManifestReport> ModelLibrary::verifyManifest(const std::string& manifestPath)
{
    std::ifstream in(manifestPath);
    if (!in)
        return core::makeError(core::ErrorCode::Io, manifestPath + ": cannot open the manifest");
    std::stringstream ss;
    ss << in.rdbuf();
    auto lines = parseManifest(ss.str(), manifestPath, fs::path(manifestPath).parent_path().string());
    if (!lines)
        return lines.error();
    ManifestReport report;
    for (auto& l : *lines) {
        std::error_code ec;
        if (!fs::is_regular_file(l.path, ec)) {
            l.status = ManifestStatus::Missing;
            ++report.missing;
            report.lines.push_back(l);
            continue;
        }
        std::string known;
        {
            std::lock_guard lock(m_mutex);
            for (const auto& e : m_entries)
                if (e.path == l.path)
                    known = e.sha256;
        }
        if (known.empty()) {
            auto h = sha256File(l.path);
            if (!h)
                return h.error();
            known = *h;
        }
        l.actual = known;
        l.status = known == l.expected ? ManifestStatus::Match : ManifestStatus::Mismatch;
        ++(l.status == ManifestStatus::Match ? report.matched : report.mismatched);
        report.lines.push_back(l);
    }
    std::lock_guard lock(m_mutex);
    for (auto& e : m_entries) {
        e.manifest = ManifestStatus::NotListed;
        for (const auto& l : report.lines) {
            if (l.path != e.path)
                continue;
            e.manifest = l.status;
            if (e.sha256.empty() && !l.actual.empty())
                e.sha256 = l.actual;
        }
    }
    return report;
}

} // namespace assay::gpu
