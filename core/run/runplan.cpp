// SPDX-License-Identifier: MIT
#include "run/runplan.h"

#include "http/redact.h"

#include "catalog/template.h"
#include "domain/run.h"
#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "util/ids.h"

#include <algorithm>
#include <tuple>

namespace assay::core {

namespace {
using json = nlohmann::json;

ModelParameters merged(ModelParameters base, const RunDefinition& d)
{
    const ModelParameters o = d.parameterOverrides();
    if (o.temperature)
        base.temperature = o.temperature;
    if (o.topP)
        base.topP = o.topP;
    if (o.maxTokens)
        base.maxTokens = o.maxTokens;
    if (!o.stop.empty())
        base.stop = o.stop;
    if (o.seed)
        base.seed = o.seed;
    if (!base.seed && d.seed)
        base.seed = d.seed;
    return base;
}

Result<std::vector<PlannedRow>> datasetRows(Db& db, const std::string& datasetId)
{
    auto rows = DatasetRepository(db).allRows(datasetId);
    if (!rows)
        return rows.error();
    std::vector<PlannedRow> out;
    out.reserve(rows->size());
    for (auto& r : *rows)
        out.push_back(PlannedRow { r.id, std::move(r.inputs) });
    return out;
}

Result<std::vector<PlannedRow>> rowsOf(const RunDefinition& d, Db& db, std::string& datasetId)
{
    if (!d.dataset.empty()) {
        DatasetRepository datasets(db);
        auto found = datasets.findByName(d.dataset);
        if (!found)
            return found.error();
        if (!*found)
            return makeError(
                ErrorCode::NotFound, "run definition: dataset: there is no dataset named '" + d.dataset + "'");
        datasetId = (*found)->id;
        auto rows = datasetRows(db, datasetId);
        if (!rows)
            return rows.error();
        if (rows->empty())
            return makeError(ErrorCode::Invalid, "run definition: dataset '" + d.dataset + "' has no rows");
        return rows;
    }
    std::vector<PlannedRow> rows;
    for (const auto& r : d.rows)
        rows.push_back(PlannedRow { std::nullopt, r });
    if (rows.empty())
        rows.push_back(PlannedRow {});
    return rows;
}
} // namespace

std::string RunPlan::cellKey(
    const std::string& versionId, const std::string& endpointId, const std::string& rowKey, int repeat)
{
    return sha256Hex(RunCell::makeKey(versionId, endpointId, rowKey, repeat));
}

json RunPlan::servedBy(const Endpoint& endpoint)
{
    const json runner = endpoint.settings.is_object() ? endpoint.settings.value("runner", json()) : json();
    if (runner.is_object() && !runner.value("modelSha256", std::string()).empty())
        return { { "kind", "local" }, { "modelSha256", runner.value("modelSha256", std::string()) },
            { "loraPaths", runner.value("loraPaths", json::array()) } };
    return { { "kind", endpointKindName(endpoint.kind) }, { "baseUrl", redactUrl(endpoint.baseUrl) } };
}

json RunPlan::normalizeRequest(const ProviderRequest& request, int repeat, const json& servedBy)
{
    json messages = json::array();
    for (const auto& m : request.messages)
        messages.push_back({ { "role", m.role }, { "content", m.content } });
    json params = json::object();
    const ModelParameters& p = request.parameters;
    if (p.temperature)
        params["temperature"] = *p.temperature;
    if (p.topP)
        params["top_p"] = *p.topP;
    if (p.maxTokens)
        params["max_tokens"] = *p.maxTokens;
    if (!p.stop.empty())
        params["stop"] = p.stop;
    if (p.seed)
        params["seed"] = *p.seed;
    json j { { "model", request.model }, { "messages", std::move(messages) }, { "parameters", std::move(params) } };
    if (repeat > 0)
        j["repeat"] = repeat;
    if (!servedBy.is_null())
        j["servedBy"] = servedBy;
    return j;
}

std::string RunPlan::requestHash(const json& normalized)
{
    return sha256Hex(normalized.dump());
}

Result<RunPlan> RunPlan::expand(const RunDefinition& definition, std::vector<PlannedPrompt> prompts,
    std::vector<Endpoint> endpoints, std::vector<PlannedRow> rows)
{
    RunPlan plan;
    plan.m_definition = definition;
    plan.m_prompts = std::move(prompts);
    plan.m_endpoints = std::move(endpoints);
    plan.m_rows = std::move(rows);
    if (plan.m_rows.empty())
        plan.m_rows.push_back(PlannedRow {});
    for (const auto& p : plan.m_prompts)
        if (!p.version.content.steps.empty())
            return makeError(ErrorCode::Unsupported,
                "run definition: prompt '" + p.reference + "' is a chain; runs execute template prompts only");
    const std::size_t total = plan.m_prompts.size() * plan.m_endpoints.size() * plan.m_rows.size()
        * static_cast<std::size_t>(definition.repeats);
    plan.m_cells.reserve(total);
    std::vector<json> served;
    for (const auto& e : plan.m_endpoints)
        served.push_back(servedBy(e));
    for (std::size_t pi = 0; pi < plan.m_prompts.size(); ++pi) {
        const PromptVersion& version = plan.m_prompts[pi].version;
        const ModelParameters params = merged(version.content.parameters, definition);
        for (std::size_t ri = 0; ri < plan.m_rows.size(); ++ri) {
            const PlannedRow& row = plan.m_rows[ri];
            // Rendering depends on prompt and row only: once for all endpoints and repeats.
            auto messages = renderMessages(version.content, row.inputs);
            const std::string rowKey
                = row.id ? *row.id : (definition.rows.empty() ? std::string() : "inline:" + std::to_string(ri));
            for (std::size_t ei = 0; ei < plan.m_endpoints.size(); ++ei) {
                const Endpoint& endpoint = plan.m_endpoints[ei];
                for (int rep = 0; rep < definition.repeats; ++rep) {
                    PlannedCell c;
                    c.key = cellKey(version.id, endpoint.id, rowKey, rep);
                    c.promptIndex = pi;
                    c.endpointIndex = ei;
                    c.rowIndex = ri;
                    c.repeat = rep;
                    c.request.model = endpoint.remoteModel;
                    c.request.parameters = params;
                    c.request.stream = definition.stream;
                    if (messages)
                        c.request.messages = *messages;
                    else
                        c.renderError = messages.error();
                    c.normalized = normalizeRequest(c.request, rep, served[ei]);
                    c.requestHash = requestHash(c.normalized);
                    plan.m_cells.push_back(std::move(c));
                }
            }
        }
    }
    // Fixed order: prompt, endpoint, row, repeat (the loops above nest row outside endpoint to render once).
    std::stable_sort(plan.m_cells.begin(), plan.m_cells.end(), [](const PlannedCell& a, const PlannedCell& b) {
        return std::tie(a.promptIndex, a.endpointIndex, a.rowIndex, a.repeat)
            < std::tie(b.promptIndex, b.endpointIndex, b.rowIndex, b.repeat);
    });
    for (std::size_t i = 0; i < plan.m_cells.size(); ++i)
        if (!plan.m_index.emplace(plan.m_cells[i].key, i).second)
            return makeError(ErrorCode::Invalid,
                "run definition: two cells share the key " + plan.m_cells[i].key
                    + " (a prompt version or endpoint is listed twice)");
    return plan;
}

Result<RunPlan> RunPlan::resolve(const RunDefinition& definition, Db& db)
{
    PromptRepository promptRepo(db);
    std::vector<PlannedPrompt> prompts;
    for (const auto& ref : definition.prompts) {
        auto version = promptRepo.resolve(ref);
        if (!version)
            return makeError(version.error().code, "run definition: prompts: " + version.error().message);
        prompts.push_back(PlannedPrompt { ref, std::move(*version) });
    }
    ModelRepository models(db);
    std::vector<Endpoint> endpoints;
    for (const auto& name : definition.endpoints) {
        auto found = models.findEndpointByName(name);
        if (!found)
            return found.error();
        if (!*found)
            return makeError(ErrorCode::NotFound,
                "run definition: endpoints: there is no endpoint named '" + name
                    + "' (see `assay-cli endpoints list`)");
        endpoints.push_back(std::move(**found));
    }
    std::string datasetId;
    auto rows = rowsOf(definition, db, datasetId);
    if (!rows)
        return rows.error();
    auto plan = expand(definition, std::move(prompts), std::move(endpoints), std::move(*rows));
    if (plan)
        plan->m_datasetId = datasetId;
    return plan;
}

json RunPlan::pinned() const
{
    json versions = json::array();
    for (const auto& p : m_prompts)
        versions.push_back({ { "reference", p.reference }, { "promptId", p.version.promptId },
            { "number", p.version.number }, { "versionId", p.version.id } });
    json endpoints = json::array();
    for (const auto& e : m_endpoints)
        endpoints.push_back({ { "name", e.name }, { "id", e.id } });
    json j { { "definition", m_definition.toJson() }, { "versions", versions }, { "endpoints", endpoints },
        { "cells", m_cells.size() } };
    if (!m_datasetId.empty()) {
        json rowIds = json::array();
        for (const auto& r : m_rows)
            rowIds.push_back(r.id.value_or(""));
        j["dataset"] = { { "id", m_datasetId }, { "rowIds", rowIds } };
    }
    return j;
}

Result<RunPlan> RunPlan::fromPinned(const RunDefinition& definition, const json& pinned, Db& db)
{
    const auto bad = makeError(ErrorCode::Corrupt, "The stored plan of this run is not readable");
    if (!pinned.is_object() || !pinned.contains("definition") || !pinned.contains("versions")
        || !pinned.contains("endpoints"))
        return bad;
    auto stored = RunDefinition::parse(pinned["definition"]);
    if (!stored)
        return bad;
    if (stored->gridJson() != definition.gridJson())
        return makeError(ErrorCode::Invalid,
            "The run definition's grid (prompts, endpoints, dataset or rows, repeats, parameters, seed) differs from "
            "the run being resumed; resume with the file the run was started with");
    try {
        PromptRepository promptRepo(db);
        std::vector<PlannedPrompt> prompts;
        for (const auto& v : pinned["versions"]) {
            auto version = promptRepo.version(v.at("promptId").get<std::string>(), v.at("number").get<int>());
            if (!version)
                return version.error();
            if (version->id != v.at("versionId").get<std::string>())
                return bad;
            prompts.push_back(PlannedPrompt { v.at("reference").get<std::string>(), std::move(*version) });
        }
        ModelRepository models(db);
        std::vector<Endpoint> endpoints;
        for (const auto& e : pinned["endpoints"]) {
            auto endpoint = models.endpoint(e.at("id").get<std::string>());
            if (!endpoint)
                return endpoint.error();
            endpoints.push_back(std::move(*endpoint));
        }
        std::vector<PlannedRow> rows;
        std::string datasetId;
        if (pinned.contains("dataset")) {
            datasetId = pinned["dataset"].at("id").get<std::string>();
            auto all = datasetRows(db, datasetId);
            if (!all)
                return all.error();
            std::unordered_map<std::string, PlannedRow*> byId;
            for (auto& r : *all)
                byId.emplace(*r.id, &r);
            for (const auto& id : pinned["dataset"].at("rowIds")) {
                const auto it = byId.find(id.get<std::string>());
                if (it == byId.end())
                    return makeError(ErrorCode::NotFound,
                        "A dataset row of the run being resumed was deleted (row " + id.get<std::string>() + ")");
                rows.push_back(*it->second);
            }
        } else {
            auto inlineRows = rowsOf(definition, db, datasetId);
            if (!inlineRows)
                return inlineRows.error();
            rows = std::move(*inlineRows);
        }
        auto plan = expand(definition, std::move(prompts), std::move(endpoints), std::move(rows));
        if (plan)
            plan->m_datasetId = datasetId;
        return plan;
    } catch (const json::exception&) {
        return bad;
    }
}

std::vector<std::string> RunPlan::keys() const
{
    std::vector<std::string> out;
    out.reserve(m_cells.size());
    for (const auto& c : m_cells)
        out.push_back(c.key);
    return out;
}

std::optional<std::size_t> RunPlan::indexOf(const std::string& key) const
{
    const auto it = m_index.find(key);
    if (it == m_index.end())
        return std::nullopt;
    return it->second;
}

} // namespace assay::core
