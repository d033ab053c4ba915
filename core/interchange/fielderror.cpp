// SPDX-License-Identifier: MIT
#include "interchange/fielderror.h"

#include "interchange/jsonlocator.h"
#include "interchange/textinput.h"
#include "util/displaytext.h"
#include "util/jsonguard.h"

#include <algorithm>
#include <ctime>
#include <limits>
#include <set>

namespace assay::core::interchange {

using nlohmann::json;

Error fieldError(const std::string& path, const std::string& what)
{
    return makeError(ErrorCode::Invalid, what, path);
}

std::string fieldPath(const std::string& base, const std::string& key)
{
    return base.empty() ? key : base + "." + key;
}

std::string indexPath(const std::string& base, std::size_t index)
{
    return base + "[" + std::to_string(index) + "]";
}

Error contentFieldError(const std::string& base, const Error& e)
{
    const std::string prefix = "Field '";
    if (e.message.rfind(prefix, 0) == 0) {
        const auto close = e.message.find("' ", prefix.size());
        if (close != std::string::npos) {
            const std::string inner = e.message.substr(prefix.size(), close - prefix.size());
            const std::string what = e.message.substr(close + 2);
            return fieldError(inner == "(root)" ? base : fieldPath(base, inner), what);
        }
    }
    return fieldError(base, e.message);
}

Error placeFieldError(const Error& e, const std::string& fileName, std::size_t line, std::size_t column)
{
    std::string where = fileName + ":" + std::to_string(line);
    if (column > 0)
        where += ":" + std::to_string(column);
    return makeError(
        e.code, where + ": " + (e.detail.empty() ? "" : visibleText(e.detail) + ": ") + visibleText(e.message));
}

Error placeInJson(
    const Error& e, std::string_view text, const std::string& fileName, std::size_t lineOffset, bool withColumn)
{
    const auto offset = locateJsonField(text, e.detail);
    const TextPosition p = positionAt(text, offset.value_or(0));
    return placeFieldError(e, fileName, p.line + lineOffset, withColumn ? p.column : 0);
}

Error jsonSyntaxError(const json::exception& ex, std::string_view text, const std::string& fileName,
    std::size_t lineOffset, bool withColumn)
{
    std::string what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while parsing …"
    if (const auto column = what.find("column "); column != std::string::npos) {
        if (const auto colon = what.find(": ", column); colon != std::string::npos)
            what = what.substr(colon + 2);
    } else if (const auto bracket = what.find("] "); bracket != std::string::npos) {
        what = what.substr(bracket + 2);
    }
    std::size_t offset = 0;
    if (const auto* parse = dynamic_cast<const json::parse_error*>(&ex)) {
        offset = parse->byte > 0 ? parse->byte - 1 : 0;
    } else {
        // No position (nlohmann's out_of_range): the last line with text, not the empty one after the last LF.
        const auto last = text.find_last_not_of(" \t\r\n");
        offset = last == std::string_view::npos ? 0 : last;
    }
    const TextPosition p = positionAt(text, offset);
    return placeFieldError(
        makeError(ErrorCode::Invalid, what), fileName, p.line + lineOffset, withColumn ? p.column : 0);
}

Result<json> parseJsonText(
    std::string_view text, const std::string& fileName, std::size_t lineOffset, const std::string& base)
{
    if (auto problem = checkJsonText(text)) {
        std::string path = problem->path;
        if (!base.empty())
            path = path.empty() ? base : path.front() == '[' ? base + path : base + "." + path;
        const TextPosition p = positionAt(text, problem->offset);
        return placeFieldError(fieldError(path, problem->what), fileName, p.line + lineOffset, p.column);
    }
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::exception& ex) {
        return jsonSyntaxError(ex, text, fileName, lineOffset, true);
    }
}

Status checkPlainText(const std::string& value, const std::string& path)
{
    if (auto control = firstControlCharacter(value))
        return fieldError(path,
            "holds the control character " + describeCodePoint(control->codePoint)
                + "; names, folders, tags and labels are one line of plain text");
    return {};
}

