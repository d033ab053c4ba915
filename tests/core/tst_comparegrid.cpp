// SPDX-License-Identifier: MIT
// The comparison grid over a real run: layout from the stored plan, cells placed by key, column summaries, the
// row filters, the CSV/JSONL/HTML exports, streamed deltas and re-running one cell (replacing an ok result).

#include "runschedulertest.h"

#include "compare/compareexport.h"
#include "compare/comparegrid.h"
#include "compare/comparesummary.h"
#include "interchange/csvtable.h"
#include "run/runplan.h"
#include "storage/auditlog.h"
#include "storage/evalrepository.h"
#include "storage/reviewrepository.h"
#include "util/textsearch.h"

#include <QFile>
#include <QTest>

#include <fstream>
#include <random>
#include <sstream>

using namespace assay;
using namespace assay::test;
using nlohmann::json;

namespace {
json settings()
{
    return json { { "concurrency", 2 }, { "cache", false },
        { "retries", { { "maxAttempts", 1 }, { "baseBackoffMs", 10 } } } };
}

StreamScript tokens(std::vector<std::string> t)
{
    StreamScript s;
    s.tokens = std::move(t);
    return s;
}

core::Result<core::CompareGrid> loadGrid(RunHarness& h, const std::string& runId, bool full = false)
{
    auto db = core::Workspace::open(h.path());
    if (!db)
        return db.error();
    return core::CompareGrid::load(
        *db, runId, full ? core::RunRepository::Detail::Full : core::RunRepository::Detail::Summary);
}
} // namespace

class TestCompareGrid : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gridSummaryFiltersAndExports();
    void deltasStreamAndOneCellReruns();
    void percentilesAndLabels();
    void foldedSearch();
    void wireExchangeIsKept();
};

