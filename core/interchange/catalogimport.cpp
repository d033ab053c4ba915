// SPDX-License-Identifier: MIT
#include "interchange/catalogimport.h"

#include "interchange/catalogcsv.h"
#include "interchange/catalogjsonreader.h"
#include "interchange/datasetjsonl.h"
#include "interchange/promptfooformat.h"
#include "interchange/workspacebundle.h"
#include "storage/datasetrepository.h"
#include "storage/promptrepository.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"

#include <filesystem>
#include <map>

namespace assay::core {

namespace {
constexpr std::size_t kConflictsShown = 20;

/// What to do with one prompt of the file.
struct Step {
    enum class Kind { Create, Append, Skip } kind = Kind::Create;
    const CatalogEntry* entry = nullptr;
    std::vector<PromptVersion> versions; ///< Append: the versions to add
};

std::string describe(const CatalogEntry& e)
{
    return "'" + e.meta.name + "'" + (e.origin.empty() ? "" : " (" + e.origin + ")");
}

std::vector<PromptVersion> stamped(std::vector<PromptVersion> versions, const std::string& author)
{
    const std::int64_t now = nowMs();
    for (auto& v : versions) {
        if (v.createdAt == 0)
            v.createdAt = now;
        if (v.author.empty() && v.id.empty())
            v.author = author;
    }
    return versions;
}

bool sameRows(const std::vector<DatasetRow>& a, const std::vector<DatasetRow>& b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].inputs != b[i].inputs || a[i].expected != b[i].expected || a[i].split != b[i].split
            || a[i].tags != b[i].tags)
            return false;
    return true;
}
} // namespace

Result<CatalogData> CatalogImporter::parse(std::string_view text, const std::string& fileName, CatalogFormat format)
{
    const ContentCheck check = &PromptRepository::validateContent;
    CatalogData data;
    Result<std::vector<CatalogEntry>> prompts = std::vector<CatalogEntry> {};
    switch (format) {
    case CatalogFormat::Json:
        prompts = readCatalogJson(text, fileName, check);
        break;
    case CatalogFormat::Jsonl:
        prompts = readCatalogJsonl(text, fileName, check);
        break;
    case CatalogFormat::Csv:
        prompts = readCatalogCsv(text, fileName, check);
        break;
    case CatalogFormat::Promptfoo:
        prompts = std::filesystem::path(fileName).extension() == ".json" ? readPromptfooChat(text, fileName, check)
                                                                         : readPromptfooText(text, fileName, check);
        break;
    case CatalogFormat::Bundle:
        return makeError(ErrorCode::Invalid, fileName + ": a bundle is a directory; read it with read()");
    }
    if (!prompts)
        return prompts.error();
    data.prompts = std::move(*prompts);
    return data;
}

Result<CatalogData> CatalogImporter::read(const std::string& path, CatalogFormat format, const ImportOptions& options)
{
    if (format != CatalogFormat::Bundle) {
        auto text = readTextFile(path, options.maxBytes);
        if (!text)
            return text.error();
        return parse(*text, path, format);
    }
    auto files = readBundle(path, options.maxBytes);
    if (!files)
        return files.error();
    const std::string dir = path;
    auto data = parse(files->catalog, (std::filesystem::path(dir) / kBundleCatalog).string(), CatalogFormat::Json);
    if (!data)
        return data.error();
    auto sets = readDatasetsJsonl(files->datasets, (std::filesystem::path(dir) / kBundleDatasets).string());
    if (!sets)
        return sets.error();
    data->datasets = std::move(*sets);
    return data;
}

Result<ImportReport> CatalogImporter::importFrom(
    const std::string& path, CatalogFormat format, const ImportOptions& options)
{
    auto data = read(path, format, options);
    if (!data)
        return data.error();
    return apply(*data, options);
}

