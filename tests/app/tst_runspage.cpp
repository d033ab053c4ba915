// SPDX-License-Identifier: MIT
// Reaching models from the GUI, end to end: an endpoint saved with its key in the secret store (never in the
// workspace), "Test Connection" and a run from the Compare page against a real loopback server, with live progress.
#include "appsettings.h"
#include "loopbackserver.h"
#include "mainwindow.h"
#include "pages/comparepanel.h"
#include "pages/endpointspanel.h"
#include "pages/modelspage.h"
#include "pages/runspage.h"
#include "replies.h"
#include "screenshot.h"
#include "workspacecontroller.h"

#include "storage/promptrepository.h"
#include "storage/workspace.h"

#include <QComboBox>
#include <QFile>
#include <QPushButton>
#include <QStandardPaths>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace assay;

class TestRunsPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void endpointTestAndRun();
};

void TestRunsPage::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

void TestRunsPage::endpointTestAndRun()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    qputenv("XDG_CONFIG_HOME", dir.filePath(QStringLiteral("config")).toUtf8()); // the secret store's folder
    qputenv("ASSAY_SECRETS", "file"); // this test reads the 0600 file; tst_secretstores covers the choice
    const QByteArray secret = "sk-test-Zq8vN3-never-in-the-workspace";

    test::LoopbackServer server;
    test::StreamScript script;
    script.tokens = { "Margaret", " Thatcher" };
    script.delayMs = 300; // a run of a few seconds, so the progress can be seen mid-way
    auto streaming = test::openAiStream(script);
    auto plain = test::openAiJson("OK");
    server.route("/v1/chat/completions", [&](const test::RecordedRequest& r, test::ResponseWriter& w) {
        if (r.body.find("\"stream\":true") != std::string::npos)
            streaming(r, w);
        else
            plain(r, w);
    });
    QVERIFY2(server.start(), server.lastError().c_str());

    app::AppSettings settings(dir.filePath(QStringLiteral("s.ini")));
    app::WorkspaceController workspace;
    app::MainWindow window(settings, workspace);
    window.resize(1280, 820);
    window.show();
    const QString path = dir.filePath(QStringLiteral("ws.assay"));
    workspace.openOrCreateWithSamples(path);
    QTRY_VERIFY_WITH_TIMEOUT(window.snapshot() != nullptr, 20000);

    // Compare says what is missing before there is an endpoint.
    window.showPage(app::MainWindow::ComparePage);
    test::saveScreenshot(&window, QStringLiteral("18-compare-no-endpoints"));

    // The endpoint editor: save with a key, then test the connection.
    window.showPage(app::MainWindow::ModelsPage);
    auto* models = static_cast<app::ModelsPage*>(window.page(app::MainWindow::ModelsPage));
    models->tabs()->setCurrentIndex(1);
    app::EndpointsPanel* endpoints = models->endpointsPanel();
    core::Endpoint e;
    e.name = "loopback-gpt";
    e.kind = core::EndpointKind::OpenAi;
    e.baseUrl = server.baseUrl() + "/v1";
    e.remoteModel = "gpt-test";
    e.secretRef = "loopback-key";
    endpoints->edit(e);
    endpoints->setApiKey(QString::fromLatin1(secret));
    endpoints->save();
    QTRY_VERIFY2_WITH_TIMEOUT(
        endpoints->statusText().startsWith(QStringLiteral("Saved")), qPrintable(endpoints->statusText()), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(window.snapshot()->endpoints.size(), std::size_t(1), 10000);
    endpoints->testConnection();
    QTRY_VERIFY2_WITH_TIMEOUT(
        endpoints->statusText().contains(QStringLiteral("Connected")), qPrintable(endpoints->statusText()), 10000);
    test::saveScreenshot(&window, QStringLiteral("19-endpoint-editor"));
    bool sawKey = false;
    for (const auto& r : server.requests())
        for (const auto& [name, value] : r.headers)
            sawKey = sawKey || value.find(secret.constData()) != std::string::npos;
    QVERIFY2(sawKey, "the request carried the key from the secret store");

    // A prompt with a long history: its 20 newest versions are listed, the older ones under a node that lists them
    // when opened; choosing an old version lists them at once.
    {
        auto db = core::Workspace::open(path.toStdString());
        QVERIFY(db.ok());
        core::PromptRepository prompts(*db, "test");
        core::PromptContent content;
        content.messages.push_back({ "user", "Say {{x}}" });
        core::Prompt meta;
        meta.name = "long-history";
        auto first = prompts.createPrompt(meta, content, "test");
        QVERIFY(first.ok());
        for (int v = 2; v <= 25; ++v) {
            content.messages[0].content = "Say {{x}} (take " + std::to_string(v) + ")";
            QVERIFY(prompts.saveVersion(first->promptId, content, "test").ok());
        }
    }
    workspace.refresh();
    auto* runsPage = static_cast<app::RunsPage*>(window.page(app::MainWindow::ComparePage));
    auto promptItem = [&]() -> QTreeWidgetItem* {
        for (int i = 0; i < runsPage->promptTree()->topLevelItemCount(); ++i)
            if (runsPage->promptTree()->topLevelItem(i)->data(0, Qt::UserRole).toString()
                == QStringLiteral("long-history"))
                return runsPage->promptTree()->topLevelItem(i);
        return nullptr;
    };
    QTRY_VERIFY_WITH_TIMEOUT(promptItem() != nullptr, 10000);
    QTreeWidgetItem* longHistory = promptItem();
    QCOMPARE(longHistory->childCount(), 21);
    QCOMPARE(longHistory->child(0)->data(0, Qt::UserRole).toString(), QStringLiteral("long-history@25"));
    QCOMPARE(longHistory->child(19)->data(0, Qt::UserRole).toString(), QStringLiteral("long-history@6"));
    QTreeWidgetItem* older = longHistory->child(20);
    QCOMPARE(older->text(0), QStringLiteral("older versions (5 to 1)"));
    QCOMPARE(older->childCount(), 0);
    longHistory->setExpanded(true);
    older->setExpanded(true);
    QCOMPARE(older->childCount(), 5);
    QCOMPARE(older->child(4)->data(0, Qt::UserRole).toString(), QStringLiteral("long-history@1"));
    workspace.refresh(); // rebuilt: the old versions are unlisted again until one is needed
    QTRY_VERIFY_WITH_TIMEOUT(promptItem() && promptItem()->child(20)->childCount() == 0, 10000);
    runsPage->choose({ QStringLiteral("long-history@2") }, {}, QString());
    QCOMPARE(promptItem()->child(20)->childCount(), 5);
    QCOMPARE(promptItem()->child(20)->child(3)->checkState(0), Qt::Checked);
    QVERIFY(!promptItem()->child(20)->data(0, Qt::CheckStateRole).isValid()); // the node itself has no box

    // A run from the Compare page: 1 prompt × 1 endpoint × the UK PM dataset.
    window.showPage(app::MainWindow::ComparePage);
    auto* runs = runsPage;
    runs->choose(
        { QStringLiteral("uk-pm-qa@prod") }, { QStringLiteral("loopback-gpt") }, QStringLiteral("UK prime ministers"));
    runs->startRun();
    QTRY_VERIFY2_WITH_TIMEOUT(
        runs->progressText().contains(QStringLiteral(" of ")), qPrintable(runs->progressText()), 10000);
    test::saveScreenshot(&window, QStringLiteral("20-compare-run-progress"));
    QTRY_VERIFY2_WITH_TIMEOUT(runs->runButton()->isEnabled(), qPrintable(runs->progressText()), 60000);
    QVERIFY2(runs->progressText().contains(QStringLiteral("0 failed")), qPrintable(runs->progressText()));
    widgets::CompareModel* grid = runs->comparePanel()->model();
    QTRY_VERIFY_WITH_TIMEOUT(grid->rowCount() == 8 && grid->summary(0).ok == 8, 10000);
    QVERIFY(grid->text(0, 1).contains(QStringLiteral("Margaret Thatcher")));
    QTRY_COMPARE_WITH_TIMEOUT(runs->runSelector()->count(), 1, 10000);
    QVERIFY(!runs->runSelector()->currentData().toString().isEmpty());
    test::saveScreenshot(&window, QStringLiteral("21-compare-run-finished"));

    // The key is in the secret store (0600), never in the workspace file or its WAL.
    for (const QString& file : QStringList { path, path + QStringLiteral("-wal") }) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        QVERIFY2(!f.readAll().contains(secret), qPrintable(file));
    }
    QFile store(dir.filePath(QStringLiteral("config/assay/secrets.json")));
    QVERIFY(store.exists());
    QCOMPARE(
        int(store.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther)), 0);
}

QTEST_MAIN(TestRunsPage)
#include "tst_runspage.moc"