void TestCompareGrid::gridSummaryFiltersAndExports()
{
    RunFixtureSpec spec;
    spec.prompts = 1;
    spec.endpoints = 3;
    spec.rows = 4;
    RunHarness h(spec);
    QVERIFY(h.ok());
    {
        auto db = core::Workspace::open(h.path()); // labels: even rows "positive", odd rows "negative"
        QVERIFY(db);
        QVERIFY(db->exec("UPDATE dataset_row SET expected = CASE ordinal % 2 WHEN 0 THEN 'positive' ELSE "
                         "'negative' END"));
    }
    h.server().route(RunHarness::route(0), openAiAuto(tokens({ "posi", "tive" })));
    h.server().route(RunHarness::route(1), openAiAuto(tokens({ "Positive", ".", "\n<b>sure</b> & done" })));
    h.server().route(RunHarness::route(2), jsonStatus(500, R"({"error":{"message":"boom"}})"));
    auto outcome = h.run(h.definition(settings()));
    QVERIFY2(outcome, outcome ? "" : outcome.error().message.c_str());

    {
        // A metric score, a judge verdict and a human rating on the first cell of column e0.
        auto db = core::Workspace::open(h.path());
        QVERIFY(db);
        auto first = loadGrid(h, outcome->runId);
        QVERIFY(first);
        const std::string cellId = first->cell(0, 0)->id;
        core::MetricScore score;
        score.cellId = cellId;
        score.metric = "exact_match";
        score.value = 1;
        QVERIFY(core::EvalRepository(*db).upsertScore(score));
        core::JudgeVerdict verdict;
        verdict.cellId = cellId;
        verdict.judgeEndpoint = "judge";
        verdict.score = 8;
        verdict.scaleMax = 10;
        QVERIFY(core::EvalRepository(*db).addVerdict(verdict));
        core::ReviewRepository reviews(*db, "test");
        auto ada = reviews.addReviewer("Ada");
        QVERIFY(ada);
        core::Rating rating;
        rating.reviewerId = ada->id;
        rating.cellId = cellId;
        rating.scale = "likert5";
        rating.value = 4;
        QVERIFY(reviews.addRating(rating));
    }
    auto grid = loadGrid(h, outcome->runId, true);
    QVERIFY2(grid, grid ? "" : grid.error().message.c_str());
    {
        const auto s = core::summarizeColumn(*grid, 0);
        QCOMPARE(s.metrics.size(), std::size_t { 3 });
        QCOMPARE(s.metrics[0].name, std::string("exact_match"));
        QCOMPARE(s.metrics[1].name, std::string("judge"));
        QCOMPARE(s.metrics[1].mean, 0.8);
        QCOMPARE(s.metrics[2].name, std::string("rating likert5"));
        QCOMPARE(s.metrics[2].mean, 4.0);
        QCOMPARE(s.metrics[2].count, std::int64_t { 1 });
        const auto line = json::parse(core::compareJsonl(*grid, { { 0 }, { 0 } }));
        QCOMPARE(line["evaluation"]["ratings"][0]["value"].get<double>(), 4.0);
        QCOMPARE(line["evaluation"]["scores"]["exact_match"].get<double>(), 1.0);
    }
    QCOMPARE(grid->rowCount(), std::size_t { 4 });
    QCOMPARE(grid->columnCount(), std::size_t { 3 });
    QCOMPARE(grid->columns()[0].title, std::string("e0"));
    QCOMPARE(grid->columns()[2].title, std::string("e2"));
    QCOMPARE(grid->rows()[1].expected.value_or(""), std::string("negative"));
    QCOMPARE(core::CompareGrid::inputText(grid->rows()[2]), std::string("review number 2 was fine"));
    for (std::size_t r = 0; r < 4; ++r) {
        QVERIFY(grid->cell(r, 0));
        QCOMPARE(grid->cell(r, 0)->output, std::string("positive"));
        QCOMPARE(grid->cell(r, 0)->cellKey, grid->key(r, 0));
        QCOMPARE(grid->cell(r, 2)->status, core::CellStatus::Failed);
    }

    {
        // Badges first (the covering index), the first row's text with them, the rest later.
        auto db = core::Workspace::open(h.path());
        QVERIFY(db);
        auto light = core::CompareGrid::load(*db, outcome->runId, core::RunRepository::Detail::Badges, 1);
        QVERIFY(light);
        QVERIFY(!light->textsComplete());
        QVERIFY(light->hasText(0, 0) && light->hasText(0, 1));
        QVERIFY(!light->hasText(1, 0));
        QCOMPARE(light->cell(0, 0)->output, std::string("positive"));
        QVERIFY(light->cell(3, 1)->output.empty());
        QCOMPARE(light->cell(3, 1)->latencyMs, grid->cell(3, 1)->latencyMs);
        QCOMPARE(light->cell(3, 2)->status, core::CellStatus::Failed);
        auto texts = core::RunRepository(*db).cellTexts(outcome->runId);
        QVERIFY(texts);
        QCOMPARE(texts->size(), std::size_t { 12 });
        light->setTexts(std::move(*texts), true);
        QVERIFY(light->textsComplete() && light->hasText(3, 1));
        QCOMPARE(light->cell(3, 1)->output, grid->cell(3, 1)->output);
        QVERIFY(light->cell(3, 2)->error.find("boom") != std::string::npos);
    }

    const auto s0 = core::summarizeColumn(*grid, 0);
    QCOMPARE(s0.ok, std::int64_t { 4 });
    QCOMPARE(s0.successRate.value_or(-1), 1.0);
    QVERIFY(s0.p50LatencyMs && s0.p95LatencyMs && *s0.p95LatencyMs >= *s0.p50LatencyMs);
    QCOMPARE(s0.tokensOut, std::int64_t { 8 }); // 2 tokens × 4 rows, as the server reported
    QVERIFY(s0.tokensPerSecond && *s0.tokensPerSecond > 0);
    const auto s2 = core::summarizeColumn(*grid, 2);
    QCOMPARE(s2.failed, std::int64_t { 4 });
    QCOMPARE(s2.successRate.value_or(-1), 0.0);
    QVERIFY(!s2.p50LatencyMs);

    const auto f0 = core::rowFlags(*grid, 0); // expected "positive": both give it, e2 failed
    QVERIFY(f0.differ);
    QVERIFY(f0.failed);
    QVERIFY(!f0.disagree);
    const auto f1 = core::rowFlags(*grid, 1); // expected "negative"
    QVERIFY(f1.disagree);
    const auto okOnly = core::rowFlags(*grid, 0, { 0 });
    QVERIFY(!okOnly.failed && !okOnly.differ);

    // CSV: parses back, one record per row, every column's fields.
    const std::string csv = core::compareCsv(*grid);
    auto records = core::parseCsv(csv, "export.csv");
    QVERIFY2(records, records ? "" : records.error().message.c_str());
    QCOMPARE(records->size(), std::size_t { 5 });
    QCOMPARE((*records)[0].fields.size(), std::size_t { 4 + 3 * 9 });
    QCOMPARE((*records)[0].fields[13], std::string("e1 | output"));
    QCOMPARE((*records)[1].fields[13], std::string("Positive.\n<b>sure</b> & done"));
    QCOMPARE((*records)[1].fields[23], std::string("failed"));
    QVERIFY((*records)[1].fields[24].find("boom") != std::string::npos);

    // JSONL: one object per cell, with the request and provenance; only chosen rows/columns in the given order.
    core::CompareExportOptions some;
    some.rows = { 3, 1 };
    some.columns = { 1 };
    std::istringstream lines(core::compareJsonl(*grid, some));
    std::vector<json> objects;
    for (std::string line; std::getline(lines, line);)
        objects.push_back(json::parse(line));
    QCOMPARE(objects.size(), std::size_t { 2 });
    QCOMPARE(objects[0]["row"]["number"].get<int>(), 4);
    QCOMPARE(objects[0]["column"]["endpoint"].get<std::string>(), std::string("e1"));
    QCOMPARE(objects[0]["request"]["messages"][1]["content"].get<std::string>(),
        std::string("Label this review: review number 3 was fine"));
    QVERIFY(objects[0]["provenance"].is_object());
    QCOMPARE(objects[1]["row"]["expected"].get<std::string>(), std::string("negative"));

    // HTML: self-contained, model text escaped, summary present.
    const std::string html = core::compareHtml(*grid);
    QVERIFY(html.find("&lt;b&gt;sure&lt;/b&gt; &amp; done") != std::string::npos);
    QVERIFY(html.find("<b>sure</b>") == std::string::npos);
    QVERIFY(html.find("<h2>Summary</h2>") != std::string::npos);
    QVERIFY(html.find("<script") == std::string::npos);
    QVERIFY(html.find("http://") == std::string::npos || html.find("src=") == std::string::npos);

    // exportComparison writes atomically and refuses a secret in a cell's provenance, writing nothing.
    QTemporaryDir out;
    const std::string htmlPath = out.filePath(QStringLiteral("grid.html")).toStdString();
    QVERIFY(core::exportComparison(*grid, core::CompareFormat::Html, htmlPath));
    QVERIFY(QFile::exists(QString::fromStdString(htmlPath)));
    core::RunCell leaky = *grid->cell(0, 0);
    leaky.provenance["api_key"] = "sk-live-0123456789abcdef0123";
    grid->setCell(leaky);
    const std::string leakPath = out.filePath(QStringLiteral("leak.jsonl")).toStdString();
    auto refused = core::exportComparison(*grid, core::CompareFormat::Jsonl, leakPath);
    QVERIFY(!refused);
    QVERIFY(refused.error().message.find("api_key") != std::string::npos);
    QVERIFY(!QFile::exists(QString::fromStdString(leakPath)));
    QCOMPARE(core::compareFormatForPath("a/b.JSONL"), std::optional(core::CompareFormat::Jsonl));
    QVERIFY(!core::compareFormatForPath("a.d/b"));
}

