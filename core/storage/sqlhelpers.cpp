// SPDX-License-Identifier: MIT
#include "storage/sqlhelpers.h"

#include "util/displaytext.h"
#include "util/jsonguard.h"

namespace assay::core::sql {

bool isUniqueViolation(const Error& e)
{
    return e.code == ErrorCode::Conflict
        && (e.detail.find("UNIQUE constraint failed") != std::string::npos
            || e.detail.find("PRIMARY KEY") != std::string::npos);
}

bool isForeignKeyViolation(const Error& e)
{
    return e.code == ErrorCode::Conflict && e.detail.find("FOREIGN KEY constraint failed") != std::string::npos;
}

Result<std::string> dumpJson(const nlohmann::json& value, std::string_view field)
{
    // nlohmann's dump() recurses once per level: a value nested without bound would overflow the stack.
    if (jsonDeeperThan(value))
        return makeError(ErrorCode::Invalid,
            std::string(field) + " nests deeper than " + std::to_string(kMaxJsonDepth)
                + " levels of arrays and objects");
    try {
        return value.dump();
    } catch (const nlohmann::json::exception& ex) {
        return makeError(ErrorCode::Invalid, std::string(field) + " cannot be stored as JSON", ex.what());
    }
}

Result<nlohmann::json> parseJson(
    const std::string& text, std::string_view table, std::string_view column, std::string_view id)
{
    auto value = parseJsonBounded(text);
    if (value.is_discarded())
        return makeError(ErrorCode::Corrupt,
            std::string(table) + "." + std::string(column) + " of " + std::string(id) + " is not valid JSON");
    return value;
}

Result<std::string> stringsToJson(const std::vector<std::string>& list, std::string_view field)
{
    return dumpJson(nlohmann::json(list), field);
}

std::vector<std::string> stringsFromJson(const std::string& text)
{
    std::vector<std::string> out;
    const auto value = parseJsonBounded(text);
    if (!value.is_array())
        return out;
    for (const auto& item : value)
        if (item.is_string())
            out.push_back(item.get<std::string>());
    return out;
}

Result<bool> exists(Db& db, std::string_view table, const std::string& id)
{
    auto st = db.prepare("SELECT 1 FROM " + std::string(table) + " WHERE id = ?1");
    if (!st)
        return st.error();
    st->bind(1, id);
    return st->step();
}

std::string auditPayload(const nlohmann::json& object)
{
    return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status checkPlainText(std::string_view text, std::string_view what)
{
    if (auto control = firstControlCharacter(text))
        return makeError(ErrorCode::Invalid,
            "A " + std::string(what) + " must be one line of plain text; '" + visibleText(text) + "' holds "
                + describeCodePoint(control->codePoint));
    return {};
}

std::string trimmed(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

} // namespace assay::core::sql