Status checkKeys(const json& j, const std::string& path, std::initializer_list<const char*> allowed)
{
    if (!j.is_object())
        return fieldError(path, "must be an object");
    for (const auto& item : j.items()) {
        const std::string& key = item.key();
        if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
            return fieldError(fieldPath(path, key), "is not a known field");
    }
    return {};
}

Result<std::optional<std::string>> optionalString(const json& j, const char* key, const std::string& path)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return std::optional<std::string> {};
    if (!it->is_string())
        return fieldError(fieldPath(path, key), "expected a string");
    return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> requiredString(const json& j, const char* key, const std::string& path)
{
    auto it = j.find(key);
    if (it == j.end())
        return fieldError(fieldPath(path, key), "is missing");
    if (!it->is_string())
        return fieldError(fieldPath(path, key), "expected a string");
    return it->get<std::string>();
}

Result<std::vector<std::string>> optionalStrings(const json& j, const char* key, const std::string& path)
{
    std::vector<std::string> out;
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return out;
    if (!it->is_array())
        return fieldError(fieldPath(path, key), "expected an array of strings");
    for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string())
            return fieldError(indexPath(fieldPath(path, key), i), "expected a string");
        out.push_back((*it)[i].get<std::string>());
    }
    return out;
}

Result<std::optional<std::int64_t>> optionalInteger(
    const json& j, const char* key, const std::string& path, std::int64_t min, std::int64_t max)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return std::optional<std::int64_t> {};
    const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (!it->is_number_integer())
        return fieldError(fieldPath(path, key), "expected " + range);
    if (it->is_number_unsigned()
        && it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return fieldError(fieldPath(path, key), "expected " + range);
    const auto v = it->get<std::int64_t>();
    if (v < min || v > max)
        return fieldError(fieldPath(path, key), "expected " + range);
    return std::optional<std::int64_t>(v);
}

namespace {
/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> parseIso(const std::string& s)
{
    // YYYY-MM-DDTHH:MM:SS[.mmm]Z
    auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
        if (at + n > s.size())
            return std::nullopt;
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9')
                return std::nullopt;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    if (s.size() != 20 && s.size() != 24)
        return std::nullopt;
    const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
    const auto h = digits(11, 2), mi = digits(14, 2), se = digits(17, 2);
    if (!y || !mo || !d || !h || !mi || !se || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':'
        || s[16] != ':' || s.back() != 'Z')
        return std::nullopt;
    int ms = 0;
    if (s.size() == 24) {
        const auto f = digits(20, 3);
        if (s[19] != '.' || !f)
            return std::nullopt;
        ms = *f;
    }
    if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *se > 60)
        return std::nullopt;
    const std::int64_t days = daysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
    return ((days * 24 + *h) * 60 + *mi) * 60000 + std::int64_t(*se) * 1000 + ms;
}
} // namespace

Result<std::optional<std::int64_t>> optionalTime(const json& j, const char* key, const std::string& path)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return std::optional<std::int64_t> {};
    if (it->is_string()) {
        if (auto ms = parseIso(it->get<std::string>()))
            return std::optional<std::int64_t>(*ms);
        return fieldError(fieldPath(path, key), "expected a time like 2026-11-23T10:00:00.000Z");
    }
    return optionalInteger(j, key, path, 0, std::int64_t(253402300799999)); // up to year 9999
}

bool isLabelName(const std::string& label)
{
    return !label.empty() && label.size() <= 32 && std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

Status forEachJsonLine(std::string_view text, const std::string& fileName, const std::string& records,
    const std::function<Status(nlohmann::json& value, std::size_t lineNo)>& each)
{
    ASSAY_TRY(checkUtf8(text, fileName));
    std::size_t lineNo = 0;
    std::size_t record = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        const std::string_view line
            = text.substr(start, nl == std::string_view::npos ? text.size() - start : nl - start);
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineNo;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        auto j = parseJsonText(line, fileName, lineNo - 1, indexPath(records, record++));
        if (!j)
            return j.error();
        ASSAY_TRY(each(*j, lineNo));
    }
    return {};
}

} // namespace assay::core::interchange
