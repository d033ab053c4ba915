// SPDX-License-Identifier: MIT
// The Compare page end to end against a real loopback server with three models: the grid streams in, badges and
// column summaries, the expanded cell view, a diff between two cells, the row filters, text/regex filter, sort,
// hidden columns saved per run, keyboard navigation and copy, re-running one cell, export (CSV, JSONL, HTML) and a
// quick run of ad-hoc inputs. The item models are checked by QAbstractItemModelTester throughout.
#include "appsettings.h"
#include "comparedelegate.h"
#include "compareview.h"
#include "loopbackserver.h"
#include "mainwindow.h"
#include "pages/celldetail.h"
#include "pages/comparepanel.h"
#include "pages/runspage.h"
#include "replies.h"
#include "runnertest.h"
#include "screenshot.h"
#include "workspacecontroller.h"

#include "pages/modelspage.h"
#include "pages/runnerpanel.h"
#include "runnercontroller.h"
#include "tinymodel.h"

#include "storage/modelrepository.h"
#include "storage/promptrepository.h"

#include <QAbstractItemModelTester>
#include <QClipboard>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

#include <atomic>
#include <optional>
#include <set>

using namespace assay;
using Filter = widgets::CompareFilterModel;

namespace {
std::string lastUser(const std::string& body)
{
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.contains("messages") || j["messages"].empty())
        return {};
    return j["messages"].back().value("content", "");
}

bool has(const std::string& text, std::initializer_list<const char*> words)
{
    for (const char* w : words)
        if (text.find(w) != std::string::npos)
            return true;
    return false;
}

/// Adds OpenAI endpoints NAME -> <base>/<path>/v1 to the open workspace, on its thread.
bool addEndpoints(app::WorkspaceController& workspace, QObject* context, const std::string& base,
    const std::vector<std::pair<std::string, std::string>>& endpoints)
{
    std::optional<bool> created;
    workspace.call<bool>(
        context,
        [base, endpoints](core::Db& db) -> core::Result<bool> {
            core::ModelRepository models(db, "test");
            for (const auto& [name, path] : endpoints) {
                core::Endpoint e;
                e.name = name;
                e.kind = core::EndpointKind::OpenAi;
                e.baseUrl = base + "/" + path + "/v1";
                e.remoteModel = "model-" + path;
                if (auto made = models.createEndpoint(e); !made)
                    return made.error();
            }
            return true;
        },
        [&](core::Result<bool> r) {
            if (!r)
                qWarning("%s", r.error().message.c_str());
            created = static_cast<bool>(r);
        });
    QElapsedTimer t;
    t.start();
    while (!created && t.elapsed() < 10000)
        QTest::qWait(20);
    workspace.refresh();
    return created.value_or(false);
}

/// The keyword classifier: a label for the review, streamed slowly.
void keywordModel(const test::RecordedRequest& r, test::ResponseWriter& w);

/// Streams @p text in pieces of @p piece characters, @p delayMs apart.
void stream(const test::RecordedRequest& r, test::ResponseWriter& w, const std::string& text, int delayMs)
{
    test::StreamScript s;
    s.tokens.clear();
    for (std::size_t i = 0; i < text.size(); i += 4)
        s.tokens.push_back(text.substr(i, 4));
    s.delayMs = delayMs;
    test::openAiStream(s)(r, w);
}
void keywordModel(const test::RecordedRequest& r, test::ResponseWriter& w)
{
    const std::string review = lastUser(r.body);
    const std::string label = has(review, { "love", "great", "perfect", "gorgeous", "Excellent", "best" }) ? "positive"
        : has(review, { "never", "Stopped", "broke", "worst", "refund", "disappoint" })                    ? "negative"
                                                                                                           : "neutral";
    stream(r, w, label, 250);
}
} // namespace

class TestComparePage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void gridEndToEnd();
    void localModelBesideApis();
};

void TestComparePage::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

