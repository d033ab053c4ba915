// SPDX-License-Identifier: MIT
#include "interchange/csvtable.h"

#include "util/displaytext.h"

namespace assay::core {

Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& fileName)
{
    std::vector<CsvRecord> out;
    std::size_t i = 0;
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        i = 3;
    std::size_t line = 1;
    std::size_t lineStart = 0;
    auto fail = [&](std::size_t at, std::size_t atLine, std::size_t atLineStart, const std::string& what) {
        return makeError(ErrorCode::Invalid,
            fileName + ":" + std::to_string(atLine) + ":" + std::to_string(at - atLineStart + 1) + ": " + what);
    };
    CsvRecord record;
    record.line = line;
    std::string field;
    // A NUL byte is named by its column: the header's name for it when there is one.
    auto nulAt = [&](std::size_t at) {
        const std::size_t col = record.fields.size();
        std::string column = "column " + std::to_string(col + 1);
        if (!out.empty() && col < out.front().fields.size() && !out.front().fields[col].empty())
            column = visibleText(out.front().fields[col]);
        return fail(at, line, lineStart, column + ": a NUL byte (0x00) in the field; a CSV file is plain text");
    };
    auto endRecord = [&]() {
        record.fields.push_back(std::move(field));
        field.clear();
        const bool blank = record.fields.size() == 1 && record.fields.front().empty();
        if (!blank)
            out.push_back(std::move(record));
        record = CsvRecord {};
    };
    while (i < text.size()) {
        // At the start of a field.
        if (text[i] == '"') {
            const std::size_t openAt = i;
            const std::size_t openLine = line;
            const std::size_t openLineStart = lineStart;
            ++i;
            bool closed = false;
            while (i < text.size()) {
                const char c = text[i];
                if (c == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                if (c == '\n') {
                    ++line;
                    lineStart = i + 1;
                }
                if (c == '\0')
                    return nulAt(i);
                field += c;
                ++i;
            }
            if (!closed)
                return fail(openAt, openLine, openLineStart, "a quoted field opens here and never closes");
            if (i < text.size() && text[i] != ',' && text[i] != '\n'
                && !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n'))
                return fail(i, line, lineStart,
                    "unexpected text after a closing quote (write \"\" for a quote inside a quoted field)");
        } else {
            while (i < text.size() && text[i] != ',' && text[i] != '\n'
                && !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
                if (text[i] == '"')
                    return fail(i, line, lineStart,
                        "a quote inside an unquoted field (quote the whole field and double the quote)");
                if (text[i] == '\0')
                    return nulAt(i);
                field += text[i];
                ++i;
            }
        }
        // After a field: a separator, a record end, or the end of the text.
        if (i >= text.size())
            break;
        if (text[i] == ',') {
            record.fields.push_back(std::move(field));
            field.clear();
            ++i;
            if (i >= text.size())
                break; // a trailing ',': the record ends with an empty field
            continue;
        }
        i += text[i] == '\r' ? 2 : 1;
        ++line;
        lineStart = i;
        endRecord();
        record.line = line;
    }
    if (!field.empty() || !record.fields.empty())
        endRecord();
    return out;
}

std::string csvField(std::string_view value)
{
    const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos
        || (!value.empty() && (value.front() == ' ' || value.back() == ' '));
    if (!quote)
        return std::string(value);
    std::string out = "\"";
    for (char c : value) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string csvRecord(const std::vector<std::string>& fields)
{
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i)
            out += ',';
        out += csvField(fields[i]);
    }
    out += "\r\n";
    return out;
}

} // namespace assay::core
