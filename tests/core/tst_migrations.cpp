// SPDX-License-Identifier: MIT
// Every older schema version migrates to the latest on Workspace::open, and its data survives.
#include "storage/auditlog.h"
#include "storage/datasetrepository.h"
#include "storage/evalrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "storage/reviewrepository.h"
#include "storage/runrepository.h"
#include "storage/schema.h"
#include "storagetest.h"

using namespace assay::core;
using namespace assay::test;

class TestMigrations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fromEveryOlderVersion_data();
    void fromEveryOlderVersion();
    void failedMigrationKeepsTheOldVersion();
    void migrateIsIdempotent();
};

namespace {
/// Fixed ids so the checks after migration know what to look for.
const char* const kWorkspaceId = "11111111-1111-4111-8111-111111111111";

/// Inserts one of everything with the SQL of schema v1 (raw SQL: today's repositories may not match an old schema).
void insertV1Data(Db& db)
{
    const char* sql = R"sql(
INSERT INTO meta(key, value) VALUES ('workspace_id', '11111111-1111-4111-8111-111111111111'), ('created_at', 'x');
INSERT INTO prompt(id, name, tags, created_at, updated_at) VALUES ('p1', 'UK prime minister', '["qa"]', 1, 1);
INSERT INTO prompt_version(id, prompt_id, number, content, content_hash, created_at)
    VALUES ('v1', 'p1', 1, '{"messages":[{"role":"user","content":"Who was the first Walpole?"}]}', 'h', 1);
INSERT INTO prompt_label(prompt_id, label, version_id, updated_at) VALUES ('p1', 'prod', 'v1', 1);
INSERT INTO dataset(id, name, label_set, created_at) VALUES ('d1', 'qa', '["a","b"]', 1);
INSERT INTO dataset_row(id, dataset_id, ordinal, inputs, expected, split, tags)
    VALUES ('r1', 'd1', 0, '{"q":"first PM?"}', 'Walpole', 'test', '["uk"]'),
           ('r2', 'd1', 1, '{"q":"unlabeled"}', NULL, '', '[]');
INSERT INTO model(id, name, provider, open_weights, commercial_use, parameters_b, context_window, created_at)
    VALUES ('m1', 'Falcon-7B', 'TII', 1, 1, 7.0, 2048, 1);
INSERT INTO endpoint(id, name, kind, base_url, model_id, remote_model, secret_ref, settings, created_at)
    VALUES ('e1', 'local falcon', 'local', 'http://127.0.0.1:8080', 'm1', 'falcon', '', '{"timeout_s":30}', 1);
INSERT INTO run(id, name, status, plan, created_at, started_at) VALUES ('run1', 'r', 'running', '{"seed":1}', 1, 2);
INSERT INTO run_cell(id, run_id, cell_key, prompt_version_id, endpoint_id, model_name, row_id, status, output,
                     tokens_in, tokens_out, latency_ms, request_hash, created_at)
    VALUES ('c1', 'run1', 'v1|e1|r1|0', 'v1', 'e1', 'falcon', 'r1', 'ok', 'Robert Walpole', 10, 3, 55.5, 'rh', 3);
INSERT INTO metric_score(id, cell_id, metric, value, created_at) VALUES ('s1', 'c1', 'exact_match', 1, 4);
INSERT INTO judge_verdict(id, cell_id, judge_endpoint, rubric, score, created_at) VALUES ('j1', 'c1', 'e1', 'acc', 9, 4);
INSERT INTO reviewer(id, name, created_at) VALUES ('rv1', 'Ada', 1);
INSERT INTO review_task(id, run_id, name, scale, created_at) VALUES ('t1', 'run1', 'likert', '{"min":1,"max":5}', 1);
INSERT INTO review_assignment(task_id, reviewer_id, cell_id, ordinal) VALUES ('t1', 'rv1', 'c1', 0);
INSERT INTO rating(id, reviewer_id, cell_id, task_id, scale, value, created_at) VALUES ('ra1', 'rv1', 'c1', 't1', 'likert5', 4, 5);
)sql";
    QVERIFY2(db.exec(sql).ok(), "v1 fixture data");
    AuditLog log(db);
    QVERIFY(log.append("old", "dataset.create", "dataset", "d1").ok());
    QVERIFY(log.append("old", "rating.add", "rating", "ra1").ok());
}

