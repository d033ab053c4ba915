// SPDX-License-Identifier: MIT
#include "catalogcommands.h"

#include "catalogargs.h"
#include "catalogio.h"
#include "cli.h"
#include "exitcodes.h"

#include "catalog/chain.h"
#include "catalog/promptjson.h"
#include "catalog/template.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"
#include "util/displaytext.h"
#include "util/ids.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <iomanip>
#include <optional>

namespace assay::cli {

namespace {

using core::ErrorCode;
using core::PromptRepository;
using ojson = nlohmann::ordered_json;

const char* const kPath = "assay-cli catalog";

const ValueOption kWorkspace { "--workspace", "FILE", "the workspace file (*.assay)", false, true };
const std::pair<std::string, std::string> kJson { "--json", "print the result as JSON" };

/// Repository errors: a bad value on the command line is a usage error, a missing prompt/version/label a failure.
int fail(std::ostream& err, const std::string& command, const core::Error& error, bool fromCatalog = true)
{
    err << kPath << ' ' << command << ": " << error.message << '\n';
    if (!error.detail.empty())
        err << "  detail: " << error.detail << '\n';
    return commandExitCode(error, !fromCatalog);
}

bool isNumber(const std::string& s)
{
    return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string joined(const std::vector<std::string>& list, const char* sep)
{
    std::string out;
    for (const auto& s : list)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string labelsText(const std::vector<core::PromptLabel>& labels)
{
    std::vector<std::string> parts;
    for (const auto& l : labels)
        parts.push_back(l.label + "=" + std::to_string(l.versionNumber));
    return joined(parts, " ");
}

ojson labelsJson(const std::vector<core::PromptLabel>& labels)
{
    ojson j = ojson::object();
    for (const auto& l : labels)
        j[l.label] = l.versionNumber;
    return j;
}

ojson promptJson(const core::Prompt& p)
{
    return ojson { { "id", p.id }, { "name", p.name }, { "folder", p.folder }, { "tags", p.tags },
        { "description", p.description }, { "kind", p.isChain ? "chain" : "template" } };
}

core::PromptFilter filterOf(const CatalogArgs& args)
{
    return core::PromptFilter { args.value("--folder"), args.value("--tag"), args.value("--label") };
}

void printSummaries(const std::vector<core::PromptSummary>& list, bool json, bool scored, std::ostream& out)
{
    if (json) {
        ojson a = ojson::array();
        for (const auto& s : list) {
            ojson j = promptJson(s.prompt);
            j["latestVersion"] = s.latestVersion;
            j["labels"] = labelsJson(s.labels);
            if (scored)
                j["score"] = s.score;
            a.push_back(std::move(j));
        }
        out << a.dump(2) << '\n';
        return;
    }
    if (list.empty())
        return; // no header for nothing; the caller says so on stderr
    std::vector<std::array<std::string, 5>> rows { { "NAME", "LATEST", "LABELS", "FOLDER", "TAGS" } };
    // Names come from files and other workspaces: a control character is shown, never sent to the terminal.
    for (const auto& s : list)
        rows.push_back({ core::visibleText(s.prompt.name), "v" + std::to_string(s.latestVersion),
            core::visibleText(labelsText(s.labels)), core::visibleText(s.prompt.folder),
            core::visibleText(joined(s.prompt.tags, ",")) });
    std::array<std::size_t, 5> width {};
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c)
            width[c] = std::max(width[c], r[c].size());
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t c = 0; c < r.size(); ++c)
            line += c + 1 < r.size() ? r[c] + std::string(width[c] - r[c].size() + 2, ' ') : r[c];
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out << line << '\n';
    }
}

template <typename F> int withRepository(const CatalogArgs& args, const std::string& command, std::ostream& err, F&& f)
{
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, command, db.error(), false);
    PromptRepository repo(*db, "assay-cli");
    return f(repo);
}

int runList(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    return withRepository(args, "list", err, [&](PromptRepository& repo) {
        auto list = repo.list(filterOf(args));
        if (!list)
            return fail(err, "list", list.error());
        printSummaries(*list, args.has("--json"), false, out);
        if (list->empty() && !args.has("--json"))
            err << kPath << " list: no prompts" << (args.values.size() > 1 ? " match the filters" : "") << '\n';
        return toInt(ExitCode::Ok);
    });
}

int runSearch(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    const std::string given = args.value("--limit", "20");
    if (!isNumber(given)) {
        const std::string shown = quotedIfName(given); // never a word that may be a key
        err << kPath << " search: --limit must be a whole number" << (shown.empty() ? "" : ", not " + shown) << '\n';
        return toInt(ExitCode::Usage);
    }
    const int limit = std::stoi(given);
    return withRepository(args, "search", err, [&](PromptRepository& repo) {
        auto hits = repo.search(args.positionals.front(), limit, filterOf(args));
        if (!hits)
            return fail(err, "search", hits.error());
        printSummaries(*hits, args.has("--json"), true, out);
        if (hits->empty() && !args.has("--json"))
            err << kPath << " search: no prompt matches '" << args.positionals.front() << "'\n";
        return toInt(ExitCode::Ok);
    });
}

