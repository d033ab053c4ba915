// SPDX-License-Identifier: MIT
#include "interchange/datasetjsonl.h"

#include "interchange/fielderror.h"
#include "interchange/textinput.h"
#include "util/ids.h"

#include <nlohmann/json.hpp>

#include <map>

namespace assay::core {

using namespace interchange;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {
Result<DatasetRow> rowFromJson(const json& j, const std::string& path)
{
    ASSAY_TRY(checkKeys(j, path, { "id", "inputs", "expected", "split", "tags" }));
    DatasetRow r;
    auto id = optionalString(j, "id", path);
    if (!id)
        return id.error();
    if (*id && !isUuid(**id))
        return fieldError(fieldPath(path, "id"), "expected a UUID");
    r.id = id->value_or("");
    if (auto inputs = j.find("inputs"); inputs != j.end()) {
        if (!inputs->is_object())
            return fieldError(fieldPath(path, "inputs"), "expected an object (variable -> value)");
        r.inputs = *inputs;
    }
    auto expected = optionalString(j, "expected", path);
    if (!expected)
        return expected.error();
    r.expected = *expected;
    auto split = optionalString(j, "split", path);
    if (!split)
        return split.error();
    r.split = split->value_or("");
    auto tags = optionalStrings(j, "tags", path);
    if (!tags)
        return tags.error();
    r.tags = std::move(*tags);
    return r;
}

Result<DatasetEntry> datasetFromJson(const json& j, const std::string& path)
{
    ASSAY_TRY(checkKeys(j, path, { "name", "description", "label_set", "rows" }));
    DatasetEntry d;
    auto name = requiredString(j, "name", path);
    if (!name)
        return name.error();
    if (name->find_first_not_of(" \t") == std::string::npos)
        return fieldError(fieldPath(path, "name"), "must not be empty");
    ASSAY_TRY(checkPlainText(*name, fieldPath(path, "name")));
    d.meta.name = *name;
    auto description = optionalString(j, "description", path);
    if (!description)
        return description.error();
    d.meta.description = description->value_or("");
    auto labels = optionalStrings(j, "label_set", path);
    if (!labels)
        return labels.error();
    for (std::size_t i = 0; i < labels->size(); ++i)
        ASSAY_TRY(checkPlainText((*labels)[i], indexPath(fieldPath(path, "label_set"), i)));
    d.meta.labelSet = std::move(*labels);
    if (auto rows = j.find("rows"); rows != j.end() && !rows->is_null()) {
        const std::string rowsPath = fieldPath(path, "rows");
        if (!rows->is_array())
            return fieldError(rowsPath, "expected an array of rows");
        for (std::size_t i = 0; i < rows->size(); ++i) {
            auto r = rowFromJson((*rows)[i], indexPath(rowsPath, i));
            if (!r)
                return r.error();
            d.rows.push_back(std::move(*r));
        }
    }
    return d;
}
} // namespace

Result<std::vector<DatasetEntry>> readDatasetsJsonl(std::string_view text, const std::string& fileName)
{
    std::vector<DatasetEntry> out;
    std::map<std::string, std::size_t> names;
    std::map<std::string, std::size_t> rowIds;
    ASSAY_TRY(forEachJsonLine(text, fileName, "datasets", [&](json& j, std::size_t lineNo) -> Status {
        const std::string path = indexPath("datasets", out.size());
        auto d = datasetFromJson(j, path);
        if (!d)
            return placeFieldError(d.error(), fileName, lineNo);
        if (auto [it, fresh] = names.emplace(d->meta.name, lineNo); !fresh)
            return placeFieldError(
                fieldError(fieldPath(path, "name"),
                    "'" + d->meta.name + "' is also the name of the dataset on line " + std::to_string(it->second)),
                fileName, lineNo);
        for (std::size_t i = 0; i < d->rows.size(); ++i) {
            if (d->rows[i].id.empty())
                continue;
            if (auto [it, fresh] = rowIds.emplace(d->rows[i].id, lineNo); !fresh)
                return placeFieldError(fieldError(fieldPath(indexPath(fieldPath(path, "rows"), i), "id"),
                                           "is also the id of a row on line " + std::to_string(it->second)),
                    fileName, lineNo);
        }
        d->origin = fileName + ":" + std::to_string(lineNo);
        out.push_back(std::move(*d));
        return {};
    }));
    return out;
}

Result<std::string> writeDatasetsJsonl(const std::vector<DatasetEntry>& datasets)
{
    std::string out;
    for (const auto& d : datasets) {
        try {
            ordered_json j = ordered_json::object();
            j["name"] = d.meta.name;
            j["description"] = d.meta.description;
            j["label_set"] = d.meta.labelSet;
            ordered_json rows = ordered_json::array();
            for (const auto& r : d.rows) {
                ordered_json row = ordered_json::object();
                row["id"] = r.id;
                row["inputs"] = ordered_json::parse(r.inputs.dump());
                row["expected"] = r.expected ? ordered_json(*r.expected) : ordered_json(nullptr);
                row["split"] = r.split;
                row["tags"] = r.tags;
                rows.push_back(std::move(row));
            }
            j["rows"] = std::move(rows);
            out += j.dump();
        } catch (const json::exception& ex) {
            return makeError(ErrorCode::Invalid, "Dataset '" + d.meta.name + "' cannot be exported", ex.what());
        }
        out += '\n';
    }
    return out;
}

} // namespace assay::core
