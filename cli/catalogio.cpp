// SPDX-License-Identifier: MIT
#include "catalogio.h"

#include "cli.h"
#include "exitcodes.h"

#include "interchange/catalogexport.h"
#include "interchange/catalogimport.h"
#include "storage/workspace.h"

#include <nlohmann/json.hpp>

namespace assay::cli {

namespace {

using ojson = nlohmann::ordered_json;

const char* const kPath = "assay-cli catalog";
const ValueOption kWorkspace { "--workspace", "FILE", "the workspace file (*.assay)", false, true };
const ValueOption kFormat { "--format", "FORMAT", "json, jsonl, csv, promptfoo or bundle (default: from FILE's name)" };
const std::pair<std::string, std::string> kJson { "--json", "print the report as JSON" };

int fail(std::ostream& err, const std::string& command, const core::Error& error)
{
    err << kPath << ' ' << command << ": " << error.message << '\n';
    if (!error.detail.empty())
        err << "  detail: " << error.detail << '\n';
    return toInt(exitCodeFor(error.code));
}

/// --format, or the format FILE's name implies; a usage error (exit 2) when neither says.
std::optional<core::CatalogFormat> formatOf(const CatalogArgs& args, const std::string& command, std::ostream& err)
{
    const std::string given = args.value("--format");
    if (!given.empty()) {
        auto f = core::catalogFormatFromName(given);
        if (!f) {
            const std::string shown = quotedIfName(given); // never a word that may be a key
            err << kPath << ' ' << command << ": unknown format " << (shown.empty() ? "" : shown + " ")
                << "(use json, jsonl, csv, promptfoo or bundle)\n";
        }
        return f;
    }
    auto f = core::catalogFormatFromPath(args.positionals.front());
    if (!f) {
        err << kPath << ' ' << command << ": " << f.error().message << " with --format\n";
        return std::nullopt;
    }
    return *f;
}

int runImport(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    const auto format = formatOf(args, "import", err);
    if (!format)
        return toInt(ExitCode::Usage);
    const std::string& file = args.positionals.front();
    // The file is read and checked before the workspace is opened for writing.
    auto data = core::CatalogImporter::read(file, *format);
    if (!data)
        return fail(err, "import", data.error());
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "import", db.error());
    auto report = core::CatalogImporter(*db, "assay-cli").apply(*data);
    if (!report)
        return fail(err, "import", report.error());
    if (args.has("--json")) {
        out << ojson { { "file", file }, { "format", core::catalogFormatName(*format) }, { "prompts", report->prompts },
            { "versions", report->versions }, { "labels", report->labels }, { "skipped", report->skipped },
            { "datasets", report->datasets }, { "rows", report->rows }, { "skippedDatasets", report->skippedDatasets } }
                   .dump(2)
            << '\n';
        return toInt(ExitCode::Ok);
    }
    out << "imported " << report->prompts << " prompts (" << report->versions << " versions, " << report->labels
        << " labels), skipped " << report->skipped << " already present";
    if (*format == core::CatalogFormat::Bundle)
        out << "; " << report->datasets << " datasets (" << report->rows << " rows), skipped "
            << report->skippedDatasets;
    out << '\n';
    return toInt(ExitCode::Ok);
}

int runExport(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    const auto format = formatOf(args, "export", err);
    if (!format)
        return toInt(ExitCode::Usage);
    const std::string& file = args.positionals.front();
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "export", db.error());
    auto report = core::CatalogExporter(*db).exportTo(file, *format, args.has("--force"));
    if (!report)
        return fail(err, "export", report.error());
    for (const auto& left : report->leftOut)
        err << kPath << " export: left out '" << left.name << "': " << left.reason << '\n';
    if (args.has("--json")) {
        ojson leftOut = ojson::array();
        for (const auto& left : report->leftOut)
            leftOut.push_back({ { "name", left.name }, { "reason", left.reason } });
        out << ojson { { "file", file }, { "format", core::catalogFormatName(*format) }, { "prompts", report->prompts },
            { "versions", report->versions }, { "labels", report->labels }, { "datasets", report->datasets },
            { "rows", report->rows }, { "bytes", report->bytes }, { "leftOut", leftOut } }
                   .dump(2)
            << '\n';
        return toInt(ExitCode::Ok);
    }
    out << "exported " << report->prompts << " prompts (" << report->versions << " versions, " << report->labels
        << " labels)";
    if (*format == core::CatalogFormat::Bundle)
        out << " and " << report->datasets << " datasets (" << report->rows << " rows)";
    out << " to " << file << " (" << report->bytes << " bytes)\n";
    return toInt(ExitCode::Ok);
}

} // namespace

std::vector<CatalogCommandSpec> catalogIoSpecs()
{
    const char* const formats
        = "Formats (--format, or from FILE's name):\n"
          "  json       .json     every prompt with full history, ids and labels\n"
          "             {\"format\":\"assay-catalog\",\"version\":1,\"prompts\":[…]}\n"
          "  jsonl      .jsonl    the same prompt objects, one per line\n"
          "  csv        .csv      name,template,system,tags,folder,description (tags separated by ';');\n"
          "                       latest versions only\n"
          "  promptfoo  .txt      promptfoo prompt files: prompts separated by a line '---' (one user message\n"
          "                       each), or with --format promptfoo a .json chat (an array of {role, content});\n"
          "                       prompts are named after the file (greeting-1, greeting-2, …)\n"
          "  bundle     .bundle   a directory: catalog.json, datasets.jsonl (datasets with rows) and\n"
          "             or DIR/   manifest.sha256 (as sha256sum writes it, checked on import)";
    return {
        { "import", "import prompts (and a bundle's datasets) from a file",
            std::string("Imports FILE into the workspace, all or nothing. A prompt already there with the same\n"
                        "content is skipped; newer versions of a prompt already there are added. A prompt whose\n"
                        "history differs, or a name taken by another prompt, is a conflict: every conflict is listed\n"
                        "and nothing is imported (exit 1). Bad input (malformed JSON/JSONL/CSV, invalid UTF-8, an\n"
                        "unknown field, a name used twice, a file over 64 MiB, a bundle whose files do not match\n"
                        "its manifest) is reported as FILE:LINE[:COLUMN]: FIELD: problem, and exits 1.\n\n")
                + formats,
            { "FILE" }, { kWorkspace, kFormat }, { kJson }, runImport },
        { "export", "export the prompt catalog (or a bundle with datasets) to a file",
            std::string("Writes the workspace's prompts to FILE. json, jsonl and bundle keep every version, id,\n"
                        "time and label, so importing them elsewhere reproduces the same content hashes, versions\n"
                        "and labels. csv and promptfoo hold the latest versions they can express exactly; other\n"
                        "prompts are left out and named on stderr. An existing FILE is replaced only with --force.\n\n")
                + formats,
            { "FILE" }, { kWorkspace, kFormat }, { kJson, { "--force", "replace an existing FILE" } }, runExport },
    };
}

} // namespace assay::cli
