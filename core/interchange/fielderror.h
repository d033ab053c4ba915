// SPDX-License-Identifier: MIT
#pragma once
// Field-level errors of the importers. While a record is read, an Error carries the field's path in `detail`
// ("prompts[0].versions[2].content.messages[1].role") and the problem in `message` ("must be a string"); the
// reader then places it: "catalog.json:14:11: prompts[0]….role: must be a string".

#include "util/result.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core::interchange {

Error fieldError(const std::string& path, const std::string& what);

/// "a.b" / "a[3]" / "b" (when @p base is empty).
std::string fieldPath(const std::string& base, const std::string& key);
std::string indexPath(const std::string& base, std::size_t index);

/// Turns a promptContentFromJson error ("Field 'messages[1].role' must be a string") into a field error under
/// @p base; other errors become a field error on @p base itself.
Error contentFieldError(const std::string& base, const Error& e);

/// "FILE:LINE: PATH: WHAT" (with ":COLUMN" after LINE when @p column is non-zero) from a field error. Control
/// characters of PATH and WHAT (which may quote the file) are shown as visible escapes (util/displaytext.h).
Error placeFieldError(const Error& e, const std::string& fileName, std::size_t line, std::size_t column = 0);
/// Places a field error in a JSON text by finding the field (jsonlocator.h); @p lineOffset is added to the line
/// (for one record of a JSONL file, whose text is one line, pass its line number - 1 and withColumn = false).
Error placeInJson(
    const Error& e, std::string_view text, const std::string& fileName, std::size_t lineOffset, bool withColumn);
/// A nlohmann parse error as "FILE:LINE:COLUMN: syntax error …"; the line counts from @p lineOffset + 1.
Error jsonSyntaxError(const nlohmann::json::exception& ex, std::string_view text, const std::string& fileName,
    std::size_t lineOffset, bool withColumn);

/// Parses one JSON document (a file, or one line of a JSONL file: @p lineOffset is added to its line numbers) after
/// checking it with checkJsonText (util/jsonguard.h): nesting deeper than kMaxJsonDepth, a NUL byte, a key twice
/// in an object and a number beyond a double are Invalid "FILE:LINE:COLUMN: FIELD: problem", with @p base before
/// the field ("prompts[3]" for a JSONL record); a syntax error is placed as jsonSyntaxError does.
Result<nlohmann::json> parseJsonText(
    std::string_view text, const std::string& fileName, std::size_t lineOffset = 0, const std::string& base = {});

/// A field error when @p value holds a control character (C0, DEL or C1, tabs and line breaks included): names,
/// folders, tags and labels are one line of plain text, and must never reach a terminal as control codes.
Status checkPlainText(const std::string& value, const std::string& path);

/// Unknown keys are errors naming the field; a non-object is "must be an object".
Status checkKeys(const nlohmann::json& j, const std::string& path, std::initializer_list<const char*> allowed);

/// JSON Lines: checks UTF-8, skips blank lines, and hands every parsed line to @p each with its 1-based line
/// number. A syntax error names FILE:LINE:COLUMN; the problems of parseJsonText name the field too, under
/// "@p records[N]" (N counts the records from 0). The first error @p each returns ends the reading.
Status forEachJsonLine(std::string_view text, const std::string& fileName, const std::string& records,
    const std::function<Status(nlohmann::json& value, std::size_t lineNo)>& each);

Result<std::optional<std::string>> optionalString(const nlohmann::json& j, const char* key, const std::string& path);
Result<std::string> requiredString(const nlohmann::json& j, const char* key, const std::string& path);
Result<std::vector<std::string>> optionalStrings(const nlohmann::json& j, const char* key, const std::string& path);
/// An integer in [@p min, @p max].
Result<std::optional<std::int64_t>> optionalInteger(
    const nlohmann::json& j, const char* key, const std::string& path, std::int64_t min, std::int64_t max);

/// Unix ms from an integer or ISO-8601 UTC text ("2026-11-23T10:00:00.123Z", as isoTime writes).
Result<std::optional<std::int64_t>> optionalTime(const nlohmann::json& j, const char* key, const std::string& path);

/// The rule of PromptRepository::isValidLabel ([a-z0-9_-]{1,32}); kept here so the readers need no storage code.
bool isLabelName(const std::string& label);

} // namespace assay::core::interchange
