// SPDX-License-Identifier: MIT
#include "compare/comparegrid.h"

#include "run/rundefinition.h"
#include "run/runplan.h"
#include "storage/datasetrepository.h"
#include "storage/evalrepository.h"
#include "storage/reviewrepository.h"
#include "util/jsonread.h"

#include <set>

namespace assay::core {

namespace {
using nlohmann::json;

Error unreadable(const std::string& runId, const std::string& what)
{
    return makeError(ErrorCode::Corrupt, "The stored plan of run " + runId + " is not readable: " + what);
}
} // namespace

Result<CompareGrid> CompareGrid::layout(const Run& run, const std::vector<DatasetRow>& datasetRows)
{
    // The plan is stored JSON: read through util/jsonread.h (no exception, whatever shape it has).
    const json& plan = run.plan;
    const json* stored = jsonField(plan, "definition");
    if (!stored || !jsonField(plan, "versions") || !jsonField(plan, "versions")->is_array()
        || !jsonField(plan, "endpoints") || !jsonField(plan, "endpoints")->is_array())
        return unreadable(run.id, "definition, versions or endpoints missing");
    auto definition = RunDefinition::parse(*stored);
    if (!definition)
        return unreadable(run.id, definition.error().message);

    CompareGrid g;
    g.m_run = run;
    const auto& versions = jsonArray(plan, "versions");
    const auto& endpoints = jsonArray(plan, "endpoints");
    std::set<std::string> distinctVersions;
    for (const auto& v : versions)
        distinctVersions.insert(jsonText(v, "versionId"));
    for (const auto& v : versions) {
        for (const auto& e : endpoints) {
            CompareColumn c;
            c.promptVersionId = jsonText(v, "versionId");
            c.promptReference = jsonText(v, "reference");
            c.promptNumber = jsonInt(v, "number").value_or(0);
            c.endpointId = jsonText(e, "id");
            c.endpointName = jsonText(e, "name");
            c.title = c.endpointName;
            if (distinctVersions.size() > 1) {
                // "gpt · classify v3", or "gpt · classify v3 (prod)" when the run named it by a label.
                const auto at = c.promptReference.find('@');
                const std::string name = c.promptReference.substr(0, at);
                const std::string label = at == std::string::npos ? "" : c.promptReference.substr(at + 1);
                const bool number = !label.empty() && label.find_first_not_of("0123456789") == std::string::npos;
                c.title += " · " + name + " v" + std::to_string(c.promptNumber)
                    + (label.empty() || number ? "" : " (" + label + ")");
            }
            if (c.promptVersionId.empty() || c.endpointId.empty())
                return unreadable(run.id, "a version or endpoint without an id");
            g.m_columns.push_back(std::move(c));
        }
    }

    // Inputs: dataset rows by id, inline rows by position, or one empty input.
    std::vector<CompareRow> inputs;
    if (jsonField(plan, "dataset")) {
        std::unordered_map<std::string, const DatasetRow*> byId;
        for (const auto& r : datasetRows)
            byId.emplace(r.id, &r);
        for (const auto& id : jsonArray(jsonObject(plan, "dataset"), "rowIds")) {
            if (!id.is_string())
                return unreadable(run.id, "a dataset row id that is not a string");
            CompareRow row;
            row.rowKey = id.get<std::string>();
            row.rowId = row.rowKey;
            if (auto it = byId.find(row.rowKey); it != byId.end()) {
                row.inputs = it->second->inputs;
                row.expected = it->second->expected;
            }
            inputs.push_back(std::move(row));
        }
    } else if (!definition->rows.empty()) {
        for (std::size_t i = 0; i < definition->rows.size(); ++i) {
            CompareRow row;
            row.rowKey = "inline:" + std::to_string(i);
            row.inputs = definition->rows[i];
            inputs.push_back(std::move(row));
        }
    }
    if (inputs.empty())
        inputs.emplace_back();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        for (int rep = 0; rep < definition->repeats; ++rep) {
            CompareRow row = inputs[i];
            row.number = static_cast<std::int64_t>(i) + 1;
            row.repeat = rep;
            g.m_rows.push_back(std::move(row));
        }
    }

    const std::size_t cols = g.m_columns.size();
    g.m_keys.resize(g.m_rows.size() * cols);
    g.m_cellOfSlot.assign(g.m_keys.size(), -1);
    g.m_slotOfKey.reserve(g.m_keys.size());
    for (std::size_t r = 0; r < g.m_rows.size(); ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t slot = r * cols + c;
            g.m_keys[slot] = RunPlan::cellKey(
                g.m_columns[c].promptVersionId, g.m_columns[c].endpointId, g.m_rows[r].rowKey, g.m_rows[r].repeat);
            g.m_slotOfKey.emplace(g.m_keys[slot], slot);
        }
    }
    return g;
}

