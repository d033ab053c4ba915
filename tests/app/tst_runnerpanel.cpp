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
#include "screenshot.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"
#include "tinymodel.h"
#include "workspacecontroller.h"

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
    if (vocab.empty()) {
        if (qEnvironmentVariableIsSet("CI"))
            QFAIL("llama-server is not installed, but CI must run the runner tests (packaging/bootstrap.sh builds it)");
        QSKIP("llama-server not installed; run packaging/build-llama.sh");
    }
    const QString models = dir.filePath(QStringLiteral("models"));
    QVERIFY(QDir().mkpath(models));
    gpu::TinyModelSpec spec;
    spec.name = "tiny-random-llama";
    QVERIFY(gpu::makeTinyModel(vocab, QString(models + QStringLiteral("/tiny.gguf")).toStdString(),
        QString(models + QStringLiteral("/tiny-lora.gguf")).toStdString(), spec)
                .ok());

    app::AppSettings settings(dir.filePath(QStringLiteral("s.ini")));
    settings.setModelFolders({ models });
    app::WorkspaceController workspace;
    app::MainWindow window(settings, workspace);
    window.resize(1280, 820);
    window.show();
    workspace.openOrCreateWithSamples(dir.filePath(QStringLiteral("ws.assay")));
    QTRY_VERIFY_WITH_TIMEOUT(window.snapshot() != nullptr, 20000);
    window.showPage(app::MainWindow::ModelsPage);
    auto* page = static_cast<app::ModelsPage*>(window.page(app::MainWindow::ModelsPage));
    page->tabs()->setCurrentIndex(1);
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

QTEST_MAIN(TestRunnerPanel)
#include "tst_runnerpanel.moc"
