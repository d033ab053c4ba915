// SPDX-License-Identifier: MIT
#include "workspacereader.h"

#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"
#include "storage/workspacesettings.h"

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
    auto offline = core::WorkspaceSettings::offline(db);
    if (!offline)
        return offline.error();
    s.offline = *offline;
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
        s.prompts.push_back(std::move(e));
    }
    return s;
}

} // namespace assay::app
