// SPDX-License-Identifier: MIT
// Workspace files of every earlier schema version, checked in under tests/fixtures/workspaces/ (made once with the
// sqlite3 shell from the schema SQL as released and hand-written rows; see the README there), open in this build:
// a COPY of each is migrated to the latest schema and every row reads back as the literals below say — prompt
// texts, version numbers, labels, dataset rows, run cells, ratings, the audit chain — `workspace check` passes, and a
// run started before the upgrade resumes with nothing left to request. Unlike tst_migrations, nothing here was
// written by today's code, so a change to a stored format that old files cannot follow fails here.
#include "catalog/promptjson.h"
#include "domain/run.h"
#include "prompttest.h"
#include "run/runplan.h"
#include "storage/auditlog.h"
#include "storage/datasetrepository.h"
#include "storage/evalrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "storage/reviewrepository.h"
#include "storage/runrepository.h"
#include "storage/schema.h"
#include "storagetest.h"

#include <QCryptographicHash>
#include <QFile>

#include <map>

using namespace assay::core;
using namespace assay::test;

namespace {
const char* const kPrompt1 = "11111111-0000-4000-8000-000000000001";
const char* const kPrompt2 = "11111111-0000-4000-8000-000000000002";
const char* const kDataset = "31111111-0000-4000-8000-000000000001";
const char* const kRun = "71111111-0000-4000-8000-000000000001";
const char* const kCell1 = "81111111-0000-4000-8000-000000000001";
const char* const kTask = "94111111-0000-4000-8000-000000000001";
const char* const kReviewer = "93111111-0000-4000-8000-000000000001";

/// Rows per table in every fixture (data.sql and audit.sql).
const std::map<std::string, std::int64_t> kCounts { { "prompt", 2 }, { "prompt_version", 3 }, { "prompt_label", 3 },
    { "dataset", 1 }, { "dataset_row", 3 }, { "model", 1 }, { "endpoint", 1 }, { "run", 1 }, { "run_cell", 3 },
    { "metric_score", 1 }, { "judge_verdict", 1 }, { "reviewer", 1 }, { "review_task", 1 }, { "review_assignment", 2 },
    { "rating", 1 }, { "audit_event", 5 } };

/// The cells' keys: sha256("version|endpoint|row|0") for the three rows (hashes.py), as stored in the fixtures.
const std::vector<std::string> kCellKeys { "0b5741d092a4486af8a0c9b8a8ffe9ff3c81ad47fec07c09ac93d3dc24739303",
    "fad228d68fdf1ecd0f6cb005e0d0f495f88e18b0908a433fe6ff1085cc237341",
    "88fcc844417214652619d3d2f715237d848561b9c1bf991f0ba1df87beb8f17c" };
const std::vector<std::string> kRequestHashes { "3af0297b8114b56f3f1f49420bcbb239a3f89a0a4b12a23231d9f2f71cbb744f",
    "025865ed465cce9ebca1adf8572d5a7264d64c009f339683415ce1575a79871c",
    "cd332e94c258c7342b4894e97861ec4f91de6852f63acb6adedaa7cf8c018cb9" };

std::string fixturePath(int version)
{
    return std::string(ASSAY_SOURCE_DIR) + "/tests/fixtures/workspaces/v" + std::to_string(version) + ".assay-fixture";
}

std::string fileSha256(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return "unreadable";
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex().toStdString();
}

/// A writable copy of the fixture in @p dir (the checked-in file is never opened for writing).
std::string copyOf(int version, const QTemporaryDir& dir)
{
    const std::string copy = tempPath(dir, "old.assay");
    if (!QFile::copy(QString::fromStdString(fixturePath(version)), QString::fromStdString(copy)))
        return {};
    QFile::setPermissions(QString::fromStdString(copy), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return copy;
}
} // namespace

class TestOldWorkspaces : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fixtureIsUnchanged_data();
    void fixtureIsUnchanged();
    void oldFileChecksBeforeUpgrade_data();
    void oldFileChecksBeforeUpgrade();
    void upgradedFileKeepsEverything_data();
    void upgradedFileKeepsEverything();
    void runResumesAfterUpgrade_data();
    void runResumesAfterUpgrade();
    void upgradedFileTakesNewWrites_data();
    void upgradedFileTakesNewWrites();

private:
    static void versions();
};

void TestOldWorkspaces::versions()
{
    QTest::addColumn<int>("version");
    for (int v = 1; v < schema::latestVersion(); ++v)
        QTest::newRow(qPrintable(QStringLiteral("v%1").arg(v))) << v;
}

