// SPDX-License-Identifier: MIT
#include "interchange/workspacebundle.h"

#include "interchange/textinput.h"
#include "util/ids.h"

#include <filesystem>
#include <map>

namespace assay::core {

namespace fs = std::filesystem;

namespace {
std::string joinPath(const std::string& dir, const char* name)
{
    return (fs::path(dir) / name).string();
}

bool isHex64(std::string_view s)
{
    return s.size() == 64 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

std::string lower(std::string s)
{
    for (char& c : s)
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
    return s;
}
} // namespace

Status writeBundle(const std::string& dir, const BundleFiles& files, bool replace)
{
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        if (!fs::is_directory(dir, ec))
            return makeError(ErrorCode::Conflict, dir + " exists and is not a directory");
        if (!replace && !fs::is_empty(dir, ec))
            return makeError(ErrorCode::Conflict, dir + " already exists and is not empty (replace it with --force)");
    } else if (!fs::create_directory(dir, ec)) {
        return makeError(ErrorCode::Io, dir + ": cannot create the directory", ec.message());
    }
    ASSAY_TRY(writeFileAtomically(joinPath(dir, kBundleCatalog), files.catalog));
    ASSAY_TRY(writeFileAtomically(joinPath(dir, kBundleDatasets), files.datasets));
    const std::string manifest = sha256Hex(files.catalog) + "  " + kBundleCatalog + "\n" + sha256Hex(files.datasets)
        + "  " + kBundleDatasets + "\n";
    return writeFileAtomically(joinPath(dir, kBundleManifest), manifest);
}

Result<BundleFiles> readBundle(const std::string& dir, std::uint64_t maxBytes)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return makeError(ErrorCode::Io,
            dir + ": not a bundle directory (it holds " + kBundleCatalog + ", " + kBundleDatasets + " and "
                + kBundleManifest + ")");
    const std::string manifestPath = joinPath(dir, kBundleManifest);
    if (!fs::exists(manifestPath, ec))
        return makeError(ErrorCode::Invalid, manifestPath + ": missing from the bundle");
    auto manifest = readTextFile(manifestPath, 1 << 20);
    if (!manifest)
        return manifest.error();

    std::map<std::string, std::string> listed; // name -> hash
    std::size_t lineNo = 0;
    std::size_t start = 0;
    while (start < manifest->size()) {
        const auto nl = manifest->find('\n', start);
        std::string line = manifest->substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        start = nl == std::string::npos ? manifest->size() : nl + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty())
            continue;
        const std::string at = manifestPath + ":" + std::to_string(lineNo) + ": ";
        // sha256sum: 64 hex digits, a space, ' ' (text) or '*' (binary), the file name.
        if (line.size() < 67 || !isHex64(std::string_view(line).substr(0, 64)) || line[64] != ' '
            || (line[65] != ' ' && line[65] != '*'))
            return makeError(ErrorCode::Invalid, at + "expected 'SHA256  FILE' as sha256sum writes it");
        const std::string name = line.substr(66);
        if (name != kBundleCatalog && name != kBundleDatasets)
            return makeError(ErrorCode::Invalid, at + "'" + name + "' is not a file of a workspace bundle");
        if (!listed.emplace(name, lower(line.substr(0, 64))).second)
            return makeError(ErrorCode::Invalid, at + "'" + name + "' is listed twice");
    }

    BundleFiles files;
    for (const char* name : { kBundleCatalog, kBundleDatasets }) {
        const std::string path = joinPath(dir, name);
        auto hash = listed.find(name);
        if (hash == listed.end())
            return makeError(ErrorCode::Invalid, manifestPath + ": does not list " + name);
        if (!fs::exists(path, ec))
            return makeError(ErrorCode::Invalid, path + ": missing from the bundle");
        auto text = readTextFile(path, maxBytes);
        if (!text)
            return text.error();
        if (sha256Hex(*text) != hash->second)
            return makeError(ErrorCode::Invalid,
                path + ": its SHA-256 does not match " + kBundleManifest + " (the file was changed or damaged)");
        (name == std::string(kBundleCatalog) ? files.catalog : files.datasets) = std::move(*text);
    }
    return files;
}

} // namespace assay::core