void TestComparePage::gridEndToEnd()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    qputenv("XDG_CONFIG_HOME", dir.filePath(QStringLiteral("config")).toUtf8());
    qputenv("ASSAY_SECRETS", "file");

    // Three models: a keyword classifier streaming slowly, one that always says "positive", and a verbose one that
    // fails on reviews mentioning the phone (until it is "fixed" for the re-run).
    test::LoopbackServer server;
    std::atomic<bool> fixed { false };
    server.route("/a/v1/chat/completions", keywordModel);
    server.route("/b/v1/chat/completions",
        [](const test::RecordedRequest& r, test::ResponseWriter& w) { stream(r, w, "positive", 0); });
    server.route("/c/v1/chat/completions", [&fixed](const test::RecordedRequest& r, test::ResponseWriter& w) {
        const std::string review = lastUser(r.body);
        if (!fixed && has(review, { "phone", "Phone" })) {
            test::jsonStatus(500, R"({"error":{"message":"upstream overloaded"}})")(r, w);
            return;
        }
        stream(r, w, "The sentiment of this review is " + std::string(fixed ? "neutral" : "positive") + ".", 10);
    });
    QVERIFY2(server.start(), server.lastError().c_str());

    app::AppSettings settings(dir.filePath(QStringLiteral("s.ini")));
    app::WorkspaceController workspace;
    app::MainWindow window(settings, workspace);
    window.resize(1440, 900);
    window.show();
    workspace.openOrCreateWithSamples(dir.filePath(QStringLiteral("ws.assay")));
    QTRY_VERIFY_WITH_TIMEOUT(window.snapshot() != nullptr, 20000);
    QVERIFY(addEndpoints(workspace, this, server.baseUrl(),
        { { "keyword-model", "a" }, { "always-positive", "b" }, { "verbose-flaky", "c" } }));
    QTRY_COMPARE_WITH_TIMEOUT(window.snapshot()->endpoints.size(), std::size_t(3), 10000);

    window.showPage(app::MainWindow::ComparePage);
    auto* page = static_cast<app::RunsPage*>(window.page(app::MainWindow::ComparePage));
    app::ComparePanel* panel = page->comparePanel();
    QAbstractItemModelTester modelTester(panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester filterTester(panel->filter(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    test::saveScreenshot(&window, QStringLiteral("22-compare-launcher"));

    // Run: 1 prompt × 3 models × 12 labeled rows. Cells stream in before they are committed.
    page->choose({ QStringLiteral("sentiment-classify") },
        { QStringLiteral("keyword-model"), QStringLiteral("always-positive"), QStringLiteral("verbose-flaky") },
        QStringLiteral("Product review sentiment"));
    page->startRun();
    auto anyStreaming = [&] {
        for (int r = 0; r < panel->model()->rowCount(); ++r)
            for (int c = 1; c < panel->model()->columnCount(); ++c)
                if (panel->model()->index(r, c).data(widgets::CompareModel::StatusRole).toString()
                    == QLatin1String("streaming"))
                    return true;
        return false;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(anyStreaming(),
        qPrintable(page->progressText()
            + QStringLiteral(" | grid rows %1, run %2").arg(panel->model()->rowCount()).arg(panel->runId())),
        20000);
    test::saveScreenshot(&window, QStringLiteral("23-compare-streaming"));
    QTRY_VERIFY2_WITH_TIMEOUT(page->runButton()->isEnabled(), qPrintable(page->progressText()), 60000);
    widgets::CompareModel* model = panel->model();
    QCOMPARE(model->rowCount(), 12);
    QCOMPARE(model->columnCount(), 4);
    // Columns follow the order the endpoints were listed in; find them by name. K, P, V: model columns (1-based),
    // k, p, v: grid columns (0-based).
    auto column = [&](const char* name) {
        for (std::size_t c = 0; c < model->grid().columnCount(); ++c)
            if (model->grid().columns()[c].endpointName == name)
                return int(c) + 1;
        return -1;
    };
    const int K = column("keyword-model");
    const int P = column("always-positive");
    const int V = column("verbose-flaky");
    QVERIFY(K > 0 && P > 0 && V > 0);
    const int k = K - 1;
    const int v = V - 1;
    QTRY_COMPARE_WITH_TIMEOUT(model->summary(k).ok, std::int64_t { 12 }, 5000);
    QCOMPARE(model->text(0, K), QStringLiteral("positive"));
    QCOMPARE(model->text(1, K), QStringLiteral("negative"));
    QCOMPARE(model->text(1, P), QStringLiteral("positive"));
    QVERIFY(model->summary(v).failed > 0);
    QCOMPARE(model->summary(v).ok + model->summary(v).failed, std::int64_t { 12 });
    QVERIFY(model->headerData(K, Qt::Horizontal).toString().startsWith(QStringLiteral("keyword-model\n✓ 100 %")));
    QVERIFY(model->badge(0, K).contains(QStringLiteral("tok")));
    QVERIFY(model->badge(0, K).contains(QStringLiteral("= label")));
    QVERIFY(model->badge(1, P).contains(QStringLiteral("≠ label")));
    QVERIFY(model->badge(0, 0).contains(QStringLiteral("label: positive")));
    QCOMPARE(page->runSelector()->count(), 1);
    panel->view()->setCurrentIndex(panel->filter()->index(1, K));
    QTRY_VERIFY_WITH_TIMEOUT(panel->detail()->promptText().contains(QStringLiteral("Stopped working")), 5000);
    QVERIFY(panel->detail()->provenanceText().contains(QStringLiteral("cellKey")));
    // The exchange as sent and received: method, URL, JSON body; the SSE stream as the server sent it.
    const QString exchange = panel->detail()->requestText();
    QVERIFY2(exchange.contains(QStringLiteral("POST http://127.0.0.1:")), qPrintable(exchange));
    QVERIFY(exchange.contains(QStringLiteral("/a/v1/chat/completions")));
    QVERIFY(exchange.contains(QStringLiteral("\"stream\": true")));
    QVERIFY(exchange.contains(QStringLiteral("data: ")));
    QVERIFY(exchange.contains(QStringLiteral("Normalized request")));
    QCOMPARE(panel->detail()->outputText(), QStringLiteral("negative"));
    // Rows are as tall as their longest visible cell, up to Lines: a row whose flaky cell failed (a 4-line error
    // message in this column's width) is taller than a row of short answers. Hiding that column shortens it.
    {
        widgets::CompareView* grid = panel->view();
        widgets::CompareDelegate* d = grid->compareDelegate();
        int failedRow = -1;
        int shortRow = -1;
        for (int r = 0; r < panel->filter()->rowCount(); ++r) {
            const bool failed = panel->filter()->index(r, V).data(widgets::CompareModel::StatusRole).toString()
                == QStringLiteral("failed");
            if (failed && failedRow < 0)
                failedRow = r;
            if (!failed && shortRow < 0)
                shortRow = r; // short answers, and an input of one or two lines
        }
        QVERIFY(failedRow >= 0 && shortRow >= 0);
        grid->fitVisibleRows();
        const int one = d->heightForLines(grid->font(), 1);
        const int most = d->heightForLines(grid->font(), grid->linesPerRow());
        QCOMPARE(grid->rowHeight(failedRow), most); // the error needs 4 lines or more: Lines (4) caps it
        QVERIFY2(grid->rowHeight(shortRow) < most, qPrintable(QString::number(grid->rowHeight(shortRow))));
        QVERIFY(grid->rowHeight(shortRow) >= one);
        grid->setColumnHidden(V, true);
        grid->fitVisibleRows();
        QVERIFY2(grid->rowHeight(failedRow) < most, qPrintable(QString::number(grid->rowHeight(failedRow))));
        grid->setColumnHidden(V, false);
        grid->fitVisibleRows();
        QCOMPARE(grid->rowHeight(failedRow), most);
    }
    test::saveScreenshot(&window, QStringLiteral("24-compare-grid"));

    // Diff between two cells of a row.
    panel->compareCells(panel->filter()->index(0, K), panel->filter()->index(0, V));
    QVERIFY(panel->detail()->diffHtml(true).contains(QStringLiteral("sentiment")));
    QCOMPARE(panel->detail()->currentIndex(), int(app::CellDetail::DiffTab));
    test::saveScreenshot(&window, QStringLiteral("25-compare-diff"));

    // Row filters, judged over the visible columns; text and regex filters; an invalid regex is refused.
    panel->setRowFilter(Filter::RowFilter::Failed);
    const int failedRows = panel->filter()->rowCount();
    QCOMPARE(failedRows, int(model->summary(v).failed));
    panel->setRowFilter(Filter::RowFilter::Disagree);
    QVERIFY(panel->filter()->rowCount() > 0 && panel->filter()->rowCount() < 12);
    for (int r = 0; r < panel->filter()->rowCount(); ++r) {
        bool disagrees = false;
        for (int c = 1; c < 4; ++c) {
            const QVariant m = panel->filter()->index(r, c).data(widgets::CompareModel::MatchesLabelRole);
            disagrees = disagrees || (m.isValid() && !m.toBool());
        }
        QVERIFY(disagrees);
    }
    test::saveScreenshot(&window, QStringLiteral("26-compare-filtered"));
    panel->setRowFilter(Filter::RowFilter::Differ);
    const int differ = panel->filter()->rowCount(); // the verbose model differs wherever it answered
    QCOMPARE(differ, 12 - failedRows + 1); // + the failed rows where the other two disagree (one: "neutral" phone)
    panel->setGridColumnVisible(v, false);
    QVERIFY(panel->filter()->rowCount() < differ); // without it, rows where the two others agree drop out
    panel->setGridColumnVisible(v, true);
    panel->setRowFilter(Filter::RowFilter::All);
    // The text filter's pass runs on workers: the rows follow it once it is applied (textFilterApplied).
    QVERIFY(panel->setSearch(QStringLiteral("battery"), false));
    QTRY_VERIFY(!panel->filter()->textFilterPending());
    QCOMPARE(panel->filter()->rowCount(), 1);
    QVERIFY(panel->setSearch(QStringLiteral("^(negative|neutral)$"), true));
    QTRY_VERIFY(!panel->filter()->textFilterPending());
    QVERIFY(panel->filter()->rowCount() >= 8);
    QVERIFY(!panel->setSearch(QStringLiteral("(unclosed"), true));
    QVERIFY(!panel->filter()->textFilterPending());
    QVERIFY(panel->filter()->rowCount() >= 8); // the previous filter stays
    QVERIFY(panel->setSearch(QString(), false));
    QVERIFY(!panel->filter()->textFilterPending()); // an empty filter applies at once
    QCOMPARE(panel->rowCountText(), QStringLiteral("12 rows × 3 columns"));

    // Sort by latency (descending) on the keyword model's column: missing values last, larger first.
    panel->setSortKey(Filter::SortKey::Latency);
    panel->view()->sortByColumn(K, Qt::DescendingOrder);
    for (int r = 1; r < panel->filter()->rowCount(); ++r)
        QVERIFY(panel->filter()->index(r - 1, K).data(widgets::CompareModel::LatencyRole).toDouble()
            >= panel->filter()->index(r, K).data(widgets::CompareModel::LatencyRole).toDouble());
    panel->view()->sortByColumn(-1, Qt::AscendingOrder);
    panel->setSortKey(Filter::SortKey::Row);
    QCOMPARE(panel->filter()->index(0, 0).data(widgets::CompareModel::GridRowRole).toInt(), 0);

    // Keyboard navigation and copy.
    panel->view()->setFocus();
    panel->view()->setCurrentIndex(panel->filter()->index(0, 0));
    QTest::keyClick(panel->view(), Qt::Key_Down);
    QCOMPARE(panel->view()->currentIndex().row(), 1);
    for (int c = 0; c < K; ++c)
        QTest::keyClick(panel->view(), Qt::Key_Right);
    QCOMPARE(panel->view()->currentIndex().column(), K);
    QTest::keyClick(panel->view(), Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("negative"));

    // Hide a column and reorder another: the state is saved per run and comes back.
    panel->setGridColumnVisible(0, false);
    panel->view()->horizontalHeader()->moveSection(3, 1);
    panel->setLinesPerRow(6);
    const QString runId = panel->runId();
    panel->clear();
    QVERIFY(panel->model()->isEmpty());
    panel->showRun(runId);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->model()->isEmpty(), 10000);
    QVERIFY(panel->view()->isColumnHidden(1));
    QCOMPARE(panel->view()->horizontalHeader()->visualIndex(3), 1);
    QCOMPARE(panel->view()->linesPerRow(), 6);
    panel->setGridColumnVisible(0, true);
    panel->view()->horizontalHeader()->moveSection(1, 3);
    panel->setLinesPerRow(4);

    // Re-run the failed cells of the flaky model after it is fixed: they turn ok in place.
    fixed = true;
    panel->view()->clearSelection();
    for (int r = 0; r < 12; ++r)
        if (model->index(r, V).data(widgets::CompareModel::StatusRole).toString() == QLatin1String("failed"))
            panel->view()->selectionModel()->select(
                panel->filter()->mapFromSource(model->index(r, V)), QItemSelectionModel::Select);
    QCOMPARE(int(panel->selectedCellKeys().size()), failedRows);
    Q_EMIT panel->rerunRequested(panel->runId(), panel->selectedCellKeys());
    QTRY_VERIFY_WITH_TIMEOUT(!page->runButton()->isEnabled(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(page->runButton()->isEnabled(), qPrintable(page->progressText()), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(model->summary(v).ok, std::int64_t { 12 }, 5000);
    QCOMPARE(page->runSelector()->count(), 1); // the same run, not a new one

    // Export what is shown: CSV, JSON Lines with provenance, and a self-contained HTML report.
    panel->setRowFilter(Filter::RowFilter::Disagree);
    const int shown = panel->filter()->rowCount();
    QVERIFY(shown > 0);
    QList<QString> done;
    connect(panel, &app::ComparePanel::exported, this, [&](const QString& path, bool ok, const QString& message) {
        QVERIFY2(ok, qPrintable(message));
        done << path;
    });
    const QString csv = dir.filePath(QStringLiteral("grid.csv"));
    const QString jsonl = dir.filePath(QStringLiteral("grid.jsonl"));
    const QString html = dir.filePath(QStringLiteral("grid.html"));
    panel->exportTo(csv, core::CompareFormat::Csv);
    panel->exportTo(jsonl, core::CompareFormat::Jsonl);
    panel->exportTo(html, core::CompareFormat::Html);
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 3, 10000);
    QFile jf(jsonl);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = jf.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), shown * 3);
    const auto first = nlohmann::json::parse(lines.first().toStdString());
    QVERIFY(first["provenance"].is_object());
    QVERIFY(first["request"]["messages"].is_array());
    QFile hf(html);
    QVERIFY(hf.open(QIODevice::ReadOnly));
    const QString report = QString::fromUtf8(hf.readAll());
    QVERIFY(report.contains(QStringLiteral("<h2>Summary</h2>")));
    QVERIFY(!report.contains(QStringLiteral("<script")));
    QTextBrowser rendered;
    rendered.resize(1280, 900);
    rendered.setHtml(report);
    rendered.show();
    test::saveScreenshot(&rendered, QStringLiteral("27-compare-export-html"));
    rendered.hide();
    panel->setRowFilter(Filter::RowFilter::All);

    // Quick run of ad-hoc inputs: a plain line fills the prompt's only variable, a JSON line names it.
    page->choose({ QStringLiteral("sentiment-classify") }, { QStringLiteral("keyword-model") }, QString(),
        QStringLiteral("I love this kettle\n{\"review\": \"It broke on day two\"}"));
    page->startRun();
    QTRY_VERIFY_WITH_TIMEOUT(!page->runButton()->isEnabled(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(page->runButton()->isEnabled(), qPrintable(page->progressText()), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowCount() == 2 && panel->model()->summary(0).ok == 2, 10000);
    QCOMPARE(panel->model()->text(0, 0), QStringLiteral("I love this kettle"));
    QCOMPARE(panel->model()->text(0, 1), QStringLiteral("positive"));
    QCOMPARE(panel->model()->text(1, 1), QStringLiteral("negative"));
    QTRY_COMPARE_WITH_TIMEOUT(page->runSelector()->count(), 2, 10000);

    // Two versions of one prompt side by side: save a version 2, then pick @1 and @2 under the prompt.
    std::optional<bool> saved;
    workspace.call<bool>(
        this,
        [](core::Db& db) -> core::Result<bool> {
            core::PromptRepository prompts(db, "test");
            auto v1 = prompts.resolve("sentiment-classify@1");
            if (!v1)
                return v1.error();
            core::PromptContent c = v1->content;
            c.messages.front().content += " Think twice.";
            auto v2 = prompts.saveVersion(v1->promptId, c, "stricter");
            if (!v2)
                return v2.error();
            return true;
        },
        [&](core::Result<bool> r) { saved = static_cast<bool>(r); });
    QTRY_VERIFY_WITH_TIMEOUT(saved.has_value(), 10000);
    QVERIFY(*saved);
    workspace.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(window.snapshot()->prompts.begin(), window.snapshot()->prompts.end(),
                                 [](const auto& p) { return p.name == "sentiment-classify" && p.latestVersion == 2; }),
        10000);
    page->choose({ QStringLiteral("sentiment-classify@1"), QStringLiteral("sentiment-classify@2") },
        { QStringLiteral("always-positive") }, QString(), QStringLiteral("I love this kettle"));
    page->startRun();
    QTRY_COMPARE_WITH_TIMEOUT(page->runSelector()->count(), 3, 10000); // a fast run: it may be over at once
    QTRY_VERIFY2_WITH_TIMEOUT(page->runButton()->isEnabled(), qPrintable(page->progressText()), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->columnCount() == 3 && panel->model()->summary(1).ok == 1, 10000);
    std::set<std::string> titles; // in the order the versions are listed (latest first)
    for (const auto& c : panel->model()->grid().columns())
        titles.insert(c.title);
    QVERIFY(titles
        == std::set<std::string>(
            { "always-positive · sentiment-classify v1", "always-positive · sentiment-classify v2" }));
}

void TestComparePage::localModelBesideApis()
{
    // A model on the local runner (a real llama-server on a generated tiny model) in the same grid as two APIs.
    const std::string vocab = gpu::bundledVocabPath();
    ASSAY_REQUIRE_LLAMA_SERVER(vocab);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    qputenv("XDG_CONFIG_HOME", dir.filePath(QStringLiteral("config")).toUtf8());
    qputenv("ASSAY_SECRETS", "file");
    const QString models = dir.filePath(QStringLiteral("models"));
    QVERIFY(test::writeTinyModels(vocab, models, false));
    test::LoopbackServer server;
    server.route("/a/v1/chat/completions", keywordModel);
    server.route("/b/v1/chat/completions",
        [](const test::RecordedRequest& r, test::ResponseWriter& w) { stream(r, w, "positive", 0); });
    QVERIFY2(server.start(), server.lastError().c_str());

    test::RunnerWindow w(dir, models, { 1440, 900 });
    app::MainWindow& window = w.window;
    QTRY_VERIFY_WITH_TIMEOUT(window.snapshot() != nullptr, 20000);
    QVERIFY(
        addEndpoints(w.workspace, this, server.baseUrl(), { { "keyword-model", "a" }, { "always-positive", "b" } }));
    app::RunnerPanel* runner = w.showRunner()->runnerPanel();
    QTRY_COMPARE_WITH_TIMEOUT(runner->libraryTable()->rowCount(), 1, 10000);
    runner->gpuLayersBox()->setValue(0);
    runner->loadSelected();
    QTRY_VERIFY2_WITH_TIMEOUT(
        runner->stateText().contains(QStringLiteral("Ready")), qPrintable(runner->stateText()), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(window.snapshot()->endpoints.size(), std::size_t(3), 10000);

    window.showPage(app::MainWindow::ComparePage);
    auto* page = static_cast<app::RunsPage*>(window.page(app::MainWindow::ComparePage));
    app::ComparePanel* panel = page->comparePanel();
    page->choose({ QStringLiteral("sentiment-classify") },
        { QStringLiteral("local: tiny-random-llama"), QStringLiteral("keyword-model"),
            QStringLiteral("always-positive") },
        QStringLiteral("Product review sentiment"));
    page->startRun();
    QTRY_VERIFY_WITH_TIMEOUT(!page->runButton()->isEnabled(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(page->runButton()->isEnabled(), qPrintable(page->progressText()), 120000);
    QVERIFY2(page->progressText().contains(QStringLiteral("0 failed")), qPrintable(page->progressText()));
    widgets::CompareModel* model = panel->model();
    QCOMPARE(model->columnCount(), 4);
    int local = -1;
    for (std::size_t c = 0; c < model->grid().columnCount(); ++c)
        if (model->grid().columns()[c].endpointName == "local: tiny-random-llama")
            local = int(c);
    QVERIFY(local >= 0);
    QTRY_COMPARE_WITH_TIMEOUT(model->summary(local).ok, std::int64_t { 12 }, 5000);
    QVERIFY(model->summary(local).tokensPerSecond.has_value());
    panel->view()->setCurrentIndex(panel->filter()->index(0, local + 1));
    panel->detail()->setCurrentIndex(app::CellDetail::ProvenanceTab);
    QTRY_VERIFY2_WITH_TIMEOUT(panel->detail()->provenanceText().contains(QStringLiteral("modelSha256")),
        qPrintable(panel->detail()->provenanceText()), 5000);
    test::saveScreenshot(&window, QStringLiteral("28-compare-local-and-apis"));
    runner->unloadSelected();
    QTRY_VERIFY_WITH_TIMEOUT(window.runner()->loadedModels().isEmpty(), 10000);
}

QTEST_MAIN(TestComparePage)
#include "tst_comparepage.moc"
