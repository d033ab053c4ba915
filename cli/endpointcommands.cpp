// SPDX-License-Identifier: MIT
#include "endpointcommands.h"

#include "catalogargs.h"
#include "cli.h"
#include "exitcodes.h"
#include "offlinemode.h"

#include "http/httpclient.h"
#include "http/redact.h"
#include "providers/completion.h"
#include "run/providerfactory.h"
#include "secrets/filesecretstore.h"
#include "storage/modelrepository.h"
#include "storage/workspace.h"

#include <array>
#include <iomanip>

namespace assay::cli {

namespace {

using ojson = nlohmann::ordered_json;
const char* const kPath = "assay-cli endpoints";
const ValueOption kWorkspace { "--workspace", "FILE", "the workspace file (*.assay)", false, true };

int fail(std::ostream& err, const std::string& command, const core::Error& error)
{
    err << kPath << ' ' << command << ": " << error.message << '\n';
    return commandExitCode(error, command == "open");
}

ojson endpointJson(const core::Endpoint& e)
{
    return ojson { { "name", e.name }, { "kind", core::endpointKindName(e.kind) }, { "model", e.remoteModel },
        { "baseUrl", core::redactUrl(e.baseUrl) }, { "secretRef", e.secretRef }, { "id", e.id } };
}

int runList(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "open", db.error());
    auto list = core::ModelRepository(*db).endpoints();
    if (!list)
        return fail(err, "list", list.error());
    if (args.has("--json")) {
        ojson a = ojson::array();
        for (const auto& e : *list)
            a.push_back(endpointJson(e));
        out << a.dump(2) << '\n';
        return toInt(ExitCode::Ok);
    }
    if (list->empty()) {
        err << kPath << " list: no endpoints; add one with `assay-cli endpoints add`\n";
        return toInt(ExitCode::Ok);
    }
    std::vector<std::array<std::string, 5>> rows { { "NAME", "KIND", "MODEL", "KEY", "BASE URL" } };
    for (const auto& e : *list)
        rows.push_back({ e.name, core::endpointKindName(e.kind), e.remoteModel, e.secretRef.empty() ? "-" : e.secretRef,
            core::redactUrl(e.baseUrl) });
    std::array<std::size_t, 5> width {};
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c)
            width[c] = std::max(width[c], r[c].size());
    for (const auto& r : rows) {
        for (std::size_t c = 0; c + 1 < r.size(); ++c)
            out << std::left << std::setw(static_cast<int>(width[c] + 2)) << r[c];
        out << r.back() << '\n';
    }
    return toInt(ExitCode::Ok);
}

int runAdd(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    core::Endpoint e;
    e.name = args.positionals.front();
    const std::string kind = args.value("--kind", "openai");
    const auto parsed = core::parseEndpointKind(kind);
    if (!parsed) {
        const std::string given = quotedIfName(kind);
        err << kPath << " add: --kind must be openai, anthropic, bedrock or local" << (given.empty() ? "" : ", not ")
            << given << '\n';
        return toInt(ExitCode::Usage);
    }
    e.kind = *parsed;
    e.baseUrl = args.value("--base-url");
    e.remoteModel = args.value("--model");
    e.secretRef = args.value("--secret");
    if (!args.value("--region").empty())
        e.settings["region"] = args.value("--region");
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "open", db.error());
    auto made = core::ModelRepository(*db, "assay-cli").createEndpoint(e);
    if (!made)
        return fail(err, "add", made.error());
    if (args.has("--json"))
        out << endpointJson(*made).dump(2) << '\n';
    else
        out << "added endpoint " << made->name << " (" << kind << ", " << made->remoteModel << ")\n";
    return toInt(ExitCode::Ok);
}

