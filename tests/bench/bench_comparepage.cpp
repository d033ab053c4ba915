// SPDX-License-Identifier: MIT
// The Compare page on a large run, in the real main window (offscreen). Figures and the targets:
//   open       selecting a run of 10,000 rows × 4 columns (~300-token outputs) until the grid has painted  < 500 ms
//   scroll     frame time of scripted scrolling (scroll, then paint every view), p95                        < 16 ms
//   filter     applying a row filter / text filter / regex until the grid has repainted                      < 100 ms
//   memory     resident set size before and after the grid is shown
//   streaming  4 columns streaming at 200 tokens/s each: the GUI thread's event-loop latency, p95           < 20 ms
// The run is made for real: the run engine against a loopback server (no streaming, so it is quick), 40,000 cells.
// Usage: bench_comparepage [ROWS]   (default 10000)
#include "appsettings.h"
#include "compareview.h"
#include "loopbackserver.h"
#include "mainwindow.h"
#include "pages/comparepanel.h"
#include "pages/runspage.h"
#include "replies.h"
#include "runcontroller.h"
#include "runfixture.h"
#include "workspacecontroller.h"

#include "compare/comparegrid.h"
#include "http/httpclient.h"
#include "run/runscheduler.h"
#include "storage/datasetrepository.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"
#include "util/textsearch.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QPushButton>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace assay;

namespace {
double pct(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5))];
}

double mb(long kilobytes)
{
    return static_cast<double>(kilobytes) / 1024.0;
}

long kb(const char* field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(static_cast<qsizetype>(std::strlen(field))).trimmed().split(' ').first().toLong();
    return -1;
}

/// ~300 words from a small vocabulary, deterministic in @p seed.
std::string essay(std::uint64_t seed)
{
    static const char* words[] = { "the", "model", "answer", "review", "battery", "screen", "price", "delivery",
        "quality", "support", "because", "however", "customer", "product", "return", "excellent", "poor", "average",
        "works", "broke", "arrived", "quickly", "slowly", "would", "recommend", "never", "again", "value", "design",
        "sound", "lorem", "ipsum", "summary", "therefore", "likely", "positive", "negative", "neutral" };
    std::string out;
    std::uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int i = 0; i < 300; ++i) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 29;
        out += words[x % (sizeof words / sizeof *words)];
        out += (i % 17 == 16) ? ".\n" : " ";
    }
    return out;
}