void printMessages(const std::vector<core::ChatMessage>& messages, std::ostream& out)
{
    // Message text keeps its line breaks and tabs; any other control character is shown as an escape.
    for (const auto& m : messages)
        out << '\n' << '[' << core::visibleText(m.role) << "]\n" << core::visibleText(m.content, true) << '\n';
}

int runShow(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    return withRepository(args, "show", err, [&](PromptRepository& repo) {
        auto version = repo.resolve(args.positionals.front());
        if (!version)
            return fail(err, "show", version.error());
        auto prompt = repo.get(version->promptId);
        auto labels = repo.labels(version->promptId);
        auto latest = repo.latestVersion(version->promptId);
        if (!prompt || !labels || !latest)
            return fail(err, "show", !prompt ? prompt.error() : !labels ? labels.error() : latest.error());
        auto vars = core::promptVariables(version->content);
        const std::vector<std::string> variables = vars ? *vars : std::vector<std::string> {};
        if (args.has("--json")) {
            ojson j = promptJson(*prompt);
            j["latestVersion"] = latest->number;
            j["labels"] = labelsJson(*labels);
            j["version"] = ojson { { "number", version->number }, { "id", version->id },
                { "contentHash", version->contentHash }, { "author", version->author }, { "message", version->message },
                { "createdAt", core::isoTime(version->createdAt) }, { "variables", variables },
                { "content", ojson::parse(core::canonicalContentJson(version->content)) } };
            out << j.dump(2) << '\n';
            return toInt(ExitCode::Ok);
        }
        const auto& c = version->content;
        const auto params = core::promptContentToJson(c).value("parameters", nlohmann::json::object());
        std::vector<std::pair<std::string, std::string>> rows { { "prompt", prompt->name }, { "id", prompt->id },
            { "kind", prompt->isChain ? "chain" : "template" }, { "folder", prompt->folder },
            { "tags", joined(prompt->tags, ", ") }, { "description", prompt->description },
            { "version", std::to_string(version->number) + " of " + std::to_string(latest->number) },
            { "hash", version->contentHash }, { "author", version->author }, { "message", version->message },
            { "created", core::isoTime(version->createdAt) }, { "labels", labelsText(*labels) },
            { "variables", joined(variables, ", ") }, { "parameters", params.empty() ? "" : params.dump() } };
        for (const auto& [key, value] : rows)
            out << std::left << std::setw(12) << key << ' ' << core::visibleText(value) << '\n';
        printMessages(c.messages, out);
        if (!c.fewShot.empty()) {
            out << "\nfew-shot examples:\n";
            printMessages(c.fewShot, out);
        }
        for (const auto& s : c.steps) {
            out << "\nstep " << core::visibleText(s.name) << '\n';
            printMessages(s.messages, out);
        }
        return toInt(ExitCode::Ok);
    });
}

int runRender(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    nlohmann::json values = nlohmann::json::object();
    auto it = args.values.find("--var");
    for (const auto& kv : it == args.values.end() ? std::vector<std::string> {} : it->second) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            const std::string shown = quotedIfName(kv); // never a VALUE: it may be a key
            err << kPath << " render: --var takes NAME=VALUE" << (shown.empty() ? "" : ", not " + shown) << '\n';
            return toInt(ExitCode::Usage);
        }
        values[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return withRepository(args, "render", err, [&](PromptRepository& repo) {
        auto version = repo.resolve(args.positionals.front());
        if (!version)
            return fail(err, "render", version.error());
        const auto& c = version->content;
        ojson j { { "reference", args.positionals.front() }, { "version", version->number } };
        if (c.steps.empty()) {
            auto messages = core::renderMessages(c, values);
            if (!messages)
                return fail(err, "render", messages.error());
            j["messages"] = ojson::array();
            for (const auto& m : *messages)
                j["messages"].push_back({ { "role", m.role }, { "content", m.content } });
        } else {
            // Earlier steps' outputs come as --var steps.<name>.output=TEXT; every missing value is named at once.
            std::string missing;
            j["steps"] = ojson::array();
            for (std::size_t i = 0; i < c.steps.size(); ++i) {
                auto messages = core::renderChainStep(c, i, values, {});
                if (!messages) {
                    missing += (missing.empty() ? "" : "; ") + messages.error().message;
                    continue;
                }
                ojson step { { "name", c.steps[i].name }, { "messages", ojson::array() } };
                for (const auto& m : *messages)
                    step["messages"].push_back({ { "role", m.role }, { "content", m.content } });
                j["steps"].push_back(std::move(step));
            }
            if (!missing.empty())
                return fail(err, "render", core::makeError(ErrorCode::Invalid, missing));
        }
        if (args.has("--json")) {
            out << j.dump(2) << '\n';
        } else {
            auto print = [&](const ojson& messages) {
                for (const auto& m : messages)
                    out << '[' << m["role"].get<std::string>() << "]\n" << m["content"].get<std::string>() << "\n\n";
            };
            if (j.contains("messages"))
                print(j["messages"]);
            else
                for (const auto& s : j["steps"]) {
                    out << "## step " << s["name"].get<std::string>() << "\n\n";
                    print(s["messages"]);
                }
        }
        return toInt(ExitCode::Ok);
    });
}

