// SPDX-License-Identifier: MIT
#include "workspacecommands.h"

#include "exitcodes.h"

#include "storage/workspace.h"
#include "storage/workspacesettings.h"
#ifdef ASSAY_HAVE_SAMPLE_SEEDER
#include "samples/samples.h"
#endif

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <string>
#include <vector>

namespace assay::cli {

namespace {

using core::ErrorCode;
using core::Workspace;
using core::WorkspaceReport;

int fail(std::ostream& err, const std::string& command, const core::Error& error)
{
    err << "assay-cli workspace " << command << ": " << error.message << '\n';
    if (!error.detail.empty())
        err << "  detail: " << error.detail << '\n';
    return toInt(exitCodeFor(error.code));
}

int runInit(const Options& options, std::ostream& out, std::ostream& err)
{
    const std::string& path = options.positionals.front();
    auto db = Workspace::create(path);
    if (!db)
        return fail(err, "init", db.error());
    bool seeded = false;
    if (options.has("--samples")) {
#ifdef ASSAY_HAVE_SAMPLE_SEEDER
        err << "Adding the sample content...\n";
        if (auto st = core::seedSamples(*db); !st) {
            // Nothing half-made stays behind: the file is ours from a moment ago, so remove it and let the user retry.
            *db = core::Db();
            std::error_code ec;
            for (const char* suffix : { "", "-wal", "-shm" })
                std::filesystem::remove(path + suffix, ec);
            return fail(err, "init", st.error());
        }
        seeded = true;
#else
        err << "assay-cli workspace init: note: this build has no sample content yet (core::seedSamples is not "
               "implemented); created an empty workspace\n";
#endif
    }
    auto version = db->queryInt("PRAGMA user_version");
    out << "created    " << path << '\n'
        << "id         " << Workspace::workspaceId(*db) << '\n'
        << "schema     " << (version ? *version : 0) << '\n'
        << "samples    " << (seeded ? "yes" : "no") << '\n';
    return toInt(ExitCode::Ok);
}

/// Everything wrong with a workspace that opened, one sentence each.
std::vector<std::string> problemsOf(const WorkspaceReport& report)
{
    std::vector<std::string> problems;
    if (report.integrity != "ok") {
        std::string integrity = report.integrity; // SQLite's messages span lines; keep one problem per line
        std::replace(integrity.begin(), integrity.end(), '\n', ' ');
        problems.push_back("the file is damaged: SQLite integrity_check reports: " + integrity);
    }
    if (!report.auditChainOk)
        problems.push_back("the audit chain is broken: " + report.auditChainProblem);
    for (const auto& [table, count] : report.counts) {
        if (count < 0)
            problems.push_back("table '" + table + "' cannot be read");
    }
    return problems;
}

void printText(const WorkspaceReport& report, const std::vector<std::string>& problems, std::ostream& out)
{
    out << "workspace  " << report.path << '\n'
        << "id         " << (report.workspaceId.empty() ? "-" : report.workspaceId) << '\n'
        << "schema     " << report.schemaVersion;
    if (report.schemaVersion < report.latestSchemaVersion)
        out << " (older than " << report.latestSchemaVersion << "; migrated when opened)";
    out << '\n' << "integrity  " << (report.integrity == "ok" ? "ok" : "damaged (see stderr)") << '\n';
    if (report.integrity == "ok")
        out << "audit      " << (report.auditChainOk ? "ok" : "broken: " + report.auditChainProblem) << '\n';
    if (!report.counts.empty()) {
        out << "rows\n";
        for (const auto& [table, count] : report.counts)
            out << "  " << std::left << std::setw(18) << table << ' ' << count << '\n';
    }
    out << "status     " << (problems.empty() ? "ok" : "PROBLEM") << '\n';
}

nlohmann::ordered_json toJson(const WorkspaceReport& report, const std::vector<std::string>& problems)
{
    nlohmann::ordered_json j;
    j["path"] = report.path;
    j["ok"] = problems.empty();
    j["workspaceId"] = report.workspaceId;
    j["schemaVersion"] = report.schemaVersion;
    j["latestSchemaVersion"] = report.latestSchemaVersion;
    j["integrity"] = report.integrity;
    if (report.integrity == "ok")
        j["auditChain"] = { { "ok", report.auditChainOk }, { "problem", report.auditChainProblem } };
    j["counts"] = nlohmann::ordered_json::object();
    for (const auto& [table, count] : report.counts)
        j["counts"][table] = count;
    j["problems"] = problems;
    return j;
}

int runCheck(const Options& options, std::ostream& out, std::ostream& err)
{
    const std::string& path = options.positionals.front();
    const bool json = options.has("--json");
    auto report = Workspace::check(path);
    if (!report) {
        if (json) {
            nlohmann::ordered_json j;
            j["path"] = path;
            j["ok"] = false;
            j["error"] = { { "code", core::errorCodeName(report.error().code) }, { "message", report.error().message },
                { "detail", report.error().detail } };
            out << j.dump(2) << '\n';
        }
        return fail(err, "check", report.error());
    }
    const auto problems = problemsOf(*report);
    if (json)
        out << toJson(*report, problems).dump(2) << '\n';
    else
        printText(*report, problems, out);
    for (const auto& problem : problems)
        err << "assay-cli workspace check: " << path << ": " << problem << '\n';
    return toInt(problems.empty() ? ExitCode::Ok : ExitCode::Problem);
}

int runOffline(const Options& options, std::ostream& out, std::ostream& err)
{
    const std::string& path = options.positionals.front();
    const bool on = options.has("--on");
    if (on && options.has("--off")) {
        err << "assay-cli workspace offline: give --on or --off, not both\n";
        return toInt(ExitCode::Usage);
    }
    auto db = Workspace::open(path);
    if (!db)
        return fail(err, "offline", db.error());
    if (on || options.has("--off"))
        if (auto st = core::WorkspaceSettings::setOffline(*db, on, "assay-cli"); !st)
            return fail(err, "offline", st.error());
    auto state = core::WorkspaceSettings::offline(*db);
    if (!state)
        return fail(err, "offline", state.error());
    if (options.has("--json"))
        out << nlohmann::ordered_json { { "path", path }, { "offline", *state } }.dump(2) << '\n';
    else
        out << "offline    " << (*state ? "on" : "off") << '\n';
    return toInt(ExitCode::Ok);
}

} // namespace

std::shared_ptr<const CommandGroup> makeWorkspaceCommands()
{
    auto group = std::make_shared<CommandGroup>("assay-cli workspace",
        "Create and inspect workspace files (*.assay: one SQLite file holds prompts, datasets, runs and reviews).");
    group->add(LeafCommand { "init", "create a new workspace file",
        "Creates a new workspace at FILE (FILE must not exist; its folder must). Prints the path, the workspace id\n"
        "and the schema version.",
        { "FILE" }, { { "--samples", "add the sample prompts, datasets and models" } }, runInit });
    group->add(LeafCommand { "check", "check a workspace file without changing it",
        "Checks FILE without writing to it: SQLite integrity_check, schema version, the hash chain of the audit\n"
        "trail, and the number of rows per table. The report goes to stdout; every problem is named on stderr\n"
        "and makes the exit code non-zero.",
        { "FILE" }, { { "--json", "print the report as JSON" } }, runCheck });
    group->add(LeafCommand { "offline", "show or set the workspace's offline setting",
        "Shows whether FILE asks for offline mode; --on or --off sets it (recorded in the audit trail). The\n"
        "setting travels with the file: the GUI and assay-cli then reach only endpoints on this computer\n"
        "(localhost, 127.0.0.1, ::1) and refuse any other host before a name lookup or a connection.",
        { "FILE" },
        { { "--on", "turn offline mode on" }, { "--off", "turn offline mode off" },
            { "--json", "print the setting as JSON" } },
        runOffline });
    return group;
}

} // namespace assay::cli
