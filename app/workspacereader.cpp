// SPDX-License-Identifier: MIT
#include "workspacereader.h"

#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"

#include <unordered_map>

namespace assay::app {

core::Result<WorkspaceSnapshot> readSnapshot(core::Db& db, const std::string& path)
{
    WorkspaceSnapshot s;
    s.path = path;
    s.workspaceId = core::Workspace::workspaceId(db);
    auto version = db.queryInt("PRAGMA user_version");
    if (!version)
        return version.error();
    s.schemaVersion = static_cast<int>(*version);
    auto counts = core::Workspace::counts(db);
    if (!counts)
        return counts.error();
    s.counts = std::move(*counts);
    auto models = core::ModelRepository(db).models();
    if (!models)
        return models.error();
    s.models = std::move(*models);
    auto endpoints = core::ModelRepository(db).endpoints();
    if (!endpoints)
        return endpoints.error();
    s.endpoints = std::move(*endpoints);
    auto runs = core::RunRepository(db).list();
    if (!runs)
        return runs.error();
    s.runs = std::move(*runs);
    auto datasets = core::DatasetRepository(db).list();
    if (!datasets)
        return datasets.error();
    s.datasets = std::move(*datasets);

    core::PromptRepository prompts(db);
    auto list = prompts.list();
    if (!list)
        return list.error();
    auto latest = prompts.latestVersions();
    if (!latest)
        return latest.error();
    std::unordered_map<std::string, const core::PromptVersion*> latestById;
    for (const core::PromptVersion& v : *latest)
        latestById.emplace(v.promptId, &v);
    s.prompts.reserve(list->size());
    for (core::PromptSummary& summary : *list) {
        widgets::PromptEntry e;
        e.id = summary.prompt.id;
        e.name = summary.prompt.name;
        e.folder = summary.prompt.folder;
        e.description = summary.prompt.description;
        e.tags = summary.prompt.tags;
        e.isChain = summary.prompt.isChain;
        e.latestVersion = summary.latestVersion;
        e.updatedAt = summary.prompt.updatedAt;
        for (const core::PromptLabel& l : summary.labels) {
            e.labels.push_back(l.label + " → v" + std::to_string(l.versionNumber));
            e.labelNames.push_back(l.label);
        }
        auto found = latestById.find(e.id);
        if (found == latestById.end()) {
            s.prompts.push_back(std::move(e));
            continue;
        }
        const core::PromptContent& c = found->second->content;
        // As the request sends them: system, then the few-shot examples, then the rest.
        for (const core::ChatMessage& m : c.messages)
            if (m.role == "system")
                e.messages.push_back(m);
        for (const core::ChatMessage& m : c.fewShot)
            e.messages.push_back({ "example · " + m.role, m.content });
        for (const core::ChatMessage& m : c.messages)
            if (m.role != "system")
                e.messages.push_back(m);
        for (const core::ChainStep& step : c.steps) {
            e.stepNames.push_back(step.name);
            for (const core::ChatMessage& m : step.messages)
                e.messages.push_back({ "step " + step.name + " · " + m.role, m.content });
        }
        s.prompts.push_back(std::move(e));
    }
    return s;
}

} // namespace assay::app
