// SPDX-License-Identifier: MIT
#include "interchange/catalogjsonwriter.h"

#include "catalog/promptjson.h"
#include "util/ids.h"

namespace assay::core {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {
ordered_json ordered(const json& j)
{
    if (j.is_object()) {
        ordered_json o = ordered_json::object();
        for (const auto& item : j.items())
            o[item.key()] = ordered(item.value());
        return o;
    }
    if (j.is_array()) {
        ordered_json a = ordered_json::array();
        for (const auto& v : j)
            a.push_back(ordered(v));
        return a;
    }
    if (j.is_string())
        return j.get<std::string>();
    if (j.is_boolean())
        return j.get<bool>();
    if (j.is_number_unsigned())
        return j.get<std::uint64_t>();
    if (j.is_number_integer())
        return j.get<std::int64_t>();
    if (j.is_number_float())
        return j.get<double>();
    return nullptr;
}

Result<std::string> dumped(const CatalogEntry& e, int indent)
{
    try {
        return catalogEntryJson(e).dump(indent);
    } catch (const json::exception& ex) {
        return makeError(ErrorCode::Invalid, "Prompt '" + e.meta.name + "' cannot be exported", ex.what());
    }
}
} // namespace

ordered_json catalogEntryJson(const CatalogEntry& e)
{
    ordered_json j = ordered_json::object();
    j["id"] = e.meta.id;
    j["name"] = e.meta.name;
    j["folder"] = e.meta.folder;
    j["tags"] = e.meta.tags;
    j["description"] = e.meta.description;
    j["kind"] = e.meta.isChain ? "chain" : "template";
    ordered_json versions = ordered_json::array();
    for (const auto& v : e.versions) {
        ordered_json o = ordered_json::object();
        o["id"] = v.id;
        o["number"] = v.number;
        o["content"] = ordered(promptContentToJson(v.content));
        o["content_hash"] = v.contentHash.empty() ? contentHash(v.content) : v.contentHash;
        o["author"] = v.author;
        o["message"] = v.message;
        o["created_at"] = isoTime(v.createdAt);
        versions.push_back(std::move(o));
    }
    j["versions"] = std::move(versions);
    ordered_json labels = ordered_json::object();
    for (const auto& [label, number] : e.labels)
        labels[label] = number;
    j["labels"] = std::move(labels);
    return j;
}

Result<std::string> writeCatalogJson(const std::vector<CatalogEntry>& entries)
{
    std::string out = "{\n  \"format\": \"assay-catalog\",\n  \"version\": 1,\n  \"prompts\": [";
    for (std::size_t i = 0; i < entries.size(); ++i) {
        auto text = dumped(entries[i], 2);
        if (!text)
            return text.error();
        out += i == 0 ? "\n    " : ",\n    ";
        for (char c : *text) {
            out += c;
            if (c == '\n')
                out += "    ";
        }
    }
    out += entries.empty() ? "]\n}\n" : "\n  ]\n}\n";
    return out;
}

Result<std::string> writeCatalogJsonl(const std::vector<CatalogEntry>& entries)
{
    std::string out;
    for (const auto& e : entries) {
        auto text = dumped(e, -1);
        if (!text)
            return text.error();
        out += *text;
        out += '\n';
    }
    return out;
}

} // namespace assay::core
