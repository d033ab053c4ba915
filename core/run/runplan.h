// SPDX-License-Identifier: MIT
#pragma once

#include "domain/model.h"
#include "domain/prompt.h"
#include "providers/provider.h"
#include "run/rundefinition.h"
#include "storage/db.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace assay::core {

/// A prompt of the run, as resolved: the reference the user wrote and the version it names now.
struct PlannedPrompt {
    std::string reference; ///< "classify@prod"
    PromptVersion version;
};

/// A row the prompts are rendered with. id is the dataset row's id (nullopt for inline rows and runs without rows).
struct PlannedRow {
    std::optional<std::string> id;
    nlohmann::json inputs = nlohmann::json::object();
};

/// One cell: prompt version × endpoint × row × repeat, with the request it sends.
struct PlannedCell {
    std::string key; ///< cellKey(): stable across runs, resumes and machines
    std::size_t promptIndex = 0;
    std::size_t endpointIndex = 0;
    std::size_t rowIndex = 0;
    int repeat = 0;
    ProviderRequest request; ///< model, rendered messages, merged parameters, stream (no stop token)
    nlohmann::json normalized; ///< what requestHash is taken over (no secrets)
    std::string requestHash;
    std::optional<Error> renderError; ///< the row lacks a variable: the cell fails without a request
};

/// The cells of a run in a fixed order (prompt, endpoint, row, repeat), built from a definition and the
/// workspace. Value type; immutable once built.
class RunPlan {
public:
    /// Resolves the definition's prompts ("NAME@label" as of now), endpoints and dataset in @p db and expands.
    static Result<RunPlan> resolve(const RunDefinition& definition, Db& db);
    /// Rebuilds the plan a run was started with from its stored pinned() JSON: the same versions, endpoints and
    /// rows even when labels moved or rows were added since. Execution settings come from @p definition, whose
    /// grid must equal the stored one (Invalid otherwise).
    static Result<RunPlan> fromPinned(const RunDefinition& definition, const nlohmann::json& pinned, Db& db);
    /// Pure expansion (no database): every prompt × endpoint × row × repeat.
    static Result<RunPlan> expand(const RunDefinition& definition, std::vector<PlannedPrompt> prompts,
        std::vector<Endpoint> endpoints, std::vector<PlannedRow> rows);

    /// "sha256(version|endpoint|row|repeat)" in hex; row is the row id, "inline:<i>" or "" without rows.
    static std::string cellKey(
        const std::string& versionId, const std::string& endpointId, const std::string& rowKey, int repeat);
    /// SHA-256 hex of normalized.dump() (object keys sorted, so the bytes are canonical).
    static std::string requestHash(const nlohmann::json& normalized);
    /// {"model", "messages", "parameters"} (+ "repeat" for repeats after the first, so repeats are not
    /// answered from each other in the cache; + "servedBy" when given, so two services that both call their model
    /// "gpt-4o" never answer for each other). Never holds a key: keys are not part of a request.
    static nlohmann::json normalizeRequest(
        const ProviderRequest& request, int repeat, const nlohmann::json& servedBy = nullptr);
    /// What serves an endpoint's answers, for the cache: the local runner's model file (SHA-256) and adapters,
    /// whatever port it is on today; otherwise the API kind and base URL (credentials removed). Not its name, id or
    /// key: renaming an endpoint or rotating its key keeps its cache.
    static nlohmann::json servedBy(const Endpoint& endpoint);

    /// What run.plan stores: the definition and the ids the grid resolved to.
    [[nodiscard]] nlohmann::json pinned() const;
    [[nodiscard]] const RunDefinition& definition() const { return m_definition; }
    [[nodiscard]] const std::vector<PlannedPrompt>& prompts() const { return m_prompts; }
    [[nodiscard]] const std::vector<Endpoint>& endpoints() const { return m_endpoints; }
    [[nodiscard]] const std::vector<PlannedRow>& rows() const { return m_rows; }
    [[nodiscard]] const std::vector<PlannedCell>& cells() const { return m_cells; }
    [[nodiscard]] std::vector<std::string> keys() const;
    /// Index of the cell with @p key, or nullopt.
    [[nodiscard]] std::optional<std::size_t> indexOf(const std::string& key) const;

private:
    RunDefinition m_definition;
    std::vector<PlannedPrompt> m_prompts;
    std::vector<Endpoint> m_endpoints;
    std::vector<PlannedRow> m_rows;
    std::string m_datasetId;
    std::vector<PlannedCell> m_cells;
    std::unordered_map<std::string, std::size_t> m_index; ///< key -> cell
};

} // namespace assay::core
