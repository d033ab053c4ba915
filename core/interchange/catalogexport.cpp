// SPDX-License-Identifier: MIT
#include "interchange/catalogexport.h"

#include "interchange/catalogcsv.h"
#include "interchange/catalogjsonwriter.h"
#include "interchange/datasetjsonl.h"
#include "interchange/promptfooformat.h"
#include "interchange/textinput.h"
#include "interchange/workspacebundle.h"
#include "storage/datasetrepository.h"
#include "storage/promptrepository.h"

#include <filesystem>
#include <set>

namespace assay::core {

Result<std::vector<CatalogEntry>> CatalogExporter::prompts()
{
    PromptRepository repo(m_db);
    auto list = repo.list();
    if (!list)
        return list.error();
    std::vector<CatalogEntry> out;
    out.reserve(list->size());
    for (auto& summary : *list) {
        CatalogEntry e;
        e.meta = std::move(summary.prompt);
        auto versions = repo.versions(e.meta.id);
        if (!versions)
            return versions.error();
        e.versions = std::move(*versions);
        for (const auto& l : summary.labels)
            e.labels[l.label] = l.versionNumber;
        out.push_back(std::move(e));
    }
    return out;
}

Result<std::vector<DatasetEntry>> CatalogExporter::datasets()
{
    DatasetRepository repo(m_db);
    auto list = repo.list();
    if (!list)
        return list.error();
    std::vector<DatasetEntry> out;
    for (auto& d : *list) {
        DatasetEntry e;
        e.meta = std::move(d);
        for (std::int64_t offset = 0;; offset += 1000) {
            auto rows = repo.rows(e.meta.id, offset, 1000);
            if (!rows)
                return rows.error();
            const bool last = rows->size() < 1000;
            for (auto& r : *rows)
                e.rows.push_back(std::move(r));
            if (last)
                break;
        }
        out.push_back(std::move(e));
    }
    return out;
}

Result<ExportReport> CatalogExporter::exportTo(const std::string& path, CatalogFormat format, bool replace)
{
    std::error_code ec;
    if (format != CatalogFormat::Bundle && std::filesystem::exists(path, ec) && !replace)
        return makeError(ErrorCode::Conflict, path + " already exists (replace it with --force)");
    auto entries = prompts();
    if (!entries)
        return entries.error();
    ExportReport report;
    std::string text;
    switch (format) {
    case CatalogFormat::Json:
    case CatalogFormat::Jsonl:
    case CatalogFormat::Bundle: {
        auto written = format == CatalogFormat::Jsonl ? writeCatalogJsonl(*entries) : writeCatalogJson(*entries);
        if (!written)
            return written.error();
        text = std::move(*written);
        break;
    }
    case CatalogFormat::Csv:
        text = writeCatalogCsv(*entries, report.leftOut);
        break;
    case CatalogFormat::Promptfoo:
        text = writePromptfooText(*entries, report.leftOut);
        break;
    }
    std::set<std::string> left;
    for (const auto& l : report.leftOut)
        left.insert(l.name);
    for (const auto& e : *entries) {
        if (left.count(e.meta.name))
            continue;
        const bool history
            = format == CatalogFormat::Json || format == CatalogFormat::Jsonl || format == CatalogFormat::Bundle;
        ++report.prompts;
        report.versions += history ? static_cast<std::int64_t>(e.versions.size()) : 1;
        report.labels += history ? static_cast<std::int64_t>(e.labels.size()) : 0;
    }
    if (format != CatalogFormat::Bundle) {
        ASSAY_TRY(writeFileAtomically(path, text));
        report.bytes = text.size();
        return report;
    }
    auto sets = datasets();
    if (!sets)
        return sets.error();
    auto lines = writeDatasetsJsonl(*sets);
    if (!lines)
        return lines.error();
    report.datasets = static_cast<std::int64_t>(sets->size());
    for (const auto& d : *sets)
        report.rows += static_cast<std::int64_t>(d.rows.size());
    BundleFiles files { std::move(text), std::move(*lines) };
    ASSAY_TRY(writeBundle(path, files, replace));
    report.bytes = files.catalog.size() + files.datasets.size();
    return report;
}

} // namespace assay::core
