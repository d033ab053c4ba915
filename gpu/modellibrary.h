// SPDX-License-Identifier: MIT
#pragma once

#include "modelinfo.h"
#include "util/result.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace assay::gpu {

/// Result of checking a file against a `sha256sum` manifest. Persisted — never renumber.
enum class ManifestStatus : int {
    NotChecked = 0,
    Match = 1,
    Mismatch = 2,
    Missing = 3, ///< listed in the manifest, no such file
    NotListed = 4, ///< in the library, not in the manifest
};
const char* manifestStatusName(ManifestStatus s);

/// One GGUF file in a watched folder. File names need not be valid UTF-8 on Linux: `path` (and info->path) keep
/// the bytes the file system uses, to open, hash and compare; every text meant to be shown (displayPath, error,
/// hashError and info's names, license and the like) is valid UTF-8, invalid sequences replaced by U+FFFD.
struct LibraryEntry {
    std::string path; ///< as the file system names it: open the file with this
    std::string displayPath; ///< path as valid UTF-8: show this
    std::uint64_t size = 0;
    std::int64_t mtimeNs = 0;
    std::optional<ModelInfo> info; ///< empty when the file is not valid GGUF
    std::string error; ///< why it was rejected (names the file, offset and field)
    std::string sha256; ///< empty until hashed
    std::string hashError;
    ManifestStatus manifest = ManifestStatus::NotChecked;
    std::vector<std::string> adapters; ///< models: paths of LoRA adapters attached to this base
    std::string basePath; ///< adapters: the base model they were attached to (empty when none matched)
};

struct ManifestLine {
    std::string path; ///< absolute (resolved against the manifest's folder)
    std::string expected;
    std::string actual;
    ManifestStatus status = ManifestStatus::NotChecked;
};

struct ManifestReport {
    std::vector<ManifestLine> lines;
    std::size_t matched = 0, mismatched = 0, missing = 0;
    [[nodiscard]] bool allMatch() const { return mismatched == 0 && missing == 0; }
};

/// Parses `sha256sum` output ("<64 hex>  name" or "<64 hex> *name"; blank lines and # comments allowed).
/// Invalid names the manifest's line number.
core::Result<std::vector<ManifestLine>> parseManifest(
    const std::string& text, const std::string& label, const std::string& baseDir);

/// Folders of GGUF files: metadata of each (headers only), SHA-256 in a background thread cached by
/// (path, size, mtime) in a JSON file the caller chooses, manifest verification, LoRA adapters attached to bases.
/// Thread-safe; callbacks run on the hashing thread.
class ModelLibrary {
public:
    using HashProgress = std::function<void(const std::string& path, std::uint64_t done, std::uint64_t total)>;

    explicit ModelLibrary(std::string hashCachePath);
    ~ModelLibrary(); ///< cancels and joins the hashing thread
    ModelLibrary(const ModelLibrary&) = delete;
    ModelLibrary& operator=(const ModelLibrary&) = delete;

    void setFolders(std::vector<std::string> folders);
    /// Rescans the folders (recursively, *.gguf): reads metadata, applies cached hashes, attaches adapters.
    /// Blocking but fast (headers only). Cancels hashing in progress. Io error when a folder cannot be read.
    core::Status scan();
    [[nodiscard]] std::vector<LibraryEntry> entries() const;
    [[nodiscard]] std::optional<LibraryEntry> entry(const std::string& path) const;

    /// Hashes every entry without a hash in a background std::jthread; the cache file is rewritten after each file.
    void startHashing(HashProgress progress = {});
    void cancelHashing();
    /// True when hashing finished (or nothing was running) within the timeout.
    bool waitForHashing(std::chrono::milliseconds timeout);

    /// Verifies the library's files against a manifest, hashing (synchronously) any listed file not hashed yet.
    core::Result<ManifestReport> verifyManifest(const std::string& manifestPath);

private:
    void loadCache();
    core::Status saveCache() const; // caller holds m_mutex
    void attachAdapters(); // caller holds m_mutex
    void hashAll(std::stop_token stop, const HashProgress& progress);

    const std::string m_cachePath;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<std::string> m_folders; // guarded by m_mutex
    std::vector<LibraryEntry> m_entries; // guarded by m_mutex
    struct CacheEntry {
        std::string path;
        std::uint64_t size;
        std::int64_t mtimeNs;
        std::string sha256;
    };
    std::vector<CacheEntry> m_cache; // guarded by m_mutex
    bool m_hashing = false; // guarded by m_mutex
    std::jthread m_hasher;
};

} // namespace assay::gpu