Result<CompareGrid> CompareGrid::load(
    Db& db, const std::string& runId, RunRepository::Detail detail, std::size_t textRows)
{
    RunRepository runs(db);
    auto run = runs.get(runId);
    if (!run)
        return run.error();
    std::vector<DatasetRow> datasetRows;
    if (jsonField(run->plan, "dataset")) {
        auto rows = DatasetRepository(db).allRows(jsonText(jsonObject(run->plan, "dataset"), "id"));
        if (!rows)
            return rows.error();
        datasetRows = std::move(*rows);
    }
    auto grid = layout(*run, datasetRows);
    if (!grid)
        return grid.error();
    auto cells = runs.cells(runId, detail);
    if (!cells)
        return cells.error();
    grid->m_cells.reserve(cells->size());
    grid->m_hasText.reserve(cells->size());
    for (auto& c : *cells)
        grid->setCell(std::move(c));
    if (detail == RunRepository::Detail::Badges) {
        std::fill(grid->m_hasText.begin(), grid->m_hasText.end(), char { 0 });
        grid->m_textsComplete = grid->m_cells.empty();
        const std::size_t first = std::min(textRows, grid->rowCount()) * grid->columnCount();
        if (first > 0) {
            const std::vector<std::string> keys(
                grid->m_keys.begin(), grid->m_keys.begin() + static_cast<std::ptrdiff_t>(first));
            auto texts = runs.cellTexts(runId, &keys);
            if (!texts)
                return texts.error();
            grid->setTexts(std::move(*texts), false);
        }
    }
    EvalRepository eval(db);
    auto scores = eval.scoresForRun(runId);
    if (!scores)
        return scores.error();
    for (auto& s : *scores)
        grid->m_evaluations[s.cellId].scores.push_back(std::move(s));
    auto verdicts = eval.verdictsForRun(runId);
    if (!verdicts)
        return verdicts.error();
    for (auto& v : *verdicts)
        grid->m_evaluations[v.cellId].verdicts.push_back(std::move(v));
    auto ratings = ReviewRepository(db).ratingsForRun(runId);
    if (!ratings)
        return ratings.error();
    for (auto& r : *ratings)
        grid->m_evaluations[r.cellId].ratings.push_back(std::move(r));
    return grid;
}

const RunCell* CompareGrid::cell(std::size_t row, std::size_t column) const
{
    const std::size_t slot = row * m_columns.size() + column;
    if (row >= m_rows.size() || column >= m_columns.size() || m_cellOfSlot[slot] < 0)
        return nullptr;
    return &m_cells[static_cast<std::size_t>(m_cellOfSlot[slot])];
}

const std::string& CompareGrid::key(std::size_t row, std::size_t column) const
{
    return m_keys.at(row * m_columns.size() + column);
}

std::optional<std::pair<std::size_t, std::size_t>> CompareGrid::locate(const std::string& cellKey) const
{
    const auto it = m_slotOfKey.find(cellKey);
    if (it == m_slotOfKey.end() || m_columns.empty())
        return std::nullopt;
    return std::make_pair(it->second / m_columns.size(), it->second % m_columns.size());
}

std::optional<std::pair<std::size_t, std::size_t>> CompareGrid::setCell(RunCell cell)
{
    const auto at = locate(cell.cellKey);
    if (!at)
        return std::nullopt;
    const std::size_t slot = at->first * m_columns.size() + at->second;
    if (m_cellOfSlot[slot] >= 0) {
        m_cells[static_cast<std::size_t>(m_cellOfSlot[slot])] = std::move(cell);
        m_hasText[static_cast<std::size_t>(m_cellOfSlot[slot])] = 1;
    } else {
        m_cellOfSlot[slot] = static_cast<std::int32_t>(m_cells.size());
        m_cells.push_back(std::move(cell));
        m_hasText.push_back(1);
    }
    return at;
}

bool CompareGrid::hasText(std::size_t row, std::size_t column) const
{
    const std::size_t slot = row * m_columns.size() + column;
    if (row >= m_rows.size() || column >= m_columns.size() || m_cellOfSlot[slot] < 0)
        return false;
    return m_hasText[static_cast<std::size_t>(m_cellOfSlot[slot])] != 0;
}

void CompareGrid::setTexts(std::vector<RunRepository::CellText> texts, bool complete)
{
    for (auto& t : texts) {
        const auto it = m_slotOfKey.find(t.cellKey);
        if (it == m_slotOfKey.end() || m_cellOfSlot[it->second] < 0)
            continue;
        const auto index = static_cast<std::size_t>(m_cellOfSlot[it->second]);
        if (m_hasText[index])
            continue; // a live commit (or a re-run) got here first with a newer text
        m_cells[index].output = std::move(t.output);
        m_cells[index].error = std::move(t.error);
        m_hasText[index] = 1;
    }
    if (complete)
        m_textsComplete = true;
}

const CellEvaluation* CompareGrid::evaluation(std::size_t row, std::size_t column) const
{
    const RunCell* c = cell(row, column);
    if (!c)
        return nullptr;
    const auto it = m_evaluations.find(c->id);
    return it == m_evaluations.end() ? nullptr : &it->second;
}

void CompareGrid::setEvaluation(const std::string& cellId, CellEvaluation evaluation)
{
    m_evaluations[cellId] = std::move(evaluation);
}

std::string CompareGrid::inputText(const CompareRow& row)
{
    if (!row.inputs.is_object() || row.inputs.empty())
        return {};
    auto valueText = [](const json& v) { return v.is_string() ? v.get<std::string>() : jsonDumpSafe(v); };
    if (row.inputs.size() == 1)
        return valueText(row.inputs.begin().value());
    std::string out;
    for (auto it = row.inputs.begin(); it != row.inputs.end(); ++it) {
        if (!out.empty())
            out += '\n';
        out += it.key() + ": " + valueText(it.value());
    }
    return out;
}

} // namespace assay::core