void TestCompareGrid::deltasStreamAndOneCellReruns()
{
    RunFixtureSpec spec;
    spec.prompts = 1;
    spec.endpoints = 2;
    spec.rows = 3;
    RunHarness h(spec);
    QVERIFY(h.ok());
    auto log = std::make_shared<ServerLog>();
    h.server().route(RunHarness::route(0), counting(log, openAiAuto(tokens({ "al", "pha" }))));
    h.server().route(RunHarness::route(1), jsonStatus(500, R"({"error":{"message":"down"}})"));

    std::mutex mutex;
    std::map<std::string, std::string> streamed; // guarded by mutex
    std::map<std::string, int> firsts; // guarded by mutex
    core::SchedulerOptions options;
    options.onDelta = [&](const std::string& key, std::string_view text, bool first) {
        std::lock_guard lock(mutex);
        if (first) {
            streamed[key].clear();
            ++firsts[key];
        }
        streamed[key] += text;
    };
    auto outcome = h.run(h.definition(settings()), options);
    QVERIFY(outcome);
    auto grid = loadGrid(h, outcome->runId);
    QVERIFY(grid);
    for (std::size_t r = 0; r < 3; ++r) {
        const std::string& key = grid->key(r, 0);
        QCOMPARE(streamed[key], std::string("alpha"));
        QCOMPARE(firsts[key], 1);
        QCOMPARE(grid->cell(r, 1)->status, core::CellStatus::Failed);
    }
    QCOMPARE(log->total.load(), 3);
    const std::string okId = grid->cell(1, 0)->id;

    // Re-run two cells: a failed one (endpoint now answers) and an ok one (now answers differently).
    h.server().route(RunHarness::route(1), openAiAuto(tokens({ "fixed" })));
    h.server().route(RunHarness::route(0), counting(log, openAiAuto(tokens({ "be", "ta" }))));
    auto db = core::Workspace::open(h.path());
    QVERIFY(db);
    auto run = core::RunRepository(*db).get(outcome->runId);
    QVERIFY(run);
    auto definition = core::RunDefinition::parse(run->plan["definition"]);
    QVERIFY(definition);
    definition->cache = true; // a re-run never answers from the cache, even when the run allows it
    auto plan = core::RunPlan::fromPinned(*definition, run->plan, *db);
    QVERIFY(plan);
    core::SchedulerOptions rerun;
    rerun.workspacePath = h.path();
    rerun.secrets = &h.secrets();
    rerun.rerunKeys = { grid->key(0, 1), grid->key(1, 0) };
    core::RunScheduler scheduler(std::move(*plan), h.http(), rerun);
    auto again = scheduler.run(outcome->runId);
    QVERIFY2(again, again ? "" : again.error().message.c_str());
    QCOMPARE(again->progress.total, std::int64_t { 6 });
    QCOMPARE(again->progress.done, std::int64_t { 2 });
    QCOMPARE(log->total.load(), 4); // one new request to endpoint 0: the ok cell was requested, not cached

    auto after = loadGrid(h, outcome->runId);
    QVERIFY(after);
    QCOMPARE(after->cell(0, 1)->status, core::CellStatus::Ok);
    QCOMPARE(after->cell(0, 1)->output, std::string("fixed"));
    QCOMPARE(after->cell(1, 0)->output, std::string("beta"));
    QVERIFY(after->cell(1, 0)->id != okId);
    QCOMPARE(after->cell(0, 0)->output, std::string("alpha")); // untouched
    QCOMPARE(after->cell(2, 1)->status, core::CellStatus::Failed); // not asked for
    auto events = core::AuditLog(*db).list("run", outcome->runId);
    QVERIFY(events);
    int replaced = 0;
    for (const auto& e : *events)
        if (e.action == "run_cell.replace" && e.payload.find("\"replacedOutput\":\"alpha\"") != std::string::npos)
            ++replaced;
    QCOMPARE(replaced, 1);

    // A key outside the plan is refused and changes nothing.
    auto plan2 = core::RunPlan::fromPinned(*definition, run->plan, *db);
    QVERIFY(plan2);
    rerun.rerunKeys = { "not-a-key" };
    core::RunScheduler bad(std::move(*plan2), h.http(), rerun);
    auto refused = bad.run(outcome->runId);
    QVERIFY(!refused || refused->status == core::RunStatus::Failed);
}