void waitUntil(const std::function<bool()>& done)
{
    while (!done())
        QApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
}
} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int rows = argc > 1 ? std::atoi(argv[1]) : 10000;
    QTemporaryDir dir;
    qputenv("XDG_CONFIG_HOME", dir.filePath(QStringLiteral("config")).toUtf8());

    // 1. A real run of ROWS × 4 endpoints through the run engine against a loopback server.
    test::LoopbackServer server;
    for (int e = 0; e < 4; ++e) {
        server.route("/e" + std::to_string(e) + "/v1/chat/completions",
            [e](const test::RecordedRequest& r, test::ResponseWriter& w) {
                const std::uint64_t h = std::hash<std::string> {}(r.body);
                // Endpoints 0 and 1 agree on a third of the rows, so "outputs differ" has something to filter.
                const std::uint64_t seed = (e == 1 && h % 3 == 0) ? h * 4 : h * 4 + static_cast<std::uint64_t>(e);
                test::openAiJson(essay(seed), 40, 300)(r, w);
            });
    }
    if (!server.start()) {
        std::fprintf(stderr, "loopback server: %s\n", server.lastError().c_str());
        return 1;
    }
    const std::string path = dir.filePath(QStringLiteral("big.assay")).toStdString();
    {
        auto db = core::Workspace::create(path);
        test::RunFixtureSpec spec;
        spec.baseUrl = server.baseUrl();
        spec.prompts = 1;
        spec.endpoints = 4;
        spec.rows = rows;
        auto fx = db ? test::seedRunFixture(*db, spec) : core::Result<test::RunFixture>(db.error());
        if (!fx) {
            std::fprintf(stderr, "seed: %s\n", fx.error().message.c_str());
            return 1;
        }
        core::DatasetRepository datasets(*db, "bench");
        auto ds = datasets.create("stream-rows");
        std::vector<core::DatasetRow> few(8);
        for (std::size_t i = 0; i < few.size(); ++i)
            few[i].inputs = { { "text", "streamed review " + std::to_string(i) } };
        if (!ds || !datasets.addRows(ds->id, few)) {
            std::fprintf(stderr, "seed: stream rows\n");
            return 1;
        }
    }
    QElapsedTimer t;
    t.start();
    std::string bigRun;
    {
        auto definition = core::RunDefinition::parse(
            { { "name", "bench 10k" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0", "e1", "e2", "e3" } },
                { "dataset", "rows" }, { "concurrency", 16 }, { "cache", false }, { "stream", false } });
        auto db = core::Workspace::open(path);
        auto plan = core::RunPlan::resolve(*definition, *db);
        core::HttpClient http;
        core::SchedulerOptions options;
        options.workspacePath = path;
        core::RunScheduler scheduler(std::move(*plan), http, options);
        auto outcome = scheduler.run();
        if (!outcome || outcome->progress.done != static_cast<std::int64_t>(rows) * 4) {
            std::fprintf(stderr, "the run did not complete\n");
            return 1;
        }
        bigRun = outcome->runId;
    }
    std::printf(
        "bench_comparepage: %d rows × 4 columns, outputs ~300 tokens (%zu bytes each)\n", rows, essay(1).size());
    std::printf("  (made by the run engine in %.1f s; workspace %.1f MB)\n", static_cast<double>(t.elapsed()) / 1000,
        static_cast<double>(QFile(QString::fromStdString(path)).size()) / 1e6);

    {
        // Where the time of opening goes (the same calls the page makes on its workspace thread).
        auto db = core::Workspace::open(path);
        QElapsedTimer p;
        p.start();
        auto cells = core::RunRepository(*db).cells(bigRun, core::RunRepository::Detail::Summary);
        const double readCells = static_cast<double>(p.nsecsElapsed()) / 1e6;
        p.restart();
        auto badges = core::RunRepository(*db).cells(bigRun, core::RunRepository::Detail::Badges);
        const double readBadges = static_cast<double>(p.nsecsElapsed()) / 1e6;
        p.restart();
        auto grid = core::CompareGrid::load(*db, bigRun, core::RunRepository::Detail::Badges, 150);
        const double load = static_cast<double>(p.nsecsElapsed()) / 1e6;
        p.restart();
        auto data = widgets::CompareData::prepare(std::move(*grid));
        const double prepare = static_cast<double>(p.nsecsElapsed()) / 1e6;
        p.restart();
        auto texts = core::RunRepository(*db).cellTexts(bigRun);
        const double readTexts = static_cast<double>(p.nsecsElapsed()) / 1e6;
        std::printf("  profile: all %zu cells with text %.0f ms, without text %.0f ms; the grid (badges + first 150 "
                    "rows' text) %.0f ms, prepared %.0f ms; then every text %.0f ms\n",
            cells->size(), readCells, readBadges, load, prepare, readTexts);
        (void)badges;
        (void)texts;
    }

    // 2. The window on the Compare page, the workspace open.
    app::AppSettings settings(dir.filePath(QStringLiteral("s.ini")));
    app::WorkspaceController workspace;
    app::MainWindow window(settings, workspace);
    window.resize(1440, 900);
    window.show();
    window.showPage(app::MainWindow::ComparePage);
    QApplication::processEvents();
    const long rssBefore = kb("VmRSS:"); // the window, before any grid
    workspace.open(QString::fromStdString(path));
    waitUntil([&] { return window.snapshot() != nullptr; });
    auto* page = static_cast<app::RunsPage*>(window.page(app::MainWindow::ComparePage));
    app::ComparePanel* panel = page->comparePanel();
    bool textsLoaded = false;
    QObject::connect(panel, &app::ComparePanel::textsLoaded, panel, [&] { textsLoaded = true; });
    waitUntil([&] { return textsLoaded; }); // the page shows the newest run by itself; let that finish first
    panel->clear();
    QApplication::processEvents();

    // Open: select the run until the grid has painted.
    bool loaded = false;
    QObject::connect(panel, &app::ComparePanel::loaded, panel, [&] { loaded = true; });
    t.restart();
    page->selectRun(QString::fromStdString(bigRun));
    waitUntil([&] { return loaded; });
    const qint64 arrived = t.elapsed();
    QApplication::processEvents();
    panel->view()->viewport()->repaint();
    const qint64 openMs = t.elapsed();
    textsLoaded = false;
    waitUntil([&] { return textsLoaded; });
    const qint64 textsMs = t.elapsed();
    QApplication::processEvents();
    const long rssAfter = kb("VmRSS:");
    std::printf("open (select the run → grid painted)   %6lld ms   target < 500 ms   %s\n",
        static_cast<long long>(openMs), openMs < 500 ? "ok" : "OVER");
    std::printf("  read + prepare on the workspace thread, then apply: %lld ms; paint: %lld ms\n",
        static_cast<long long>(arrived), static_cast<long long>(openMs - arrived));
    std::printf("  every output read in the background and applied: %lld ms after the selection\n",
        static_cast<long long>(textsMs));
    std::printf(
        "memory: RSS %.1f MB with the empty window, %.1f MB with the grid and every text (+%.1f MB); peak %.1f MB\n",
        mb(rssBefore), mb(rssAfter), mb(rssAfter - rssBefore), mb(kb("VmHWM:")));

    // Scroll: small steps (3 rows) and page steps, each followed by a full paint of the window.
    auto frame = [&](int value) {
        QElapsedTimer f;
        f.start();
        panel->view()->verticalScrollBar()->setValue(value);
        QApplication::processEvents(); // the update requests of both views (frozen input column on) are painted
        panel->view()->viewport()->repaint();
        return static_cast<double>(f.nsecsElapsed()) / 1e6;
    };
    for (const auto& [label, step] :
        { std::pair { "3 rows", 3 * panel->view()->verticalHeader()->defaultSectionSize() },
            std::pair { "1 page", panel->view()->verticalScrollBar()->pageStep() } }) {
        std::vector<double> frames;
        QScrollBar* bar = panel->view()->verticalScrollBar();
        int value = 0;
        for (int i = 0; i < 300; ++i) {
            value = (value + step) % std::max(1, bar->maximum());
            frames.push_back(frame(value));
        }
        std::printf("scroll by %-6s  frame p50 %5.2f ms  p95 %5.2f ms  max %5.2f ms   target p95 < 16 ms   %s\n", label,
            pct(frames, 50), pct(frames, 95), pct(frames, 100), pct(frames, 95) < 16 ? "ok" : "OVER");
    }
    panel->view()->verticalScrollBar()->setValue(0);

    // Filter: each until the grid has repainted; back to all rows in between.
    using Filter = widgets::CompareFilterModel;
    auto timed = [&](const char* label, const std::function<void()>& apply) {
        QElapsedTimer f;
        f.start();
        apply();
        while (panel->filter()->textFilterPending()) // the text filter's pass runs on workers
            QApplication::processEvents(QEventLoop::AllEvents, 5);
        const double applied = static_cast<double>(f.nsecsElapsed()) / 1e6;
        QApplication::processEvents();
        panel->view()->viewport()->repaint();
        const double ms = static_cast<double>(f.nsecsElapsed()) / 1e6;
        std::printf("filter %-34s %7.1f ms  (%6d rows shown; filter %.1f, paint %.1f)   target < 100 ms   %s\n", label,
            ms, panel->filter()->rowCount(), applied, ms - applied, ms < 100 ? "ok" : "OVER");
        panel->setRowFilter(Filter::RowFilter::All);
        panel->setSearch(QString(), false);
        QApplication::processEvents();
    };
    {
        // The raw text scan, one thread, for comparison with the filter figures below.
        QElapsedTimer f;
        f.start();
        core::FoldedSearch needle("zzz");
        int hits = 0;
        std::size_t bytes = 0;
        for (int r = 0; r < panel->model()->rowCount(); ++r)
            for (int c = 0; c < 4; ++c)
                if (const std::string* text = panel->model()->utf8(r, c)) {
                    bytes += text->size();
                    hits += needle.in(*text) ? 1 : 0;
                }
        std::printf("  (raw scan for \"zzz\" over %.1f MB of outputs on one thread: %.1f ms, %d hits)\n",
            static_cast<double>(bytes) / 1e6, static_cast<double>(f.nsecsElapsed()) / 1e6, hits);
    }
    timed("rows where outputs differ", [&] { panel->setRowFilter(Filter::RowFilter::Differ); });
    timed("rows with a failed cell", [&] { panel->setRowFilter(Filter::RowFilter::Failed); });
    timed("text \"recommend never\"", [&] { panel->setSearch(QStringLiteral("recommend never"), false); });
    timed("regex \"excellent\\s+value\"", [&] { panel->setSearch(QStringLiteral("excellent\\s+value"), true); });
    timed("text matching nothing (\"zzz\")", [&] { panel->setSearch(QStringLiteral("zzz"), false); });
    {
        QElapsedTimer f;
        f.start();
        panel->setSortKey(Filter::SortKey::Length);
        panel->view()->sortByColumn(1, Qt::DescendingOrder);
        QApplication::processEvents();
        panel->view()->viewport()->repaint();
        std::printf(
            "sort by output length (column 1)            %7.1f ms\n", static_cast<double>(f.nsecsElapsed()) / 1e6);
        panel->view()->sortByColumn(-1, Qt::AscendingOrder);
        panel->setSortKey(Filter::SortKey::Row);
    }

    // 3. Streaming: 4 endpoints × 8 rows, 200 tokens per cell at 5 ms per token (200 tokens/s per column), started
    // from the page so the real path runs: run engine → RunController batches → the grid. A 5 ms timer measures how
    // late the GUI thread serves it.
    for (int e = 0; e < 4; ++e) {
        test::StreamScript s;
        s.tokens.clear();
        for (int i = 0; i < 200; ++i)
            s.tokens.push_back(" tok" + std::to_string(i % 97));
        s.delayMs = 5;
        server.route("/e" + std::to_string(e) + "/v1/chat/completions", test::openAiStream(s));
    }
    page->choose({ QStringLiteral("p0@prod") },
        { QStringLiteral("e0"), QStringLiteral("e1"), QStringLiteral("e2"), QStringLiteral("e3") },
        QStringLiteral("stream-rows"));
    std::vector<double> lateness;
    QElapsedTimer clock;
    qint64 last = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (last > 0)
            lateness.push_back(std::max(0.0, static_cast<double>(now - last) / 1e6 - 5.0));
        last = now;
    });
    int batches = 0;
    QObject::connect(window.runs(), &app::RunController::liveUpdate, &probe, [&] { ++batches; });
    clock.start();
    probe.start();
    t.restart();
    page->startRun();
    waitUntil([&] { return !page->runButton()->isEnabled(); });
    waitUntil([&] { return page->runButton()->isEnabled(); });
    probe.stop();
    std::printf("streaming 4 columns × 200 tokens/s for %.1f s: %d live batches to the grid\n",
        static_cast<double>(t.elapsed()) / 1000, batches);
    std::printf("  event-loop latency p50 %.2f ms  p95 %.2f ms  max %.2f ms (%zu samples)   target p95 < 20 ms   %s\n",
        pct(lateness, 50), pct(lateness, 95), pct(lateness, 100), lateness.size(),
        pct(lateness, 95) < 20 ? "ok" : "OVER");
    std::printf("  %s\n", qPrintable(page->progressText()));
    return 0;
}
