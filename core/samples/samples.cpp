// SPDX-License-Identifier: MIT
#include "samples/samples.h"

#include "catalog/promptjson.h"
#include "samples/embedded.h"
#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"

#include <nlohmann/json.hpp>

namespace assay::core {

namespace {
using nlohmann::json;

const char* const kActor = "assay-samples";

Error badField(const std::string& where, const std::string& what)
{
    return makeError(ErrorCode::Invalid, "Sample content is malformed at " + where + ": " + what);
}

template <typename T> std::optional<T> opt(const json& j, const char* key)
{
    if (!j.contains(key) || j[key].is_null())
        return std::nullopt;
    return j[key].get<T>();
}

Status seedModels(Db& db, const json& root)
{
    if (!root.contains("models") || !root["models"].is_array())
        return badField("models.json", "\"models\" must be an array");
    ModelRepository repo(db, kActor);
    int index = 0;
    for (const json& m : root["models"]) {
        const std::string where = "models.json models[" + std::to_string(index++) + "]";
        if (!m.is_object() || !m.contains("name") || !m["name"].is_string())
            return badField(where, "\"name\" must be a string");
        try {
            Model model;
            model.name = m["name"].get<std::string>();
            model.provider = m.value("provider", "");
            model.openWeights = m.value("open_weights", false);
            model.licence = m.value("licence", "");
            model.commercialUse = opt<bool>(m, "commercial_use");
            model.parametersB = opt<double>(m, "parameters_b");
            model.contextWindow = opt<std::int64_t>(m, "context_window");
            model.fineTunable = opt<bool>(m, "fine_tunable");
            model.trainingData = m.value("training_data", "");
            model.languages = m.value("languages", "");
            model.hardware = m.value("hardware", "");
            model.notes = m.value("notes", "");
            if (auto r = repo.createModel(std::move(model)); !r)
                return r.error();
        } catch (const json::exception& e) {
            return badField(where, e.what());
        }
    }
    return {};
}

Status seedDatasets(Db& db, const json& root)
{
    if (!root.contains("datasets"))
        return {};
    if (!root["datasets"].is_array())
        return badField("catalog.json", "\"datasets\" must be an array");
    DatasetRepository repo(db, kActor);
    int index = 0;
    for (const json& d : root["datasets"]) {
        const std::string where = "catalog.json datasets[" + std::to_string(index++) + "]";
        try {
            auto ds = repo.create(d.at("name").get<std::string>(), d.value("description", ""),
                d.value("label_set", std::vector<std::string> {}));
            if (!ds)
                return ds.error();
            std::vector<DatasetRow> rows;
            for (const json& r : d.at("rows")) {
                DatasetRow row;
                row.inputs = r.at("inputs");
                if (r.contains("expected"))
                    row.expected = r["expected"].get<std::string>();
                row.split = r.value("split", "");
                rows.push_back(std::move(row));
            }
            if (auto added = repo.addRows(ds->id, std::move(rows)); !added)
                return added.error();
        } catch (const json::exception& e) {
            return badField(where, e.what());
        }
    }
    return {};
}

/// One entry of "prompts" or "chains": meta fields, labels, and the content keys of promptjson.h.
Status seedPrompt(PromptRepository& repo, const json& p, const std::string& where)
{
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string())
        return badField(where, "\"name\" must be a string");
    Prompt meta;
    std::vector<std::string> labels;
    json content = json::object();
    try {
        meta.name = p["name"].get<std::string>();
        meta.folder = p.value("folder", "");
        meta.description = p.value("description", "");
        meta.tags = p.value("tags", std::vector<std::string> {});
        labels = p.value("labels", std::vector<std::string> {});
    } catch (const json::exception& e) {
        return badField(where, e.what());
    }
    for (const auto& [key, value] : p.items())
        if (key != "name" && key != "folder" && key != "description" && key != "tags" && key != "labels")
            content[key] = value;
    auto parsed = promptContentFromJson(content);
    if (!parsed)
        return badField(where, parsed.error().message);
    auto v = repo.createPrompt(meta, *parsed, kActor, "Sample content");
    if (!v)
        return badField(where, v.error().message);
    for (const auto& label : labels)
        if (auto l = repo.setLabel(v->promptId, label, v->number); !l)
            return badField(where, l.error().message);
    return {};
}

Status seedPrompts(Db& db, const json& root)
{
    PromptRepository repo(db, kActor);
    for (const char* key : { "prompts", "chains" }) {
        if (!root.contains(key))
            continue;
        if (!root[key].is_array())
            return badField("catalog.json", std::string("\"") + key + "\" must be an array");
        int index = 0;
        for (const json& p : root[key])
            ASSAY_TRY(seedPrompt(repo, p, "catalog.json " + std::string(key) + "[" + std::to_string(index++) + "]"));
    }
    return {};
}

Result<json> parse(const char* text, const char* file)
{
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return badField(file, "not a JSON object");
    return j;
}
} // namespace

Status seedSamples(Db& db)
{
    auto models = parse(embedded::kSampleModelsJson, "models.json");
    if (!models)
        return models.error();
    auto catalog = parse(embedded::kSampleCatalogJson, "catalog.json");
    if (!catalog)
        return catalog.error();

    Transaction tx(db);
    if (!tx.began())
        return tx.beginError();
    ASSAY_TRY(seedModels(db, *models));
    ASSAY_TRY(seedDatasets(db, *catalog));
    ASSAY_TRY(seedPrompts(db, *catalog));
    return tx.commit();
}

} // namespace assay::core