/// A file at schema @p version: version 0 is a bare file that carries Assay's application id and nothing else.
void buildFileAt(const std::string& path, int version)
{
    auto db = Db::open(path, Db::Mode::Create);
    QVERIFY(db.ok());
    if (version == 0) {
        QVERIFY(db->exec("PRAGMA application_id = " + std::to_string(schema::kApplicationId)).ok());
        return;
    }
    QVERIFY(schema::migrate(*db, version).ok());
    QCOMPARE(*db->queryInt("PRAGMA user_version"), std::int64_t(version));
    insertV1Data(*db);
    if (version >= 3) // what PromptRepository writes beside a prompt from v3 on: its search row, signature pending
        QVERIFY(db->exec("INSERT INTO prompt_signature(prompt_id) VALUES ('p1');"
                         "INSERT INTO prompt_fts(rowid, name, body, tags, description, prompt_id) SELECT seq, "
                         "'UK prime minister', 'Who was the first Walpole?', 'qa', '', 'p1' FROM prompt_signature")
                    .ok());
}
} // namespace

void TestMigrations::fromEveryOlderVersion_data()
{
    QTest::addColumn<int>("version");
    for (int k = 0; k < schema::latestVersion(); ++k)
        QTest::newRow(qPrintable(QStringLiteral("from v%1").arg(k))) << k;
}

void TestMigrations::fromEveryOlderVersion()
{
    QFETCH(int, version);
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "old.assay");
    buildFileAt(path, version);

    auto opened = Workspace::open(path);
    ASSAY_VERIFY_OK(opened);
    Db& db = *opened;
    QCOMPARE(*db.queryInt("PRAGMA user_version"), std::int64_t(schema::latestVersion()));
    QCOMPARE(*db.queryInt("PRAGMA application_id"), std::int64_t(schema::kApplicationId));
    QCOMPARE(*db.queryText("PRAGMA journal_mode"), std::string("wal"));
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY2(report->healthy(), report->integrity.c_str());

    if (version == 0) {
        QVERIFY(isUuid(Workspace::workspaceId(db))); // an identity is given on the way up
        QCOMPARE(report->counts.at("dataset"), std::int64_t(0));
        DatasetRepository repo(db);
        ASSAY_VERIFY_OK(repo.create("usable"));
        return;
    }
    QCOMPARE(Workspace::workspaceId(db), std::string(kWorkspaceId));
    for (const char* table : { "prompt", "prompt_version", "prompt_label", "dataset", "model", "endpoint", "run",
             "run_cell", "metric_score", "judge_verdict", "reviewer", "review_task", "review_assignment", "rating" })
        QVERIFY2(report->counts.at(table) >= 1, table);

    DatasetRepository datasets(db);
    auto rows = datasets.rows("d1");
    ASSAY_VERIFY_OK(rows);
    QCOMPARE(rows->size(), std::size_t(2));
    QCOMPARE(rows->at(0).expected, std::optional<std::string>("Walpole"));
    QCOMPARE(rows->at(0).inputs["q"].get<std::string>(), std::string("first PM?"));
    QVERIFY(!rows->at(1).expected);
    QCOMPARE(datasets.get("d1")->labelSet, (std::vector<std::string> { "a", "b" }));

    ModelRepository models(db);
    auto ep = models.endpoint("e1");
    ASSAY_VERIFY_OK(ep);
    QCOMPARE(ep->modelId, std::optional<std::string>("m1"));
    QCOMPARE(ep->settings["timeout_s"].get<int>(), 30);
    QCOMPARE(models.model("m1")->contextWindow, std::optional<std::int64_t>(2048));

    RunRepository runs(db);
    auto cells = runs.cells("run1");
    ASSAY_VERIFY_OK(cells);
    QCOMPARE(cells->size(), std::size_t(1));
    QCOMPARE(cells->front().output, std::string("Robert Walpole"));
    QCOMPARE(cells->front().latencyMs, std::optional<double>(55.5));
    QVERIFY(runs.findCellByRequestHash("rh")->has_value());
    QCOMPARE(int(runs.get("run1")->status), int(RunStatus::Running));

    EvalRepository eval(db);
    QCOMPARE(eval.scoresForRun("run1")->size(), std::size_t(1));
    QCOMPARE(eval.verdictsForCell("c1")->front().score, std::optional<double>(9));
    ReviewRepository review(db);
    QCOMPARE(review.ratingsForCell("c1")->front().value, 4.0);
    QCOMPARE(review.assignments("t1", "rv1")->size(), std::size_t(1));

    AuditLog audit(db);
    ASSAY_VERIFY_OK(audit.verify());
    QCOMPARE(audit.list()->size(), std::size_t(2));

    if (version < 2 && schema::latestVersion() >= 2) { // v2 indexed the existing catalog for search
        auto hit = db.prepare("SELECT prompt_id FROM prompt_fts WHERE prompt_fts MATCH 'walpole'");
        ASSAY_VERIFY_OK(hit);
        QVERIFY(*hit->step());
        QCOMPARE(hit->text(0), std::string("p1"));
    }
    if (version < 3 && schema::latestVersion() >= 3) { // v3 signs the catalog and indexes message text only
        QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_signature WHERE prompt_id = 'p1' AND minhash IS NULL"),
            std::int64_t(1));
        QCOMPARE(
            count(db, "SELECT COUNT(*) FROM prompt_fts f JOIN prompt_signature s ON s.seq = f.rowid"), std::int64_t(1));
        QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_fts WHERE prompt_fts MATCH 'role'"), std::int64_t(0));
        QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_fts WHERE prompt_fts MATCH 'tags:qa'"), std::int64_t(1));
    }
    if (version < 4 && schema::latestVersion() >= 4) { // v4 indexes run cells for the comparison grid
        QCOMPARE(count(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'run_cell_grid'"),
            std::int64_t(1));
        auto plan
            = db.prepare("EXPLAIN QUERY PLAN SELECT cell_key, status, id, tokens_in, tokens_out, ttft_ms, "
                         "latency_ms, cost, model_name, finish_reason, created_at FROM run_cell WHERE run_id = 'r'");
        ASSAY_VERIFY_OK(plan);
        QVERIFY(*plan->step());
        QVERIFY2(plan->text(3).find("COVERING INDEX run_cell_grid") != std::string::npos, plan->text(3).c_str());
    }
    PromptRepository prompts(db);
    auto prod = prompts.resolve("UK prime minister@prod");
    ASSAY_VERIFY_OK(prod);
    QCOMPARE(prod->id, std::string("v1"));
    QCOMPARE(prod->content.messages.front().content, std::string("Who was the first Walpole?"));
    QCOMPARE(prompts.search("walp")->size(), std::size_t(1));
    PromptContent same;
    same.messages = { { "user", "Who was the first Walpole?" } };
    QCOMPARE(prompts.nearDuplicates(same)->size(), std::size_t(1));

    // And the migrated file takes new writes.
    ASSAY_VERIFY_OK(datasets.addRows("d1", std::vector<DatasetRow>(1)));
    auto v2 = prompts.saveVersion("p1", same, "new");
    ASSAY_VERIFY_OK(v2);
    QCOMPARE(v2->number, 2);
    ASSAY_VERIFY_OK(prompts.setLabel("p1", "prod", 2));
    QCOMPARE(prompts.search("walp")->size(), std::size_t(1));
}

