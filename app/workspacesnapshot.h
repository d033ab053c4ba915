// SPDX-License-Identifier: MIT
#pragma once

#include "domain/dataset.h"
#include "domain/model.h"
#include "domain/run.h"
#include "models/promptlistmodel.h"

#include <QMetaType>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace assay::app {

using PromptSummary = widgets::PromptEntry;

/// What the pages show of an open workspace; built on the workspace thread, handed to the GUI thread by value.
struct WorkspaceSnapshot {
    std::string path;
    std::string workspaceId;
    int schemaVersion = 0;
    std::map<std::string, std::int64_t> counts; ///< aggregate table -> rows
    std::vector<core::Model> models;
    std::vector<core::Endpoint> endpoints;
    std::vector<core::Run> runs; ///< newest first
    std::vector<core::Dataset> datasets;
    std::vector<PromptSummary> prompts;
    bool createdNow = false; ///< the file was created by this request (first start)
    bool offline = false; ///< the workspace's own offline setting (core::WorkspaceSettings), honoured on open

    std::int64_t count(const std::string& table) const
    {
        auto it = counts.find(table);
        return it == counts.end() ? 0 : it->second;
    }
};

} // namespace assay::app

Q_DECLARE_METATYPE(assay::app::WorkspaceSnapshot)
