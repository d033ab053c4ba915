// SPDX-License-Identifier: MIT
#include "interchange/promptfooformat.h"

#include "catalog/promptjson.h"
#include "interchange/fielderror.h"
#include "interchange/textinput.h"

#include <nlohmann/json.hpp>

namespace assay::core {

using namespace interchange;
using nlohmann::json;

namespace {
bool isSeparator(std::string_view line)
{
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
        line.remove_suffix(1);
    return line == "---";
}

bool blank(std::string_view s)
{
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

CatalogEntry entryOf(std::string name, std::vector<ChatMessage> messages, std::string origin)
{
    CatalogEntry e;
    e.meta.name = std::move(name);
    PromptVersion v;
    v.number = 1;
    v.content.messages = std::move(messages);
    v.contentHash = contentHash(v.content);
    e.versions.push_back(std::move(v));
    e.origin = std::move(origin);
    return e;
}
} // namespace

Result<std::vector<CatalogEntry>> readPromptfooText(
    std::string_view text, const std::string& fileName, ContentCheck check)
{
    ASSAY_TRY(checkUtf8(text, fileName));
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        const auto p = positionAt(text, nul);
        return makeError(ErrorCode::Invalid,
            fileName + ":" + std::to_string(p.line) + ":" + std::to_string(p.column)
                + ": a NUL byte (0x00); a prompt file is plain text");
    }
    struct Part {
        std::size_t line = 0;
        std::string text;
    };
    std::vector<Part> parts;
    if (!text.empty() && text.back() == '\n')
        text.remove_suffix(1);
    Part current;
    current.line = 1;
    bool first = true;
    std::size_t lineNo = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto nl = text.find('\n', start);
        std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        ++lineNo;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (isSeparator(line)) {
            parts.push_back(std::move(current));
            current = Part {};
            current.line = lineNo + 1;
            first = true;
        } else {
            if (!first)
                current.text += '\n';
            current.text += line;
            first = false;
        }
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    parts.push_back(std::move(current));
    std::erase_if(parts, [](const Part& p) { return blank(p.text); });
    if (parts.empty())
        return makeError(ErrorCode::Invalid, fileName + ":1: the file holds no prompt");

    const std::string stem = fileStem(fileName);
    std::vector<CatalogEntry> entries;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string name = parts.size() == 1 ? stem : stem + "-" + std::to_string(i + 1);
        if (auto st = checkPlainText(name, fieldPath(indexPath("prompts", i), "name") + " (from the file name)"); !st)
            return placeFieldError(st.error(), fileName, parts[i].line);
        auto e
            = entryOf(name, { ChatMessage { "user", parts[i].text } }, fileName + ":" + std::to_string(parts[i].line));
        if (check) {
            if (auto st = check(e.versions.front().content); !st)
                return placeFieldError(
                    fieldError(indexPath("prompts", i), st.error().message), fileName, parts[i].line);
        }
        entries.push_back(std::move(e));
    }
    return entries;
}

Result<std::vector<CatalogEntry>> readPromptfooChat(
    std::string_view text, const std::string& fileName, ContentCheck check)
{
    ASSAY_TRY(checkUtf8(text, fileName));
    auto parsed = parseJsonText(text, fileName);
    if (!parsed)
        return parsed.error();
    const json doc = std::move(*parsed);
    auto fail = [&](const Error& e) { return placeInJson(e, text, fileName, 0, true); };
    if (!doc.is_array() || doc.empty())
        return fail(fieldError("", "expected a non-empty array of {role, content} messages"));
    std::vector<ChatMessage> messages;
    for (std::size_t i = 0; i < doc.size(); ++i) {
        const std::string path = indexPath("", i);
        if (auto st = checkKeys(doc[i], path, { "role", "content" }); !st)
            return fail(st.error());
        auto role = requiredString(doc[i], "role", path);
        if (!role)
            return fail(role.error());
        if (*role != "system" && *role != "user" && *role != "assistant")
            return fail(fieldError(fieldPath(path, "role"), "expected system, user or assistant, not '" + *role + "'"));
        auto content = requiredString(doc[i], "content", path);
        if (!content)
            return fail(content.error());
        messages.push_back({ *role, *content });
    }
    if (auto st = checkPlainText(fileStem(fileName), "name (from the file name)"); !st)
        return placeFieldError(st.error(), fileName, 1);
    auto e = entryOf(fileStem(fileName), std::move(messages), fileName);
    if (check) {
        if (auto st = check(e.versions.front().content); !st) {
            auto placed = contentFieldError("", st.error());
            if (placed.detail.rfind("messages", 0) == 0)
                placed.detail.erase(0, 8); // "messages[1].content" is "[1].content" in this file
            return fail(placed);
        }
    }
    std::vector<CatalogEntry> out;
    out.push_back(std::move(e));
    return out;
}

std::string writePromptfooText(const std::vector<CatalogEntry>& entries, std::vector<LeftOut>& leftOut)
{
    std::string out;
    for (const auto& e : entries) {
        if (e.versions.empty())
            continue;
        const PromptContent& c = e.versions.back().content;
        PromptContent plain;
        plain.messages = c.messages;
        if (!(plain == c) || c.messages.size() != 1 || c.messages[0].role != "user") {
            leftOut.push_back({ e.meta.name, "a promptfoo text prompt is one user message" });
            continue;
        }
        const std::string& text = c.messages[0].content;
        bool separator = false;
        for (std::size_t start = 0; start <= text.size();) {
            const auto nl = text.find('\n', start);
            separator = separator
                || isSeparator(
                    std::string_view(text).substr(start, nl == std::string::npos ? std::string::npos : nl - start));
            if (nl == std::string::npos)
                break;
            start = nl + 1;
        }
        if (separator || blank(text) || text.find('\r') != std::string::npos) {
            leftOut.push_back({ e.meta.name, "its text is blank, holds a CR or a '---' separator line" });
            continue;
        }
        if (!out.empty())
            out += "---\n";
        out += text;
        out += '\n';
    }
    return out;
}

} // namespace assay::core
