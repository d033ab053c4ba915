// SPDX-License-Identifier: MIT
#include "catalog/template.h"

#include "catalog/identifierchars.h"
#include "util/displaytext.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace assay::core {

namespace {

std::string trimCopy(std::string_view s)
{
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return std::string(s.substr(b, e - b));
}

std::string where(std::string_view text, std::size_t offset)
{
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

/// The rule of template.h: XID_Start or '_', then XID_Continue, '-' or '.' (Unicode letters of every script).
bool validName(std::string_view n)
{
    for (std::size_t i = 0; i < n.size();) {
        const std::size_t len = utf8SequenceLength(n, i);
        if (len == 0)
            return false;
        const char32_t c = utf8CodePoint(n, i, len);
        if (i == 0 ? !isIdentifierStart(c) : !(isIdentifierContinue(c) || c == '-' || c == '.'))
            return false;
        i += len;
    }
    return !n.empty();
}

/// Splits "a | b("x|y") | c" on '|' outside double quotes.
std::vector<std::string> splitPipes(std::string_view inner)
{
    std::vector<std::string> parts;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < inner.size(); ++i) {
        const char c = inner[i];
        if (c == '"' && (i == 0 || inner[i - 1] != '\\'))
            quoted = !quoted;
        if (c == '|' && !quoted) {
            parts.push_back(trimCopy(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    parts.push_back(trimCopy(cur));
    return parts;
}

/// default("text") -> text; nullopt when the filter is not a well-formed default(...).
std::optional<std::string> defaultArgument(const std::string& filter)
{
    if (filter.rfind("default(", 0) != 0 || filter.back() != ')')
        return std::nullopt;
    const std::string arg = trimCopy(std::string_view(filter).substr(8, filter.size() - 9));
    if (arg.size() < 2 || arg.front() != '"' || arg.back() != '"')
        return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < arg.size(); ++i) {
        if (arg[i] == '\\' && i + 2 < arg.size())
            ++i;
        out += arg[i];
    }
    return out;
}

bool knownFilter(const std::string& f)
{
    return f == "upper" || f == "lower" || f == "trim" || f == "json" || defaultArgument(f).has_value();
}

std::string applyFilter(const std::string& filter, std::string value)
{
    if (filter == "upper") {
        std::transform(value.begin(), value.end(), value.begin(),
            [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    } else if (filter == "lower") {
        std::transform(value.begin(), value.end(), value.begin(),
            [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    } else if (filter == "trim") {
        value = trimCopy(value);
    } else if (filter == "json") {
        value = nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (auto d = defaultArgument(filter); d && value.empty()) {
        value = *d;
    }
    return value;
}

} // namespace

Result<std::vector<TemplatePlaceholder>> parseTemplate(std::string_view text)
{
    std::vector<TemplatePlaceholder> out;
    std::size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        if (pos > 0 && text[pos - 1] == '\\') {
            pos += 2;
            continue;
        }
        const std::size_t close = text.find("}}", pos + 2);
        if (close == std::string_view::npos)
            return makeError(ErrorCode::Invalid, "Unclosed '{{' at " + where(text, pos) + ": add '}}' or write '\\{{'");
        const std::string_view inner = text.substr(pos + 2, close - pos - 2);
        if (inner.find("{{") != std::string_view::npos)
            return makeError(ErrorCode::Invalid, "Unclosed '{{' at " + where(text, pos) + ": add '}}' or write '\\{{'");
        auto parts = splitPipes(inner);
        TemplatePlaceholder p;
        p.name = parts.front();
        p.offset = pos;
        p.length = close + 2 - pos;
        if (!validName(p.name))
            return makeError(ErrorCode::Invalid,
                "'{{" + std::string(inner) + "}}' at " + where(text, pos) + " is not a valid variable name");
        for (std::size_t i = 1; i < parts.size(); ++i) {
            if (!knownFilter(parts[i]))
                return makeError(ErrorCode::Invalid,
                    "Unknown filter '" + parts[i] + "' at " + where(text, pos)
                        + " (known: upper, lower, trim, json, default(\"text\"))");
            if (defaultArgument(parts[i]))
                p.hasDefault = true;
            p.filters.push_back(parts[i]);
        }
        out.push_back(std::move(p));
        pos = close + 2;
    }
    return out;
}

Result<std::vector<std::string>> templateVariables(std::string_view text)
{
    auto parsed = parseTemplate(text);
    if (!parsed)
        return parsed.error();
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& p : *parsed)
        if (seen.insert(p.name).second)
            names.push_back(p.name);
    return names;
}

namespace {
Status renderInto(std::string_view text, const std::map<std::string, std::string>& values, std::string& out,
    std::vector<std::string>& missing)
{
    auto parsed = parseTemplate(text);
    if (!parsed)
        return parsed.error();
    std::size_t last = 0;
    auto appendLiteral = [&](std::string_view lit) {
        // "\{{" renders as "{{"
        std::size_t p = 0;
        std::size_t q;
        while ((q = lit.find("\\{{", p)) != std::string_view::npos) {
            out.append(lit.substr(p, q - p));
            out += "{{";
            p = q + 3;
        }
        out.append(lit.substr(p));
    };
    for (const auto& ph : *parsed) {
        appendLiteral(text.substr(last, ph.offset - last));
        last = ph.offset + ph.length;
        auto it = values.find(ph.name);
        if (it == values.end() && !ph.hasDefault) {
            if (std::find(missing.begin(), missing.end(), ph.name) == missing.end())
                missing.push_back(ph.name);
            continue;
        }
        std::string value = it == values.end() ? std::string() : it->second;
        for (const auto& f : ph.filters)
            value = applyFilter(f, std::move(value));
        out += value;
    }
    appendLiteral(text.substr(last));
    return {};
}

Error missingError(const std::vector<std::string>& missing)
{
    std::string names;
    for (const auto& n : missing)
        names += (names.empty() ? "" : ", ") + n;
    return makeError(ErrorCode::Invalid,
        std::string(missing.size() == 1 ? "Missing value for variable " : "Missing values for variables ") + names);
}
} // namespace

Result<std::string> renderTemplate(std::string_view text, const std::map<std::string, std::string>& values)
{
    std::string out;
    std::vector<std::string> missing;
    ASSAY_TRY(renderInto(text, values, out, missing));
    if (!missing.empty())
        return missingError(missing);
    return out;
}

Result<std::vector<std::string>> promptVariables(const PromptContent& content)
{
    std::vector<std::string> names;
    std::set<std::string> seen;
    auto scan = [&](const std::vector<ChatMessage>& messages) -> Status {
        for (const auto& m : messages) {
            auto vars = templateVariables(m.content);
            if (!vars)
                return makeError(ErrorCode::Invalid, "In the " + m.role + " message: " + vars.error().message);
            for (auto& v : *vars)
                if (v.rfind("steps.", 0) != 0 && seen.insert(v).second)
                    names.push_back(v);
        }
        return {};
    };
    ASSAY_TRY(scan(content.messages));
    ASSAY_TRY(scan(content.fewShot));
    for (const auto& s : content.steps) {
        auto st = scan(s.messages);
        if (!st)
            return makeError(ErrorCode::Invalid, "Step '" + s.name + "': " + st.error().message);
    }
    return names;
}

std::map<std::string, std::string> templateValues(const PromptContent& content, const nlohmann::json& values)
{
    std::map<std::string, std::string> out;
    for (const auto& d : content.defaults)
        out[d.name] = d.value;
    if (values.is_object()) {
        for (const auto& [k, v] : values.items())
            out[k] = v.is_string() ? v.get<std::string>()
                                   : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return out;
}

Result<std::vector<ChatMessage>> renderMessages(const PromptContent& content, const nlohmann::json& values)
{
    const auto map = templateValues(content, values);
    std::vector<ChatMessage> ordered;
    for (const auto& m : content.messages)
        if (m.role == "system")
            ordered.push_back(m);
    for (const auto& m : content.fewShot)
        ordered.push_back(m);
    for (const auto& m : content.messages)
        if (m.role != "system")
            ordered.push_back(m);

    std::vector<ChatMessage> out;
    std::vector<std::string> missing;
    for (const auto& m : ordered) {
        ChatMessage r { m.role, {} };
        auto st = renderInto(m.content, map, r.content, missing);
        if (!st)
            return makeError(ErrorCode::Invalid, "In the " + m.role + " message: " + st.error().message);
        out.push_back(std::move(r));
    }
    if (!missing.empty())
        return missingError(missing);
    return out;
}

} // namespace assay::core