Result<ImportReport> CatalogImporter::apply(const CatalogData& data, const ImportOptions& options)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    PromptRepository prompts(m_db, m_actor);
    DatasetRepository datasets(m_db, m_actor);
    auto hashes = m_db.prepare("SELECT number, content_hash FROM prompt_version WHERE prompt_id = ?1");
    if (!hashes)
        return hashes.error();

    // Plan first: every conflict is found before anything is written.
    std::vector<std::string> conflicts;
    std::vector<Step> steps;
    for (const auto& e : data.prompts) {
        Step step;
        step.entry = &e;
        if (!e.meta.id.empty()) {
            auto here = prompts.get(e.meta.id);
            if (here) {
                std::map<int, std::string> stored;
                hashes->reset();
                hashes->bind(1, e.meta.id);
                ASSAY_TRY(
                    sql::forEachRow(*hashes, [&](Statement& s) { stored[static_cast<int>(s.int64(0))] = s.text(1); }));
                const int latest = stored.empty() ? 0 : stored.rbegin()->first;
                std::string problem;
                for (const auto& v : e.versions) {
                    auto it = stored.find(v.number);
                    if (it != stored.end() && it->second != v.contentHash)
                        problem = "version " + std::to_string(v.number) + " differs from the workspace's";
                    else if (it == stored.end() && v.number <= latest)
                        problem = "version " + std::to_string(v.number) + " is missing from the workspace's history";
                    else if (it == stored.end())
                        step.versions.push_back(v);
                    if (!problem.empty())
                        break;
                }
                if (!problem.empty()) {
                    conflicts.push_back(describe(e) + ", id " + e.meta.id + ": " + problem);
                    continue;
                }
                step.kind = step.versions.empty() ? Step::Kind::Skip : Step::Kind::Append;
                steps.push_back(std::move(step));
                continue;
            }
            if (here.error().code != ErrorCode::NotFound)
                return here.error();
        }
        auto named = prompts.getByName(e.meta.name);
        if (named) {
            if (!e.meta.id.empty()) {
                conflicts.push_back(describe(e) + ": the workspace has a prompt of that name with another id ("
                    + named->id + ", the file has " + e.meta.id + ")");
                continue;
            }
            auto latest = prompts.latestVersion(named->id);
            if (!latest)
                return latest.error();
            if (e.versions.size() != 1 || latest->contentHash != e.versions.front().contentHash) {
                conflicts.push_back(describe(e) + ": the workspace has a prompt of that name with other content");
                continue;
            }
            step.kind = Step::Kind::Skip;
            steps.push_back(std::move(step));
            continue;
        }
        if (named.error().code != ErrorCode::NotFound)
            return named.error();
        step.kind = Step::Kind::Create; // its versions are the entry's (not copied here: they may be large)
        steps.push_back(std::move(step));
    }

    struct DatasetStep {
        const DatasetEntry* entry = nullptr;
        bool skip = false;
    };
    std::vector<DatasetStep> datasetSteps;
    for (const auto& d : data.datasets) {
        auto found = datasets.findByName(d.meta.name);
        if (!found)
            return found.error();
        if (!*found) {
            datasetSteps.push_back({ &d, false });
            continue;
        }
        const Dataset& here = **found;
        auto rows = datasets.rows(here.id, 0, here.rowCount + 1);
        if (!rows)
            return rows.error();
        if (here.description != d.meta.description || here.labelSet != d.meta.labelSet || !sameRows(*rows, d.rows)) {
            conflicts.push_back("dataset '" + d.meta.name + "' (" + d.origin
                + "): the workspace has a dataset of that name with other rows");
            continue;
        }
        datasetSteps.push_back({ &d, true });
    }

    if (!conflicts.empty()) {
        std::string message = std::to_string(conflicts.size()) + (conflicts.size() == 1 ? " conflict" : " conflicts")
            + " with the workspace; nothing was imported:";
        for (std::size_t i = 0; i < conflicts.size() && i < kConflictsShown; ++i)
            message += "\n  " + conflicts[i];
        if (conflicts.size() > kConflictsShown)
            message += "\n  … and " + std::to_string(conflicts.size() - kConflictsShown) + " more";
        return makeError(ErrorCode::Conflict, message);
    }

    ImportReport report;
    for (auto& step : steps) {
        const CatalogEntry& e = *step.entry;
        auto named = [&](const Error& err) {
            return makeError(err.code, "Cannot import " + describe(e) + ": " + err.message, err.detail);
        };
        if (step.kind == Step::Kind::Skip) {
            ++report.skipped;
            continue;
        }
        const auto versions = stamped(
            step.kind == Step::Kind::Create ? e.versions : std::move(step.versions), options.author);
        if (step.kind == Step::Kind::Create) {
            auto created = prompts.importPrompt(e.meta, versions, e.labels);
            if (!created)
                return named(created.error());
            ++report.prompts;
        } else if (auto appended = prompts.importVersions(e.meta.id, versions, e.labels); !appended) {
            return named(appended.error());
        }
        report.versions += static_cast<std::int64_t>(versions.size());
        report.labels += static_cast<std::int64_t>(e.labels.size());
    }
    for (const auto& step : datasetSteps) {
        if (step.skip) {
            ++report.skippedDatasets;
            continue;
        }
        const DatasetEntry& d = *step.entry;
        auto created = datasets.create(d.meta.name, d.meta.description, d.meta.labelSet);
        if (!created)
            return created.error();
        auto rows = datasets.addRows(created->id, d.rows);
        if (!rows)
            return makeError(rows.error().code, "Cannot import dataset '" + d.meta.name + "': " + rows.error().message,
                rows.error().detail);
        ++report.datasets;
        report.rows += static_cast<std::int64_t>(rows->size());
    }
    ASSAY_TRY(tx.commit());
    return report;
}

} // namespace assay::core
