// SPDX-License-Identifier: MIT
// Models & Runner, end to end: a generated tiny GGUF model in a watched folder, its metadata, hash and fit plan,
// then a real llama-server loaded and unloaded from the page.
#include "appsettings.h"
#include "mainwindow.h"
#include "messagebanner.h"
#include "pages/modelspage.h"
#include "pages/runnerpanel.h"
#include "pages/runspage.h"
#include "runnercontroller.h"
#include "runnertest.h"
#include "screenshot.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"
#include "tinymodel.h"
#include "workspacecontroller.h"

#include "http/httpclient.h"
#include "run/providerfactory.h"

#include <QComboBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace assay;

class TestRunnerPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void libraryPlanLoadUnload();
    void loraBesideBaseAndEmbeddings();
};

void TestRunnerPanel::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

void TestRunnerPanel::libraryPlanLoadUnload()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string vocab = gpu::bundledVocabPath();
    ASSAY_REQUIRE_LLAMA_SERVER(vocab);
    const QString models = dir.filePath(QStringLiteral("models"));
    QVERIFY(test::writeTinyModels(vocab, models, true));
    test::RunnerWindow w(dir, models, { 1280, 820 });
    app::MainWindow& window = w.window;
    QTRY_VERIFY_WITH_TIMEOUT(window.snapshot() != nullptr, 20000);
    app::ModelsPage* page = w.showRunner();
    app::RunnerPanel* panel = page->runnerPanel();

    // The library lists the model (the LoRA adapter is attached to it, not listed alone) and hashes it.
    QTRY_COMPARE_WITH_TIMEOUT(panel->libraryTable()->rowCount(), 1, 10000);
    QCOMPARE(panel->libraryTable()->item(0, 0)->text(), QStringLiteral("tiny-random-llama"));
    QCOMPARE(panel->libraryTable()->item(0, 1)->text(), QStringLiteral("llama"));
    QVERIFY(panel->libraryTable()->item(0, 7)->text().contains(QStringLiteral("LoRA: tiny-lora.gguf")));
    QTRY_VERIFY_WITH_TIMEOUT(panel->libraryTable()->item(0, 6)->text().endsWith(QStringLiteral("…")), 20000);

    // The fit plan is there before loading, in words and numbers.
    QVERIFY2(!panel->planText().isEmpty() && !panel->planText().startsWith(QStringLiteral("✗")),
        qPrintable(panel->planText()));
    panel->gpuLayersBox()->setValue(0);
    QVERIFY(!panel->planText().isEmpty());

    // Load for real; the plan is compared with what the server reports, in the log.
    panel->loadSelected();
    QTRY_VERIFY2_WITH_TIMEOUT(
        panel->stateText().contains(QStringLiteral("Ready")), qPrintable(panel->stateText()), 60000);
    QVERIFY(panel->stateText().contains(QStringLiteral("127.0.0.1")));
    QTRY_VERIFY_WITH_TIMEOUT(panel->logText().contains(QStringLiteral("Plan vs server")), 5000);
    const auto endpoint = window.runner()->endpoint(panel->selectedModel());
    QVERIFY(endpoint.has_value());
    QVERIFY(!panel->logText().contains(QString::fromStdString(endpoint->apiKey))); // the key never reaches the log
    test::saveScreenshot(&window, QStringLiteral("17-models-runner-loaded"));

    // The loaded model is an endpoint like any other: a run from Compare reaches it, and its cell records the
    // runner provenance (model hash, quantization, llama.cpp build, layers, context).
    QTRY_VERIFY2_WITH_TIMEOUT(std::any_of(window.snapshot()->endpoints.begin(), window.snapshot()->endpoints.end(),
                                  [](const core::Endpoint& e) { return e.name == "local: tiny-random-llama"; }),
        qPrintable(window.banner()->text()), 10000);
    window.showPage(app::MainWindow::ComparePage);
    auto* runs = static_cast<app::RunsPage*>(window.page(app::MainWindow::ComparePage));
    runs->choose({ QStringLiteral("suez-what-if") }, { QStringLiteral("local: tiny-random-llama") }, QString());
    runs->startRun();
    QTRY_VERIFY_WITH_TIMEOUT(!runs->runButton()->isEnabled(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(runs->runButton()->isEnabled(), qPrintable(runs->progressText()), 60000);
    QVERIFY2(runs->progressText().contains(QStringLiteral("1 done")), qPrintable(runs->progressText()));
    {
        auto db = core::Workspace::open(window.snapshot()->path);
        QVERIFY(db.ok());
        auto all = core::RunRepository(*db).list();
        QVERIFY(all.ok() && !all->empty());
        auto cells = core::RunRepository(*db).cells(all->front().id);
        QVERIFY(cells.ok());
        QCOMPARE(cells->size(), std::size_t(1));
        const nlohmann::json& runner = cells->front().provenance["runner"];
        QVERIFY2(runner.is_object(), cells->front().provenance.dump().c_str());
        QCOMPARE(QString::fromStdString(runner.value("modelSha256", std::string())).left(12),
            panel->libraryTable()->item(0, 6)->toolTip().left(12));
        QVERIFY(!runner.value("runnerBuild", std::string()).empty());
        QCOMPARE(runner.value("contextSize", 0), 4096);
        QVERIFY(cells->front().request.dump().find(endpoint->apiKey) == std::string::npos);
    }
    window.showPage(app::MainWindow::ModelsPage);
    // The page shows the speed llama-server reported for that request (live tokens/s).
    QTRY_VERIFY2_WITH_TIMEOUT(
        panel->speedText().contains(QStringLiteral("tokens/s")), qPrintable(panel->logText().right(2000)), 5000);

    panel->unloadSelected();
    QTRY_VERIFY_WITH_TIMEOUT(window.runner()->loadedModels().isEmpty(), 10000);
    page->tabs()->setCurrentIndex(0);
}

namespace {
/// The cells of the newest run in the window's workspace.
std::vector<core::RunCell> latestCells(app::MainWindow& window)
{
    auto db = core::Workspace::open(window.snapshot()->path);
    if (!db)
        return {};
    auto all = core::RunRepository(*db).list();
    if (!all || all->empty())
        return {};
    auto cells = core::RunRepository(*db).cells(all->front().id);
    return cells ? *cells : std::vector<core::RunCell> {};
}

std::optional<core::Endpoint> endpointNamed(app::MainWindow& window, const std::string& name)
{
    for (const core::Endpoint& e : window.snapshot()->endpoints)
        if (e.name == name)
            return e;
    return std::nullopt;
}
} // namespace

void TestRunnerPanel::loraBesideBaseAndEmbeddings()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string vocab = gpu::bundledVocabPath();
    ASSAY_REQUIRE_LLAMA_SERVER(vocab);
    const QString models = dir.filePath(QStringLiteral("models"));
    const QString lora = models + QStringLiteral("/tiny-lora.gguf");
    QVERIFY(test::writeTinyModels(vocab, models, true));
    test::RunnerWindow w(dir, models, { 1280, 820 });
    app::MainWindow& window = w.window;
    QTRY_VERIFY_WITH_TIMEOUT(window.snapshot() != nullptr, 20000);
    app::ModelsPage* page = w.showRunner();
    app::RunnerPanel* panel = page->runnerPanel();
    app::RunnerController* runner = window.runner();
    QTRY_COMPARE_WITH_TIMEOUT(panel->libraryTable()->rowCount(), 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->libraryTable()->item(0, 6)->text().endsWith(QStringLiteral("…")), 20000);
    panel->gpuLayersBox()->setValue(0);

    // The adapter choice lists the LoRA attached to the selected model.
    QCOMPARE(panel->adapterBox()->count(), 2);
    QCOMPARE(panel->adapterBox()->itemText(1), QStringLiteral("tiny-lora.gguf"));

    // The model alone, the model with its adapter (a second llama-server), and an embeddings server.
    panel->loadSelected();
    panel->adapterBox()->setCurrentIndex(1);
    panel->loadSelected();
    panel->loadSelectedForEmbeddings();
    QCOMPARE(runner->loadedModels().size(), 3);
    auto allReady = [runner] {
        const QStringList keys = runner->loadedModels();
        return std::all_of(keys.begin(), keys.end(),
            [runner](const QString& k) { return runner->state(k) == gpu::RunnerState::Ready; });
    };
    QTRY_VERIFY2_WITH_TIMEOUT(allReady(), qPrintable(panel->stateText()), 60000);
    const std::string base = "local: tiny-random-llama";
    const std::string adapted = "local: tiny-random-llama + tiny-lora";
    const std::string embeddings = "local: tiny-random-llama (embeddings)";

    // The loaded list names each endpoint and what it serves.
    QTableWidget* loaded = panel->loadedTable();
    auto allServing = [loaded] {
        for (int r = 0; r < loaded->rowCount(); ++r)
            if (loaded->item(r, 2)->text() != QStringLiteral("Ready"))
                return false;
        return loaded->rowCount() == 3;
    };
    QTRY_VERIFY_WITH_TIMEOUT(allServing(), 5000);
    // With several instances loaded, each log line names the instance that wrote it.
    QTRY_VERIFY2_WITH_TIMEOUT(panel->logText().contains(QStringLiteral("[tiny-random-llama + tiny-lora] ")),
        qPrintable(panel->logText().right(1500)), 10000);
    std::map<std::string, QString> serves;
    for (int r = 0; r < panel->loadedTable()->rowCount(); ++r) {
        serves[panel->loadedTable()->item(r, 0)->text().toStdString()] = panel->loadedTable()->item(r, 1)->text();
        QVERIFY(panel->loadedTable()->item(r, 3)->text().startsWith(QStringLiteral("http://127.0.0.1:")));
    }
    QCOMPARE(serves[base], QStringLiteral("chat"));
    QCOMPARE(serves[adapted], QStringLiteral("chat + LoRA"));
    QCOMPARE(serves[embeddings], QStringLiteral("embeddings"));
    // All three compute on the CPU of this machine, so runs take turns between them; the table says so.
    for (int r = 0; r < loaded->rowCount(); ++r)
        QVERIFY2(loaded->item(r, 4)->text().startsWith(QStringLiteral("CPU, in turns with ")),
            qPrintable(loaded->item(r, 4)->text()));

    // All three are endpoints of the workspace; the embeddings one is marked as such.
    QTRY_VERIFY2_WITH_TIMEOUT(
        endpointNamed(window, base) && endpointNamed(window, adapted) && endpointNamed(window, embeddings),
        qPrintable(window.banner()->text()), 10000);
    const core::Endpoint emb = *endpointNamed(window, embeddings);
    QVERIFY(core::ProviderFactory::servesEmbeddings(emb));
    QVERIFY(!core::ProviderFactory::servesEmbeddings(*endpointNamed(window, adapted)));
    QVERIFY(endpointNamed(window, base)->remoteModel != endpointNamed(window, adapted)->remoteModel);

    // /v1/embeddings answers through Assay's client, with the key from the window's store (memory only).
    {
        core::HttpClient http;
        auto client = core::ProviderFactory::makeEmbeddings(http, emb, window.secrets(), {});
        QVERIFY2(client.ok(), client.ok() ? "" : client.error().message.c_str());
        auto out = client->embed({ "red green blue", "the cat sat on the mat" });
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        QCOMPARE(out->vectors.size(), std::size_t(2));
        QCOMPARE(out->vectors[0].size(), std::size_t(64));
        QVERIFY(core::cosineSimilarity(out->vectors[0], out->vectors[1]) < 0.999);
    }
    panel->loadedTable()->clearSelection();
    const QString shot = test::saveScreenshot(&window, QStringLiteral("18-models-runner-lora-embeddings"));
    qInfo("screenshot: %s", qPrintable(shot));

    // A run against the model alone and the model with its adapter, side by side: each cell names its adapter.
    window.showPage(app::MainWindow::ComparePage);
    auto* runs = static_cast<app::RunsPage*>(window.page(app::MainWindow::ComparePage));
    runs->choose({ QStringLiteral("suez-what-if") }, { QString::fromStdString(base), QString::fromStdString(adapted) },
        QString());
    runs->startRun();
    QTRY_VERIFY_WITH_TIMEOUT(!runs->runButton()->isEnabled(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(runs->runButton()->isEnabled(), qPrintable(runs->progressText()), 60000);
    QVERIFY2(runs->progressText().contains(QStringLiteral("2 done")), qPrintable(runs->progressText()));
    std::map<std::string, core::RunCell> byEndpoint;
    for (const core::RunCell& c : latestCells(window))
        byEndpoint[c.provenance.value("endpoint", std::string())] = c;
    QCOMPARE(byEndpoint.size(), std::size_t(2));
    const auto baseLoras = byEndpoint[base].provenance["runner"]["loraPaths"];
    const auto adaptedLoras = byEndpoint[adapted].provenance["runner"]["loraPaths"];
    QVERIFY2(baseLoras.is_array() && baseLoras.empty(), byEndpoint[base].provenance.dump().c_str());
    QVERIFY2(adaptedLoras.is_array() && adaptedLoras.size() == 1
            && QString::fromStdString(adaptedLoras[0].get<std::string>()).endsWith(QStringLiteral("/tiny-lora.gguf")),
        byEndpoint[adapted].provenance.dump().c_str());
    QCOMPARE(byEndpoint[adapted].provenance["runner"].value("modelSha256", std::string()),
        byEndpoint[base].provenance["runner"].value("modelSha256", std::string()));
    QVERIFY(byEndpoint[base].requestHash != byEndpoint[adapted].requestHash); // never each other's cache entry
    QVERIFY(!byEndpoint[base].output.empty() && !byEndpoint[adapted].output.empty());
    // Both compute on the CPU: the log says they take turns, and each cell records it.
    QCOMPARE(byEndpoint[base].provenance["runner"]["computeDevices"], nlohmann::json::array({ "CPU" }));
    QVERIFY2(panel->logText().contains(QStringLiteral("a run sends them requests in turns")),
        qPrintable(panel->logText().right(2000)));

    // Unloading the model alone leaves its endpoint in the workspace; a run against it says it is not loaded.
    window.showPage(app::MainWindow::ModelsPage);
    for (int r = 0; r < panel->loadedTable()->rowCount(); ++r)
        if (panel->loadedTable()->item(r, 0)->text().toStdString() == base)
            panel->loadedTable()->selectRow(r);
    panel->unloadSelected();
    QTRY_COMPARE_WITH_TIMEOUT(runner->loadedModels().size(), 2, 10000);
    QVERIFY(endpointNamed(window, base).has_value());
    window.showPage(app::MainWindow::ComparePage);
    runs->choose({ QStringLiteral("retail-site-code") }, { QString::fromStdString(base) }, QString());
    runs->startRun();
    QTRY_VERIFY_WITH_TIMEOUT(!runs->runButton()->isEnabled(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(runs->runButton()->isEnabled(), qPrintable(runs->progressText()), 60000);
    const auto failed = latestCells(window);
    QCOMPARE(failed.size(), std::size_t(1));
    QCOMPARE(failed[0].status, core::CellStatus::Failed);
    QVERIFY2(failed[0].error.find("'local: tiny-random-llama' is a model on the local runner and it is not loaded: "
                                  "load the model first on Models & Runner → Local Runner")
            != std::string::npos,
        failed[0].error.c_str());

    for (const QString& key : runner->loadedModels())
        runner->unload(key);
    QTRY_VERIFY_WITH_TIMEOUT(runner->loadedModels().isEmpty(), 10000);
    page->tabs()->setCurrentIndex(0);
}

QTEST_MAIN(TestRunnerPanel)
#include "tst_runnerpanel.moc"
