// SPDX-License-Identifier: MIT
#pragma once
// Internal helpers shared by the repositories (not part of the public storage API).

#include "storage/db.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace assay::core::sql {

/// Calls @p f(statement) for each result row; stops on the first error.
template <typename F> Status forEachRow(Statement& st, F&& f)
{
    for (;;) {
        auto row = st.step();
        if (!row)
            return row.error();
        if (!*row)
            return {};
        f(st);
    }
}

/// True when a failed statement broke a UNIQUE or PRIMARY KEY constraint.
bool isUniqueViolation(const Error& e);
/// True when a failed statement broke a FOREIGN KEY constraint.
bool isForeignKeyViolation(const Error& e);

/// Serialises JSON for a column; an Invalid error names @p field (invalid UTF-8 in a string, nesting deeper than
/// kMaxJsonDepth: util/jsonguard.h).
Result<std::string> dumpJson(const nlohmann::json& value, std::string_view field);
/// Parses a stored JSON column; a Corrupt error names the table, column and row id (also for nesting deeper than
/// kMaxJsonDepth, which only a damaged or hand-made workspace holds).
Result<nlohmann::json> parseJson(
    const std::string& text, std::string_view table, std::string_view column, std::string_view id);

Result<std::string> stringsToJson(const std::vector<std::string>& list, std::string_view field);
/// Reads a JSON array of strings; non-string items are skipped, anything else yields an empty list.
std::vector<std::string> stringsFromJson(const std::string& text);

/// SELECT 1 FROM @p table WHERE id = ?1 — table is a compile-time constant, never user input.
Result<bool> exists(Db& db, std::string_view table, const std::string& id);

/// A one-line JSON object for audit payloads.
std::string auditPayload(const nlohmann::json& object);

/// Invalid when @p text holds a control character (tabs and line breaks too): names, folders, tags and labels are
/// one line of plain text, and never reach a terminal as control codes. @p what names it ("prompt name").
Status checkPlainText(std::string_view text, std::string_view what);

/// Trims spaces; an empty result means "no name".
std::string trimmed(std::string_view text);

} // namespace assay::core::sql
