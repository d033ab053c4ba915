// SPDX-License-Identifier: MIT
#include "interchange/catalogformat.h"

#include <array>
#include <filesystem>
#include <utility>

namespace assay::core {

namespace {
constexpr std::array<std::pair<CatalogFormat, const char*>, 5> kNames { {
    { CatalogFormat::Json, "json" },
    { CatalogFormat::Jsonl, "jsonl" },
    { CatalogFormat::Csv, "csv" },
    { CatalogFormat::Promptfoo, "promptfoo" },
    { CatalogFormat::Bundle, "bundle" },
} };

bool endsWith(const std::string& s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
} // namespace

const char* catalogFormatName(CatalogFormat format)
{
    for (const auto& [f, name] : kNames)
        if (f == format)
            return name;
    return "json";
}

std::optional<CatalogFormat> catalogFormatFromName(std::string_view name)
{
    for (const auto& [f, n] : kNames)
        if (name == n)
            return f;
    return std::nullopt;
}

Result<CatalogFormat> catalogFormatFromPath(const std::string& path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec) || endsWith(path, "/") || endsWith(path, ".bundle"))
        return CatalogFormat::Bundle;
    std::string ext = std::filesystem::path(path).extension().string();
    for (char& c : ext)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    if (ext == ".json")
        return CatalogFormat::Json;
    if (ext == ".jsonl" || ext == ".ndjson")
        return CatalogFormat::Jsonl;
    if (ext == ".csv")
        return CatalogFormat::Csv;
    if (ext == ".txt" || ext == ".prompt")
        return CatalogFormat::Promptfoo;
    return makeError(ErrorCode::Invalid,
        "Cannot tell the format of '" + path
            + "' from its name: give the format (json, jsonl, csv, promptfoo or bundle)");
}

} // namespace assay::core
