// SPDX-License-Identifier: MIT
#include "interchange/catalogjsonreader.h"

#include "catalog/promptjson.h"
#include "interchange/fielderror.h"
#include "interchange/textinput.h"
#include "util/ids.h"

#include <algorithm>
#include <limits>
#include <map>

namespace assay::core {

using nlohmann::json;
using namespace interchange;

namespace {
constexpr std::int64_t kMaxVersion = std::numeric_limits<int>::max();

Result<PromptVersion> versionFromJson(const json& j, const std::string& path, int previous, ContentCheck check)
{
    ASSAY_TRY(checkKeys(j, path, { "id", "number", "content", "content_hash", "author", "message", "created_at" }));
    PromptVersion v;
    auto id = optionalString(j, "id", path);
    if (!id)
        return id.error();
    if (*id && !isUuid(**id))
        return fieldError(fieldPath(path, "id"), "expected a UUID");
    v.id = id->value_or("");
    auto number = optionalInteger(j, "number", path, 1, kMaxVersion);
    if (!number)
        return number.error();
    v.number = static_cast<int>(number->value_or(previous + 1));
    if (v.number <= previous)
        return fieldError(fieldPath(path, "number"),
            "must be greater than the previous version's (" + std::to_string(previous) + ")");
    auto content = j.find("content");
    if (content == j.end())
        return fieldError(fieldPath(path, "content"), "is missing");
    const std::string contentPath = fieldPath(path, "content");
    auto parsed = promptContentFromJson(*content);
    if (!parsed)
        return contentFieldError(contentPath, parsed.error());
    v.content = std::move(*parsed);
    if (check) {
        if (auto st = check(v.content); !st)
            return contentFieldError(contentPath, st.error());
    }
    v.contentHash = contentHash(v.content);
    auto hash = optionalString(j, "content_hash", path);
    if (!hash)
        return hash.error();
    if (*hash && **hash != v.contentHash)
        return fieldError(
            fieldPath(path, "content_hash"), "does not match the content (its SHA-256 is " + v.contentHash + ")");
    auto author = optionalString(j, "author", path);
    if (!author)
        return author.error();
    v.author = author->value_or("");
    auto message = optionalString(j, "message", path);
    if (!message)
        return message.error();
    v.message = message->value_or("");
    auto created = optionalTime(j, "created_at", path);
    if (!created)
        return created.error();
    v.createdAt = created->value_or(0);
    return v;
}
} // namespace

namespace interchange {

Result<CatalogEntry> entryFromJson(const json& j, const std::string& path, ContentCheck check)
{
    ASSAY_TRY(checkKeys(j, path, { "id", "name", "folder", "tags", "description", "kind", "versions", "labels" }));
    CatalogEntry e;
    auto id = optionalString(j, "id", path);
    if (!id)
        return id.error();
    if (*id && !isUuid(**id))
        return fieldError(fieldPath(path, "id"), "expected a UUID");
    e.meta.id = id->value_or("");
    auto name = requiredString(j, "name", path);
    if (!name)
        return name.error();
    if (name->find_first_not_of(" \t") == std::string::npos)
        return fieldError(fieldPath(path, "name"), "must not be empty");
    ASSAY_TRY(checkPlainText(*name, fieldPath(path, "name")));
    e.meta.name = *name;
    auto folder = optionalString(j, "folder", path);
    if (!folder)
        return folder.error();
    e.meta.folder = folder->value_or("");
    ASSAY_TRY(checkPlainText(e.meta.folder, fieldPath(path, "folder")));
    auto tags = optionalStrings(j, "tags", path);
    if (!tags)
        return tags.error();
    for (std::size_t i = 0; i < tags->size(); ++i)
        ASSAY_TRY(checkPlainText((*tags)[i], indexPath(fieldPath(path, "tags"), i)));
    e.meta.tags = std::move(*tags);
    auto description = optionalString(j, "description", path);
    if (!description)
        return description.error();
    e.meta.description = description->value_or("");

    const std::string versionsPath = fieldPath(path, "versions");
    auto versions = j.find("versions");
    if (versions == j.end())
        return fieldError(versionsPath, "is missing");
    if (!versions->is_array() || versions->empty())
        return fieldError(versionsPath, "expected a non-empty array of versions");
    int previous = 0;
    for (std::size_t i = 0; i < versions->size(); ++i) {
        auto v = versionFromJson((*versions)[i], indexPath(versionsPath, i), previous, check);
        if (!v)
            return v.error();
        previous = v->number;
        e.versions.push_back(std::move(*v));
    }
    e.meta.isChain = !e.versions.back().content.steps.empty();

    auto kind = optionalString(j, "kind", path);
    if (!kind)
        return kind.error();
    if (*kind && **kind != "template" && **kind != "chain")
        return fieldError(fieldPath(path, "kind"), "expected \"template\" or \"chain\"");
    if (*kind && (**kind == "chain") != e.meta.isChain)
        return fieldError(fieldPath(path, "kind"),
            std::string("is \"") + **kind + "\" but the latest version is a "
                + (e.meta.isChain ? "chain (it has steps)" : "template (it has no steps)"));

    if (auto labels = j.find("labels"); labels != j.end() && !labels->is_null()) {
        const std::string labelsPath = fieldPath(path, "labels");
        if (!labels->is_object())
            return fieldError(labelsPath, "expected an object of label -> version number");
        for (const auto& item : labels->items()) {
            const std::string at = fieldPath(labelsPath, item.key());
            if (!isLabelName(item.key()))
                return fieldError(at, "is not a valid label: use 1 to 32 of a-z, 0-9, '_' and '-'");
            json holder = json::object();
            holder["n"] = item.value();
            auto number = optionalInteger(holder, "n", "", 1, kMaxVersion);
            if (!number || !*number)
                return fieldError(at, "expected a version number");
            const int n = static_cast<int>(**number);
            const bool known = std::any_of(
                e.versions.begin(), e.versions.end(), [n](const PromptVersion& v) { return v.number == n; });
            if (!known)
                return fieldError(at, "version " + std::to_string(n) + " is not among the prompt's versions");
            e.labels[item.key()] = n;
        }
    }
    return e;
}

std::optional<Duplicate> findDuplicate(
    const std::vector<CatalogEntry>& entries, const std::function<std::string(std::size_t)>& describe)
{
    std::map<std::string, std::size_t> names;
    std::map<std::string, std::size_t> ids;
    std::map<std::string, std::size_t> versionIds;
    auto trimmed = [](const std::string& s) {
        const auto b = s.find_first_not_of(" \t");
        const auto e = s.find_last_not_of(" \t");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        const std::string base = indexPath("prompts", i);
        const std::string name = trimmed(e.meta.name);
        if (auto [it, fresh] = names.emplace(name, i); !fresh)
            return Duplicate { i,
                fieldError(fieldPath(base, "name"), "'" + name + "' is also the name of " + describe(it->second)) };
        if (!e.meta.id.empty()) {
            if (auto [it, fresh] = ids.emplace(e.meta.id, i); !fresh)
                return Duplicate { i, fieldError(fieldPath(base, "id"), "is also the id of " + describe(it->second)) };
        }
        for (std::size_t k = 0; k < e.versions.size(); ++k) {
            if (e.versions[k].id.empty())
                continue;
            if (auto [it, fresh] = versionIds.emplace(e.versions[k].id, i); !fresh)
                return Duplicate { i,
                    fieldError(fieldPath(indexPath(fieldPath(base, "versions"), k), "id"),
                        "is also the id of a version of " + describe(it->second)) };
        }
    }
    return std::nullopt;
}

} // namespace interchange

Result<std::vector<CatalogEntry>> readCatalogJson(
    std::string_view text, const std::string& fileName, ContentCheck check)
{
    ASSAY_TRY(checkUtf8(text, fileName));
    auto parsed = parseJsonText(text, fileName);
    if (!parsed)
        return parsed.error();
    json doc = std::move(*parsed);
    std::vector<CatalogEntry> entries;
    try {
        auto fail = [&](const Error& e) { return placeInJson(e, text, fileName, 0, true); };
        if (auto st = checkKeys(doc, "", { "format", "version", "prompts" }); !st)
            return fail(st.error());
        auto format = requiredString(doc, "format", "");
        if (!format)
            return fail(format.error());
        if (*format != "assay-catalog")
            return fail(fieldError("format", "expected \"assay-catalog\", not \"" + *format + "\""));
        auto version = optionalInteger(doc, "version", "", 1, std::numeric_limits<int>::max());
        if (!version)
            return fail(version.error());
        if (!*version)
            return fail(fieldError("version", "is missing"));
        if (**version != 1)
            return fail(
                fieldError("version", std::to_string(**version) + " is newer than this Assay reads (version 1)"));
        auto prompts = doc.find("prompts");
        if (prompts == doc.end())
            return fail(fieldError("prompts", "is missing"));
        if (!prompts->is_array())
            return fail(fieldError("prompts", "expected an array of prompts"));
        for (std::size_t i = 0; i < prompts->size(); ++i) {
            const std::string path = indexPath("prompts", i);
            auto e = entryFromJson((*prompts)[i], path, check);
            if (!e)
                return fail(e.error());
            e->origin = fileName + ": " + path;
            entries.push_back(std::move(*e));
            (*prompts)[i] = nullptr; // read: free its DOM (a file may be large)
        }
        if (auto dup = findDuplicate(entries, [](std::size_t i) { return indexPath("prompts", i); }))
            return fail(dup->error);
    } catch (const json::exception& ex) {
        return makeError(ErrorCode::Invalid, fileName + ": " + ex.what());
    }
    return entries;
}

Result<std::vector<CatalogEntry>> readCatalogJsonl(
    std::string_view text, const std::string& fileName, ContentCheck check)
{
    std::vector<CatalogEntry> entries;
    std::vector<std::size_t> lines;
    ASSAY_TRY(forEachJsonLine(text, fileName, "prompts", [&](json& j, std::size_t lineNo) -> Status {
        try {
            auto e = entryFromJson(j, indexPath("prompts", entries.size()), check);
            if (!e)
                return placeFieldError(e.error(), fileName, lineNo);
            e->origin = fileName + ":" + std::to_string(lineNo);
            entries.push_back(std::move(*e));
            lines.push_back(lineNo);
        } catch (const json::exception& ex) {
            return makeError(ErrorCode::Invalid, fileName + ":" + std::to_string(lineNo) + ": " + ex.what());
        }
        return {};
    }));
    if (auto dup
        = findDuplicate(entries, [&](std::size_t i) { return "the prompt on line " + std::to_string(lines[i]); }))
        return placeFieldError(dup->error, fileName, lines[dup->index]);
    return entries;
}

} // namespace assay::core
