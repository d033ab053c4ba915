// SPDX-License-Identifier: MIT
#include "interchange/catalogcsv.h"

#include "catalog/promptjson.h"
#include "interchange/catalogjsonreader.h"
#include "interchange/csvtable.h"
#include "interchange/fielderror.h"
#include "interchange/textinput.h"

#include <algorithm>
#include <array>
#include <map>

namespace assay::core {

using namespace interchange;

namespace {
constexpr std::array<const char*, 6> kColumns { "name", "template", "system", "tags", "folder", "description" };

std::string trimmed(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> splitTags(const std::string& text)
{
    std::vector<std::string> tags;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto semi = text.find(';', start);
        const std::string tag
            = trimmed(text.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
        if (!tag.empty())
            tags.push_back(tag);
        if (semi == std::string::npos)
            break;
        start = semi + 1;
    }
    return tags;
}

/// The system and user text when @p c is exactly [system,] user; nothing otherwise.
std::optional<std::pair<std::string, std::string>> simpleTemplate(const PromptContent& c)
{
    PromptContent plain;
    plain.messages = c.messages;
    if (!(plain == c))
        return std::nullopt;
    if (c.messages.size() == 1 && c.messages[0].role == "user")
        return std::make_pair(std::string(), c.messages[0].content);
    if (c.messages.size() == 2 && c.messages[0].role == "system" && !c.messages[0].content.empty()
        && c.messages[1].role == "user")
        return std::make_pair(c.messages[0].content, c.messages[1].content);
    return std::nullopt;
}
} // namespace

Result<std::vector<CatalogEntry>> readCatalogCsv(std::string_view text, const std::string& fileName, ContentCheck check)
{
    ASSAY_TRY(checkUtf8(text, fileName));
    auto records = parseCsv(text, fileName);
    if (!records)
        return records.error();
    if (records->empty())
        return makeError(ErrorCode::Invalid, fileName + ":1: the file has no header (name,template,…)");
    const CsvRecord& header = records->front();
    std::map<std::string, std::size_t> column;
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
        const std::string name = trimmed(header.fields[i]);
        const auto known = std::find_if(kColumns.begin(), kColumns.end(), [&](const char* c) { return name == c; });
        if (known == kColumns.end())
            return placeFieldError(fieldError(name,
                                       "is not a known column (name, template, system, tags, folder, "
                                       "description)"),
                fileName, header.line);
        if (!column.emplace(name, i).second)
            return placeFieldError(fieldError(name, "is a column twice"), fileName, header.line);
    }
    for (const char* required : { "name", "template" })
        if (!column.count(required))
            return placeFieldError(fieldError(required, "the header has no such column"), fileName, header.line);

    std::vector<CatalogEntry> entries;
    std::vector<std::size_t> lines;
    for (std::size_t r = 1; r < records->size(); ++r) {
        const CsvRecord& row = (*records)[r];
        if (row.fields.size() != header.fields.size())
            return makeError(ErrorCode::Invalid,
                fileName + ":" + std::to_string(row.line) + ": expected " + std::to_string(header.fields.size())
                    + " fields as in the header, found " + std::to_string(row.fields.size()));
        auto cell = [&](const char* name) {
            auto it = column.find(name);
            return it == column.end() ? std::string() : row.fields[it->second];
        };
        auto fail = [&](const char* field, const std::string& what) {
            return placeFieldError(fieldError(field, what), fileName, row.line);
        };
        CatalogEntry e;
        e.meta.name = trimmed(cell("name"));
        if (e.meta.name.empty())
            return fail("name", "must not be empty");
        e.meta.folder = cell("folder");
        e.meta.description = cell("description");
        e.meta.tags = splitTags(cell("tags"));
        for (const char* field : { "name", "folder", "tags" }) {
            if (auto st = checkPlainText(cell(field), field); !st)
                return placeFieldError(st.error(), fileName, row.line);
        }
        const std::string user = cell("template");
        if (user.empty())
            return fail("template", "must not be empty");
        PromptVersion v;
        v.number = 1;
        if (const std::string system = cell("system"); !system.empty())
            v.content.messages.push_back({ "system", system });
        v.content.messages.push_back({ "user", user });
        if (check) {
            if (auto st = check(v.content); !st)
                return fail("template", st.error().message);
        }
        v.contentHash = contentHash(v.content);
        e.versions.push_back(std::move(v));
        e.origin = fileName + ":" + std::to_string(row.line);
        entries.push_back(std::move(e));
        lines.push_back(row.line);
    }
    if (auto dup = findDuplicate(entries, [&](std::size_t i) { return "the row on line " + std::to_string(lines[i]); }))
        return placeFieldError(fieldError("name", dup->error.message), fileName, lines[dup->index]);
    return entries;
}

std::string writeCatalogCsv(const std::vector<CatalogEntry>& entries, std::vector<LeftOut>& leftOut)
{
    std::string out = csvRecord({ kColumns.begin(), kColumns.end() });
    for (const auto& e : entries) {
        if (e.versions.empty())
            continue;
        const auto simple = simpleTemplate(e.versions.back().content);
        if (!simple) {
            leftOut.push_back({ e.meta.name,
                e.meta.isChain ? "a chain has no CSV form"
                               : "CSV carries only a system and a user message (no few-shot examples, parameters, "
                                 "defaults or output format)" });
            continue;
        }
        if (std::any_of(e.meta.tags.begin(), e.meta.tags.end(),
                [](const std::string& t) { return t.find(';') != std::string::npos; })) {
            leftOut.push_back({ e.meta.name, "a tag contains ';', the CSV tag separator" });
            continue;
        }
        std::string tags;
        for (const auto& t : e.meta.tags)
            tags += (tags.empty() ? "" : ";") + t;
        out += csvRecord({ e.meta.name, simple->second, simple->first, tags, e.meta.folder, e.meta.description });
    }
    return out;
}

} // namespace assay::core