void TestMigrations::failedMigrationKeepsTheOldVersion()
{
    if (schema::latestVersion() < 2)
        QSKIP("needs a second migration to break");
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "stuck.assay");
    buildFileAt(path, 1);
    {
        // Something in the way of v2 (a table of the name it creates): its transaction must roll back whole.
        auto db = Db::open(path, Db::Mode::ReadWrite);
        ASSAY_VERIFY_OK(db->exec("CREATE TABLE prompt_fts(x)"));
    }
    auto opened = Workspace::open(path);
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message.find(path) != std::string::npos, opened.error().message.c_str());
    QVERIFY(opened.error().message.find("upgraded") != std::string::npos);
    auto db = Db::open(path, Db::Mode::ReadOnly);
    QCOMPARE(*db->queryInt("PRAGMA user_version"), std::int64_t(1));
    QCOMPARE(count(*db, "SELECT COUNT(*) FROM dataset_row"), std::int64_t(2));
    QCOMPARE(*db->queryText("PRAGMA integrity_check"), std::string("ok"));
}

void TestMigrations::migrateIsIdempotent()
{
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "twice.assay");
    buildFileAt(path, 1);
    auto first = Workspace::open(path);
    ASSAY_VERIFY_OK(first);
    auto second = Workspace::open(path); // already latest: nothing to do
    ASSAY_VERIFY_OK(second);
    ASSAY_VERIFY_OK(schema::migrate(*first));
    QCOMPARE(*second->queryInt("PRAGMA user_version"), std::int64_t(schema::latestVersion()));
    QCOMPARE(count(*second, "SELECT COUNT(*) FROM dataset_row"), std::int64_t(2));
}

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