void TestOldWorkspaces::fixtureIsUnchanged_data()
{
    QTest::addColumn<int>("version");
    QTest::addColumn<QString>("sha256");
    // `sha256sum tests/fixtures/workspaces/v*.assay-fixture` when they were made: fixtures are made once, never
    // regenerated (a regenerated file would hide exactly the change these tests exist to catch).
    QTest::newRow("v1") << 1 << "1988dff13f0220c6c6c5b7752a0993f68f7ec11118dbf7b6571e114e842d7d23";
    QTest::newRow("v2") << 2 << "60b905292f3b54d8827966c5bc04e93a8b044733dd5f668c1b56fc157a32b75f";
    QTest::newRow("v3") << 3 << "8d63f6c51d4a19a6fb9cf90ea8610aaa8953512c79e61add7e2573bd2674f2d6";
}

void TestOldWorkspaces::fixtureIsUnchanged()
{
    QFETCH(int, version);
    QFETCH(QString, sha256);
    QCOMPARE(fileSha256(fixturePath(version)), sha256.toStdString());
}

void TestOldWorkspaces::oldFileChecksBeforeUpgrade_data()
{
    versions();
}

void TestOldWorkspaces::oldFileChecksBeforeUpgrade()
{
    // `workspace check` reads an old file as it is (read-only, no migration) and finds it whole.
    QFETCH(int, version);
    QTemporaryDir dir;
    const std::string path = copyOf(version, dir);
    QVERIFY(!path.empty());
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QCOMPARE(report->schemaVersion, version);
    QCOMPARE(report->integrity, std::string("ok"));
    QVERIFY2(report->auditChainOk, report->auditChainProblem.c_str());
    QCOMPARE(report->counts, kCounts);
    QCOMPARE(report->workspaceId, "f1f1f1f1-0000-4000-8000-00000000000" + std::to_string(version));
    QCOMPARE(fileSha256(path), fileSha256(fixturePath(version))); // check changed nothing
}

void TestOldWorkspaces::upgradedFileKeepsEverything_data()
{
    versions();
}