int runTest(const CatalogArgs& args, std::ostream& out, std::ostream& err)
{
    auto db = core::Workspace::open(args.value("--workspace"));
    if (!db)
        return fail(err, "open", db.error());
    auto found = core::ModelRepository(*db).findEndpointByName(args.positionals.front());
    if (!found)
        return fail(err, "test", found.error());
    if (!*found)
        return fail(err, "test",
            core::makeError(
                core::ErrorCode::NotFound, "there is no endpoint named '" + args.positionals.front() + "'"));
    const core::Endpoint& e = **found;
    auto offline = offlineMode(args.has("--offline"), *db);
    if (!offline)
        return fail(err, "test", offline.error());
    reportOffline(err, std::string(kPath) + " test", *offline);
    core::HttpClientOptions httpOptions;
    httpOptions.offline = offline->on;
    core::HttpClient http(std::move(httpOptions));
    core::FileSecretStore secrets;
    core::CallLimits limits;
    limits.totalTimeoutMs = 30'000;
    auto provider = core::ProviderFactory::make(http, e, &secrets, {}, limits);
    if (!provider)
        return fail(err, "test", provider.error());
    core::ProviderRequest r;
    r.model = e.remoteModel;
    r.messages = { { "user", "Reply with the single word OK." } };
    r.parameters.maxTokens = 8;
    r.stream = true;
    const core::Completion c = core::runToCompletion(**provider, r);
    ojson j { { "endpoint", e.name }, { "ok", c.ok() }, { "latencyMs", c.stats.latencyMs } };
    if (c.stats.ttftMs >= 0)
        j["ttftMs"] = c.stats.ttftMs;
    if (c.ok())
        j["reply"] = c.text;
    else
        j["error"] = c.error->error.message;
    if (args.has("--json")) {
        out << j.dump(2) << '\n';
    } else if (c.ok()) {
        out << e.name << ": ok in " << std::fixed << std::setprecision(0) << c.stats.latencyMs << " ms";
        if (c.stats.ttftMs >= 0)
            out << " (first token " << c.stats.ttftMs << " ms)";
        out << ", reply: " << c.text << '\n';
    } else {
        err << kPath << " test: " << e.name << ": " << c.error->error.message << '\n';
    }
    return c.ok() ? toInt(ExitCode::Ok) : toInt(ExitCode::Problem);
}

} // namespace

int runEndpointsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    const std::pair<std::string, std::string> json { "--json", "print the result as JSON" };
    std::vector<CatalogCommandSpec> specs {
        { "list", "list the endpoints", "Lists the endpoints of the workspace: name, kind, model, key NAME, base URL.",
            {}, { kWorkspace }, { json }, runList },
        { "add", "add an endpoint",
            "Adds endpoint NAME. --secret names a key stored with `assay-cli keys set NAME` (or given as\n"
            "ASSAY_KEY_<NAME>); the key itself is never stored in the workspace. Bedrock keys are\n"
            "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN].",
            { "NAME" },
            { kWorkspace, { "--kind", "KIND", "openai (default), anthropic, bedrock or local" },
                { "--base-url", "URL", "e.g. https://api.openai.com/v1", false, true },
                { "--model", "MODEL", "the model name the API expects", false, true },
                { "--secret", "NAME", "the name of the API key in the key store" },
                { "--region", "REGION", "AWS region (bedrock)" } },
            { json }, runAdd },
        { "test", "send a tiny request and report the latency or the error",
            "Sends \"Reply with the single word OK.\" (max 8 tokens) to NAME and reports the latency and first-token\n"
            "time, or the error. Exit code 1 when the call failed. In offline mode (--offline, ASSAY_OFFLINE=1 or the\n"
            "workspace's setting) an endpoint that is not on this computer is refused before any connection.",
            { "NAME" }, { kWorkspace }, { json, { "--offline", kOfflineHelp } }, runTest },
    };
    return runSpecGroup(
        kPath, "How runs reach their models. Every command needs --workspace FILE.", std::move(specs), args, out, err);
}

} // namespace assay::cli