void TestCompareGrid::percentilesAndLabels()
{
    QCOMPARE(core::percentile({ 1, 2, 3, 4 }, 50).value_or(-1), 2.5);
    QCOMPARE(core::percentile({ 10 }, 95).value_or(-1), 10.0);
    QCOMPARE(core::percentile({ 0, 100 }, 95).value_or(-1), 95.0);
    QVERIFY(!core::percentile({}, 50));
    QVERIFY(core::matchesLabel("  Positive.\n", "positive"));
    QVERIFY(core::matchesLabel("NEGATIVE\nbecause the review complains", "negative"));
    QVERIFY(!core::matchesLabel("not positive", "positive"));
    QVERIFY(!core::matchesLabel("positively", "positive"));
}

void TestCompareGrid::wireExchangeIsKept()
{
    // A long streamed answer of 2-byte characters: the first and last 1 KB of the raw stream are kept (cut on any
    // byte, still valid UTF-8, so the cell commits), with the request body as sent.
    RunFixtureSpec spec;
    spec.prompts = 1;
    spec.endpoints = 1;
    spec.rows = 1;
    RunHarness h(spec);
    QVERIFY(h.ok());
    std::vector<std::string> pieces(600, "\xC3\xA9t\xC3\xA9 "); // "été "
    h.server().route(RunHarness::route(0), openAiAuto(tokens(pieces)));
    auto outcome = h.run(h.definition(settings()));
    QVERIFY(outcome);
    auto grid = loadGrid(h, outcome->runId, true);
    QVERIFY(grid);
    const core::RunCell* cell = grid->cell(0, 0);
    QVERIFY(cell && cell->status == core::CellStatus::Ok);
    const json& wire = cell->provenance["wire"];
    QVERIFY2(wire.is_object(), cell->provenance.dump().c_str());
    QCOMPARE(wire["request"]["method"].get<std::string>(), std::string("POST"));
    QVERIFY(wire["request"]["url"].get<std::string>().find("/e0/v1/chat/completions") != std::string::npos);
    QVERIFY(wire["request"]["body"].get<std::string>().find("Label this review") != std::string::npos);
    QVERIFY(wire["response"]["elided"].get<bool>());
    QVERIFY(wire["response"]["bytes"].get<std::int64_t>() > 2048);
    QVERIFY(wire["response"]["head"].get<std::string>().rfind("data: ", 0) == 0);
    QVERIFY(wire["response"]["tail"].get<std::string>().find("[DONE]") != std::string::npos);
    QVERIFY(wire["response"]["head"].get<std::string>().size() <= 1024);
}