void TestOldWorkspaces::upgradedFileKeepsEverything()
{
    QFETCH(int, version);
    QTemporaryDir dir;
    const std::string path = copyOf(version, dir);
    QVERIFY(!path.empty());
    {
        auto opened = Workspace::open(path);
        ASSAY_VERIFY_OK(opened);
        Db& db = *opened;
        QCOMPARE(*db.queryInt("PRAGMA user_version"), std::int64_t(schema::latestVersion()));
        QCOMPARE(Workspace::workspaceId(db), "f1f1f1f1-0000-4000-8000-00000000000" + std::to_string(version));

        PromptRepository prompts(db);
        auto prod = prompts.resolve("UK prime minister@prod");
        ASSAY_VERIFY_OK(prod);
        QCOMPARE(prod->id, std::string("21111111-0000-4000-8000-000000000001"));
        QCOMPARE(prod->number, 1);
        QCOMPARE(prod->content.messages.size(), std::size_t(1));
        QCOMPARE(prod->content.messages[0].content, std::string("Who was the first prime minister of {{country}}?"));
        QCOMPARE(prod->contentHash, std::string("55dd456ff7a95c9c2ca556fd65b297f2470eddc495bcdbfa01778c6e1f3603a8"));
        QCOMPARE(prod->author, std::string("ada"));
        auto dev = prompts.resolve("UK prime minister@dev");
        ASSAY_VERIFY_OK(dev);
        QCOMPARE(dev->number, 2);
        QCOMPARE(dev->content.messages[0].role, std::string("system"));
        QCOMPARE(dev->content.messages[0].content, std::string("Answer with a full name only."));
        QCOMPARE(dev->content.parameters.temperature, std::optional<double>(0.2));
        QCOMPARE(dev->content.parameters.maxTokens, std::optional<std::int64_t>(32));
        QCOMPARE(dev->message, std::string("name only"));
        auto latest = prompts.resolve("UK prime minister");
        ASSAY_VERIFY_OK(latest);
        QCOMPARE(latest->number, 2);
        auto labels = prompts.labels(kPrompt1);
        ASSAY_VERIFY_OK(labels);
        std::map<std::string, int> byLabel;
        for (const auto& l : *labels)
            byLabel[l.label] = l.versionNumber;
        QCOMPARE(byLabel, (std::map<std::string, int> { { "dev", 2 }, { "prod", 1 } }));
        auto zoe = prompts.resolve("Zoë sentiment@prod");
        ASSAY_VERIFY_OK(zoe);
        QCOMPARE(zoe->promptId, std::string(kPrompt2));
        QCOMPARE(int(zoe->content.output.kind), int(OutputFormat::Kind::Label));
        QCOMPARE(zoe->content.output.labels, (std::vector<std::string> { "positive", "negative" }));
        // The hand-written version texts are canonical today too: each hashes to the content hash stored with it.
        for (const char* promptId : { kPrompt1, kPrompt2 }) {
            auto all = prompts.versions(promptId);
            ASSAY_VERIFY_OK(all);
            for (const auto& v : *all)
                QCOMPARE(contentHash(v.content), v.contentHash);
        }
        auto p1 = prompts.get(kPrompt1);
        ASSAY_VERIFY_OK(p1);
        QCOMPARE(p1->folder, std::string("quiz/history"));
        QCOMPARE(p1->tags, (std::vector<std::string> { "qa", "history" }));
        // The catalog's search finds old prompts by name, text and tag.
        QCOMPARE(names(*prompts.search("prime minis")), std::vector<std::string> { "UK prime minister" });
        QCOMPARE(names(*prompts.search("zoë")), std::vector<std::string> { "Zoë sentiment" });
        QCOMPARE(names(*prompts.search("reviews")), std::vector<std::string> { "Zoë sentiment" });

        DatasetRepository datasets(db);
        auto rows = datasets.rows(kDataset);
        ASSAY_VERIFY_OK(rows);
        QCOMPARE(rows->size(), std::size_t(3));
        QCOMPARE(rows->at(0).inputs.dump(), std::string(R"({"country":"Great Britain"})"));
        QCOMPARE(rows->at(0).expected, std::optional<std::string>("Robert Walpole"));
        QCOMPARE(rows->at(0).split, std::string("test"));
        QCOMPARE(rows->at(0).tags, std::vector<std::string> { "uk" });
        QCOMPARE(rows->at(1).expected, std::optional<std::string>("John A. Macdonald"));
        QCOMPARE(rows->at(2).inputs.dump(), std::string(R"({"country":"Österreich"})"));
        QVERIFY(!rows->at(2).expected);

        ModelRepository models(db);
        auto endpoint = models.endpoint("61111111-0000-4000-8000-000000000001");
        ASSAY_VERIFY_OK(endpoint);
        QCOMPARE(endpoint->name, std::string("local falcon"));
        QCOMPARE(endpoint->remoteModel, std::string("falcon-7b"));
        QCOMPARE(endpoint->settings.dump(), std::string(R"({"timeoutMs":30000})"));
        QCOMPARE(
            models.model("51111111-0000-4000-8000-000000000001")->contextWindow, std::optional<std::int64_t>(2048));

        RunRepository runs(db);
        QCOMPARE(int(runs.get(kRun)->status), int(RunStatus::Finished));
        auto cells = runs.cells(kRun);
        ASSAY_VERIFY_OK(cells);
        QCOMPARE(cells->size(), std::size_t(3));
        std::map<std::string, RunCell> byKey;
        for (const auto& c : *cells)
            byKey[c.cellKey] = c;
        QCOMPARE(byKey.at(kCellKeys[0]).output, std::string("Robert Walpole"));
        QCOMPARE(int(byKey.at(kCellKeys[0]).status), int(CellStatus::Ok));
        QCOMPARE(byKey.at(kCellKeys[0]).tokensIn, std::optional<std::int64_t>(24));
        QCOMPARE(byKey.at(kCellKeys[0]).latencyMs, std::optional<double>(41.5));
        QCOMPARE(int(byKey.at(kCellKeys[1]).status), int(CellStatus::Failed));
        QCOMPARE(byKey.at(kCellKeys[1]).error,
            std::string("The server 127.0.0.1 sent nothing for 30 s (idle timeout). (after 3 attempts)"));
        QCOMPARE(byKey.at(kCellKeys[2]).output, std::string("Karl Renner"));
        QCOMPARE(byKey.at(kCellKeys[2]).provenance["attempts"].get<int>(), 1);
        // The cache finds old answers by their request hash.
        auto cached = runs.findCellByRequestHash(kRequestHashes[0]);
        ASSAY_VERIFY_OK(cached);
        QVERIFY(cached->has_value());
        QCOMPARE((*cached)->id, std::string(kCell1));

        EvalRepository eval(db);
        QCOMPARE(eval.scoresForRun(kRun)->size(), std::size_t(1));
        QCOMPARE(eval.verdictsForCell(kCell1)->front().score, std::optional<double>(9));
        ReviewRepository review(db);
        QCOMPARE(review.ratingsForCell(kCell1)->front().value, 5.0);
        QCOMPARE(review.ratingsForCell(kCell1)->front().comment, std::string("Exactly right."));
        QCOMPARE(review.assignments(kTask, kReviewer)->size(), std::size_t(2));

        AuditLog audit(db);
        ASSAY_VERIFY_OK(audit.verify());
        auto events = audit.list();
        ASSAY_VERIFY_OK(events);
        QCOMPARE(events->size(), std::size_t(5));
        QCOMPARE(events->back().hash, std::string("b74963d3a8cb39dd751efe20f9117cf498320637d69f567415c9b1ed51a7945c"));
    }
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY2(report->healthy(), (report->integrity + " " + report->auditChainProblem).c_str());
    QCOMPARE(report->schemaVersion, schema::latestVersion());
    QCOMPARE(report->counts, kCounts);
}

