// SPDX-License-Identifier: MIT
#include "workspacereader.h"

#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/workspace.h"

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
    auto datasets = core::DatasetRepository(db).list();
    if (!datasets)
        return datasets.error();
    s.datasets = std::move(*datasets);
    return s;
}

} // namespace assay::app
