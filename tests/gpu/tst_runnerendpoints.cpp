// SPDX-License-Identifier: MIT
// The local runner as an endpoint, through Assay's own code and a real llama-server on the generated tiny model:
// an embeddings instance answers EmbeddingsClient (via ProviderFactory), refuses to be used for chat, and a model
// that is not loaded (its in-memory key is gone) fails a run with a message that says so.
#include "gputestsupport.h"
#include "requirerunner.h"
#include "runnersupervisor.h"

#include "http/httpclient.h"
#include "run/providerfactory.h"
#include "run/runplan.h"
#include "run/runscheduler.h"
#include "secrets/filesecretstore.h"
#include "secrets/layeredsecretstore.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace assay;
using namespace assay::gpu;
using assay::test::qs;

namespace {
/// What app/LocalEndpoints registers for a loaded model (settings.runner carries the provenance).
core::Endpoint localEndpoint(const std::string& name, const RunnerEndpoint& ep, const RunnerProvenance& p)
{
    core::Endpoint e;
    e.name = name;
    e.kind = core::EndpointKind::Local;
    e.baseUrl = ep.baseUrl;
    e.remoteModel = ep.modelId;
    e.secretRef = "runner-test";
    e.settings["runner"] = { { "modelPath", p.modelPath }, { "loraPaths", p.loraPaths } };
    return e;
}
} // namespace

class TstRunnerEndpoints : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::optional<RunnerInstall> m_install;
    assay::test::TinyModel m_tiny;

    RunnerConfig config(bool embeddings) const
    {
        RunnerConfig c;
        c.modelPath = m_tiny.model;
        c.contextSize = 1024;
        c.threads = 1;
        c.embeddings = embeddings;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        ASSAY_REQUIRE_RUNNER();
        auto install = locateRunner();
        QVERIFY(install);
        m_install = *install;
        auto t = assay::test::makeTinyModelIn(m_dir.path());
        QVERIFY(t);
        m_tiny = *t;
    }

    void embeddingsInstanceAnswersThroughOurClient()
    {
        RunnerSupervisor emb(*m_install, config(true));
        QVERIFY(emb.start().ok());
        const auto st = emb.waitUntilReady(std::chrono::seconds(60));
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());

        core::FileSecretStore file(m_dir.filePath(QStringLiteral("secrets.json")).toStdString(), false);
        core::LayeredSecretStore secrets(file);
        secrets.setEphemeral("runner-test", emb.endpoint()->apiKey);
        core::Endpoint e = localEndpoint("local: tiny (embeddings)", *emb.endpoint(), emb.provenance());
        e.settings["purpose"] = "embeddings";
        QVERIFY(core::ProviderFactory::servesEmbeddings(e));
        core::HttpClient http;

        auto client = core::ProviderFactory::makeEmbeddings(http, e, &secrets, {});
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().message.c_str());
        auto out = client->embed({ "red green blue", "red green blue", "the cat sat on the mat" });
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        QCOMPARE(out->vectors.size(), std::size_t(3));
        QCOMPARE(out->vectors[0].size(), std::size_t(64)); // the tiny model's n_embd
        QVERIFY(out->promptTokens > 0);
        QVERIFY(std::abs(core::cosineSimilarity(out->vectors[0], out->vectors[1]) - 1.0) < 1e-6);
        const double different = core::cosineSimilarity(out->vectors[0], out->vectors[2]);
        QVERIFY2(different < 0.999 && different > -1.0, std::to_string(different).c_str());

        // A wrong key is refused by the server and the error never carries the key.
        secrets.setEphemeral("runner-test", "not-the-key");
        auto bad = core::ProviderFactory::makeEmbeddings(http, e, &secrets, {});
        QVERIFY(bad.ok());
        auto refused = bad->embed({ "x" });
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, core::ErrorCode::Unauthorized);

        // The embeddings instance is not a chat endpoint: no provider, and the reason.
        auto chat = core::ProviderFactory::make(http, e, &secrets, {}, {});
        QVERIFY(!chat.ok());
        QVERIFY2(chat.error().message.find("serves embeddings") != std::string::npos, chat.error().message.c_str());
        emb.stop();
    }

    void runAgainstAnUnloadedModelSaysSo()
    {
        RunnerSupervisor base(*m_install, config(false));
        QVERIFY(base.start().ok());
        const auto st = base.waitUntilReady(std::chrono::seconds(60));
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        const core::Endpoint e = localEndpoint("local: tiny-random-llama", *base.endpoint(), base.provenance());
        base.stop(); // unloaded: the endpoint stays in the workspace, its key is gone

        const std::string path = m_dir.filePath(QStringLiteral("unloaded.assay")).toStdString();
        {
            auto db = core::Workspace::create(path);
            QVERIFY(db.ok());
            core::PromptContent c;
            c.messages = { { "user", "Say hello." } };
            core::Prompt meta;
            meta.name = "hello";
            QVERIFY(core::PromptRepository(*db, "test").createPrompt(meta, c, "test").ok());
            QVERIFY(core::ModelRepository(*db, "test").createEndpoint(e).ok());
        }
        core::FileSecretStore file(m_dir.filePath(QStringLiteral("secrets2.json")).toStdString(), false);
        core::LayeredSecretStore secrets(file); // what the GUI holds after unloading: no "runner-…" key
        core::RunDefinition def;
        def.prompts = { "hello" };
        def.endpoints = { e.name };
        def.cache = false;
        auto db = core::Workspace::open(path);
        QVERIFY(db.ok());
        auto plan = core::RunPlan::resolve(def, *db);
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        core::HttpClient http;
        core::SchedulerOptions o;
        o.workspacePath = path;
        o.secrets = &secrets;
        std::vector<core::RunCell> cells;
        o.onCell = [&cells](const core::RunCell& c) { cells.push_back(c); };
        core::RunScheduler scheduler(std::move(*plan), http, o);
        auto outcome = scheduler.run();
        QVERIFY(outcome.ok());
        QCOMPARE(cells.size(), std::size_t(1));
        QCOMPARE(cells[0].status, core::CellStatus::Failed);
        QVERIFY2(cells[0].error.find("'local: tiny-random-llama' is a model on the local runner and it is not loaded: "
                                     "load the model first on Models & Runner → Local Runner")
                != std::string::npos,
            cells[0].error.c_str());
        QVERIFY2(cells[0].error.find("secret") == std::string::npos, cells[0].error.c_str());

        // An endpoint that is not the local runner's still names the missing secret.
        core::Endpoint remote = e;
        remote.kind = core::EndpointKind::OpenAi;
        remote.settings = nlohmann::json::object();
        auto missing = core::ProviderFactory::make(http, remote, &secrets, {}, {});
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().message.find("needs the secret 'runner-test'") != std::string::npos,
            missing.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TstRunnerEndpoints)
#include "tst_runnerendpoints.moc"