void TestCompareGrid::foldedSearch()
{
    QVERIFY(core::FoldedSearch("Never").in("I would NEVER buy it"));
    QVERIFY(core::FoldedSearch("x").in("abcX"));
    QVERIFY(!core::FoldedSearch("abc").in("ab"));
    QVERIFY(core::FoldedSearch("").in(""));
    QVERIFY(!core::FoldedSearch("a@b").in("A`B")); // '@' and '`' differ only in bit 0x20: not letters, no match
    QVERIFY(core::FoldedSearch("café").in("Un CAFé noir"));
    QVERIFY(!core::FoldedSearch("café").in("UN CAFÉ NOIR")); // non-ASCII letters match in the same case only
    QVERIFY(core::FoldedSearch::asciiOnly("plain text") && !core::FoldedSearch::asciiOnly("café"));
    QCOMPARE(core::requiredLiteral("excellent\\s+value"), std::string("excellent"));
    QCOMPARE(core::requiredLiteral("^colou?r name$"), std::string("r name"));
    QCOMPARE(core::requiredLiteral("ab+cde"), std::string("cde"));
    QCOMPARE(core::requiredLiteral("x{2}yy[abc]zzz(qqqqqq)"), std::string("zzz"));
    QCOMPARE(core::requiredLiteral("cat|dog"), std::string());
    QCOMPARE(core::requiredLiteral("(?x) a b c"), std::string());
    QCOMPARE(core::requiredLiteral("(cat|dog)food"), std::string("food"));
    // Against a naive search, over random text around the 16-byte blocks and their tails.
    std::mt19937 rng(7);
    const std::string alphabet = "abAB @`xyz\n";
    auto fold = [](std::string s) {
        for (char& ch : s)
            if (ch >= 'A' && ch <= 'Z')
                ch = static_cast<char>(ch - 'A' + 'a');
        return s;
    };
    for (int i = 0; i < 3000; ++i) {
        std::string hay(rng() % 70, ' ');
        for (char& ch : hay)
            ch = alphabet[rng() % alphabet.size()];
        std::string needle(1 + rng() % 4, ' ');
        for (char& ch : needle)
            ch = alphabet[rng() % alphabet.size()];
        const bool expected = fold(hay).find(fold(needle)) != std::string::npos;
        QCOMPARE(core::FoldedSearch(needle).in(hay), expected);
    }
}

QTEST_GUILESS_MAIN(TestCompareGrid)
#include "tst_comparegrid.moc"