int runLabel(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    const std::string& name = args.positionals[0];
    const std::string& number = args.positionals[1];
    const std::string& label = args.positionals[2];
    if (!isNumber(number)) {
        const std::string shown = quotedIfName(number); // never a word that may be a key
        err << kPath << " label: VERSION must be a version number" << (shown.empty() ? "" : ", not " + shown) << '\n';
        return toInt(ExitCode::Usage);
    }
    if (!PromptRepository::isValidLabel(label)) {
        const std::string shown = quotedIfName(label);
        err << kPath << " label: " << (shown.empty() ? "LABEL" : shown)
            << " is not a valid label: use 1 to 32 of a-z, 0-9, '_' and '-'\n";
        return toInt(ExitCode::Usage);
    }
    return withRepository(args, "label", err, [&](PromptRepository& repo) {
        auto prompt = repo.getByName(name);
        if (!prompt)
            return fail(err, "label", prompt.error());
        auto before = repo.labels(prompt->id);
        if (!before)
            return fail(err, "label", before.error());
        std::optional<int> from;
        for (const auto& l : *before)
            if (l.label == label)
                from = l.versionNumber;
        auto set = repo.setLabel(prompt->id, label, std::stoi(number));
        if (!set)
            return fail(err, "label", set.error());
        if (args.has("--json")) {
            ojson j { { "prompt", prompt->name }, { "label", label }, { "version", set->versionNumber } };
            j["previous"] = from ? ojson(*from) : ojson(nullptr);
            out << j.dump(2) << '\n';
        } else {
            out << label << " -> " << prompt->name << '@' << set->versionNumber;
            if (from && *from != set->versionNumber)
                out << " (was " << *from << ')';
            else if (from)
                out << " (unchanged)";
            out << '\n';
        }
        return toInt(ExitCode::Ok);
    });
}

std::vector<CatalogCommandSpec> specs()
{
    const std::vector<ValueOption> filters { kWorkspace, { "--folder", "FOLDER", "only this folder and below" },
        { "--tag", "TAG", "only prompts with this tag" }, { "--label", "LABEL", "only prompts with this label" } };
    auto searchOptions = filters;
    searchOptions.push_back({ "--limit", "N", "at most N results (default 20)" });
    std::vector<CatalogCommandSpec> all {
        { "list", "list the prompts with their latest version and labels",
            "Lists the prompts of the workspace by folder and name, with the latest version number and the labels\n"
            "(label=version).",
            {}, filters, { kJson }, runList },
        { "search", "full-text search over names, text, tags and descriptions",
            "Searches names, message text, tags and descriptions. Every word of QUERY must match, as a prefix\n"
            "('walp' finds 'Walpole'); quotes and operators are searched for as plain words. Best matches first.",
            { "QUERY" }, searchOptions, { kJson }, runSearch },
        { "show", "show a version of a prompt",
            "Shows NAME (its latest version), NAME@VERSION or NAME@LABEL: the prompt's metadata, the version's\n"
            "hash, author and message, its variables, parameters and messages.",
            { "NAME[@VERSION|@LABEL]" }, { kWorkspace }, { kJson }, runShow },
        { "render", "fill in a prompt's variables and print the messages",
            "Renders NAME, NAME@VERSION or NAME@LABEL with --var NAME=VALUE (declared defaults apply to the rest).\n"
            "Every variable left without a value is named, and the exit code is 2. For a chain, each step is\n"
            "rendered; give earlier outputs as --var steps.<step>.output=TEXT.",
            { "NAME[@VERSION|@LABEL]" }, { kWorkspace, { "--var", "NAME=VALUE", "a variable's value", true } },
            { kJson }, runRender },
        { "label", "point a label at a version",
            "Points LABEL (1 to 32 of a-z, 0-9, '_' and '-'; e.g. dev, prod) of prompt NAME at version VERSION,\n"
            "creating or moving it. Each move is recorded in the workspace's audit trail.",
            { "NAME", "VERSION", "LABEL" }, { kWorkspace }, { kJson }, runLabel },
    };
    for (auto& io : catalogIoSpecs())
        all.push_back(std::move(io));
    return all;
}

} // namespace

int runCatalogCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    // `--workspace FILE` before the subcommand is passed on to it (runSpecGroup).
    return runSpecGroup(kPath,
        "Prompts, their immutable versions and labels in a workspace. Every command needs --workspace FILE\n"
        "(before or after the command name). A prompt is named NAME (latest version), NAME@VERSION or NAME@LABEL.",
        specs(), args, out, err);
}

} // namespace assay::cli