void TestOldWorkspaces::runResumesAfterUpgrade_data()
{
    versions();
}

void TestOldWorkspaces::runResumesAfterUpgrade()
{
    // The stored plan rebuilds the same cells, under the same keys and request hashes: a resume after the upgrade
    // asks again only for the failed cell, and a new run of the same grid is answered from the cache.
    QFETCH(int, version);
    QTemporaryDir dir;
    const std::string path = copyOf(version, dir);
    QVERIFY(!path.empty());
    auto opened = Workspace::open(path);
    ASSAY_VERIFY_OK(opened);
    RunRepository runs(*opened);
    auto run = runs.get(kRun);
    ASSAY_VERIFY_OK(run);
    auto definition = RunDefinition::parse(run->plan["definition"]);
    ASSAY_VERIFY_OK(definition);
    auto plan = RunPlan::fromPinned(*definition, run->plan, *opened);
    ASSAY_VERIFY_OK(plan);
    QCOMPARE(plan->keys(), kCellKeys);
    for (std::size_t i = 0; i < plan->cells().size(); ++i)
        QCOMPARE(plan->cells()[i].requestHash, kRequestHashes[i]);
    QCOMPARE(*runs.missingCellKeys(kRun, plan->keys(), false), std::vector<std::string> {});
    QCOMPARE(*runs.missingCellKeys(kRun, plan->keys(), true), std::vector<std::string> { kCellKeys[1] });
}

void TestOldWorkspaces::upgradedFileTakesNewWrites_data()
{
    versions();
}

void TestOldWorkspaces::upgradedFileTakesNewWrites()
{
    QFETCH(int, version);
    QTemporaryDir dir;
    const std::string path = copyOf(version, dir);
    QVERIFY(!path.empty());
    {
        auto opened = Workspace::open(path);
        ASSAY_VERIFY_OK(opened);
        PromptRepository prompts(*opened, "tester");
        PromptContent content;
        content.messages = { { "user", "Who was the first prime minister of {{country}}, in one word?" } };
        auto v3 = prompts.saveVersion(kPrompt1, content, "tester");
        ASSAY_VERIFY_OK(v3);
        QCOMPARE(v3->number, 3);
        ASSAY_VERIFY_OK(prompts.setLabel(kPrompt1, "prod", 3));
        QCOMPARE(prompts.resolve("UK prime minister@prod")->number, 3);
        QCOMPARE(names(*prompts.search("one word")), std::vector<std::string> { "UK prime minister" });
        ASSAY_VERIFY_OK(DatasetRepository(*opened).addRows(kDataset, std::vector<DatasetRow>(1)));
        auto events = AuditLog(*opened).list();
        ASSAY_VERIFY_OK(events);
        // The new events continue the old chain.
        QCOMPARE(
            events->at(5).prevHash, std::string("b74963d3a8cb39dd751efe20f9117cf498320637d69f567415c9b1ed51a7945c"));
    }
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY2(report->healthy(), (report->integrity + " " + report->auditChainProblem).c_str());
    QCOMPARE(report->counts.at("prompt_version"), std::int64_t(4));
    QCOMPARE(report->counts.at("dataset_row"), std::int64_t(4));
}

QTEST_GUILESS_MAIN(TestOldWorkspaces)
#include "tst_oldworkspaces.moc"
