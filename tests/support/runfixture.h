// SPDX-License-Identifier: MIT
#pragma once
// Seeds a workspace for run-engine tests and benchmarks: prompts (labelled prod), endpoints pointing at a loopback
// server (one path prefix per endpoint so the server can tell them apart) and a dataset whose rows are unique.
// Header-only, core only (no Qt), so the bench binary can use it too.

#include "domain/model.h"
#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"

#include <string>
#include <vector>

namespace assay::test {

struct RunFixtureSpec {
    std::string baseUrl; ///< the loopback server, e.g. http://127.0.0.1:4242
    int prompts = 2;
    int endpoints = 3;
    int rows = 10;
    std::string secretRef; ///< the key NAME every endpoint uses ("" = none)
    std::string datasetName = "rows";
};

/// What was created, by name.
struct RunFixture {
    std::vector<std::string> prompts; ///< "p0@prod", ...
    std::vector<std::string> endpoints; ///< "e0", ...
    std::string dataset;
};

/// Endpoint i answers on <baseUrl>/e<i>/v1/chat/completions with model "model-<i>".
inline core::Result<RunFixture> seedRunFixture(core::Db& db, const RunFixtureSpec& spec)
{
    RunFixture out;
    core::PromptRepository prompts(db, "test");
    for (int i = 0; i < spec.prompts; ++i) {
        core::PromptContent c;
        c.messages.push_back({ "system", "You label sentiment. Variant " + std::to_string(i) + "." });
        c.messages.push_back({ "user", "Label this review: {{text}}" });
        c.parameters.maxTokens = 16;
        core::Prompt meta;
        meta.name = "p" + std::to_string(i);
        auto v = prompts.createPrompt(meta, c, "test");
        if (!v)
            return v.error();
        if (auto l = prompts.setLabel(v->promptId, "prod", 1); !l)
            return l.error();
        out.prompts.push_back(meta.name + "@prod");
    }
    core::ModelRepository models(db, "test");
    for (int i = 0; i < spec.endpoints; ++i) {
        core::Endpoint e;
        e.name = "e" + std::to_string(i);
        e.kind = core::EndpointKind::OpenAi;
        e.baseUrl = spec.baseUrl + "/e" + std::to_string(i) + "/v1";
        e.remoteModel = "model-" + std::to_string(i);
        e.secretRef = spec.secretRef;
        auto made = models.createEndpoint(e);
        if (!made)
            return made.error();
        out.endpoints.push_back(e.name);
    }
    if (spec.rows > 0) {
        core::DatasetRepository datasets(db, "test");
        auto ds = datasets.create(spec.datasetName);
        if (!ds)
            return ds.error();
        std::vector<core::DatasetRow> rows;
        for (int i = 0; i < spec.rows; ++i) {
            core::DatasetRow r;
            r.inputs = { { "text", "review number " + std::to_string(i) + " was fine" } };
            rows.push_back(std::move(r));
        }
        if (auto added = datasets.addRows(ds->id, std::move(rows)); !added)
            return added.error();
        out.dataset = spec.datasetName;
    }
    return out;
}

} // namespace assay::test
