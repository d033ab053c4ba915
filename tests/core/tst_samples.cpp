// SPDX-License-Identifier: MIT
#include "samples/samples.h"
#include "storage/auditlog.h"
#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace assay::core;

class TestSamples : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void seedsTheSeedsContent();
    void seedsThePromptsAndTheChain();
    void nestedTransactionRollsBackWithOuter();
    void nestedTransactionRollsBackAlone();
};

static Db freshWorkspace(QTemporaryDir& dir, const char* name)
{
    auto db = Workspace::create(dir.filePath(QString::fromLatin1(name)).toStdString());
    if (!db)
        qFatal("%s", db.error().describe().c_str());
    return std::move(db).value();
}

void TestSamples::seedsTheSeedsContent()
{
    QTemporaryDir dir;
    Db db = freshWorkspace(dir, "s.assay");
    auto st = seedSamples(db);
    QVERIFY2(st.ok(), st.ok() ? "" : st.error().describe().c_str());

    ModelRepository models(db, "test");
    auto all = models.models();
    QVERIFY(all.ok());
    QCOMPARE(all->size(), std::size_t(17));
    auto falcon = models.findModelByName("TII Falcon-40B-Instruct");
    QVERIFY(falcon.ok() && falcon->has_value());
    QCOMPARE((*falcon)->parametersB.value_or(0), 40.0);
    QCOMPARE((*falcon)->contextWindow.value_or(0), std::int64_t(2048));
    QVERIFY((*falcon)->openWeights);

    DatasetRepository datasets(db, "test");
    auto pm = datasets.findByName("UK prime ministers");
    QVERIFY(pm.ok() && pm->has_value());
    auto rows = datasets.rows((*pm)->id, 0, 100);
    QVERIFY(rows.ok());
    QCOMPARE(rows->size(), std::size_t(8));
    QCOMPARE(rows->front().expected.value_or(""), std::string("Rishi Sunak"));
    QCOMPARE(rows->front().inputs.at("question").get<std::string>(),
        std::string("Give me the full name of the UK PM in 2023."));
    auto sentiment = datasets.findByName("Product review sentiment");
    QVERIFY(sentiment.ok() && sentiment->has_value());
    QCOMPARE((*sentiment)->labelSet, (std::vector<std::string> { "positive", "negative", "neutral" }));
    auto open = datasets.findByName("Open questions");
    QVERIFY(open.ok() && open->has_value());
    auto openRows = datasets.rows((*open)->id, 0, 100);
    QVERIFY(openRows.ok());
    QVERIFY(!openRows->front().expected.has_value());

    AuditLog audit(db);
    QVERIFY(audit.verify().ok());
    auto report = Workspace::check(db.path());
    QVERIFY(report.ok());
    QVERIFY(report->healthy());
}

void TestSamples::seedsThePromptsAndTheChain()
{
    QTemporaryDir dir;
    Db db = freshWorkspace(dir, "p.assay");
    auto st = seedSamples(db);
    QVERIFY2(st.ok(), st.ok() ? "" : st.error().describe().c_str());

    PromptRepository prompts(db, "test");
    auto all = prompts.list();
    QVERIFY(all.ok());
    QCOMPARE(all->size(), std::size_t(7)); // six templates and the chain
    for (const auto& p : *all)
        QCOMPARE(p.latestVersion, 1);

    auto pm = prompts.resolve("uk-pm-qa@prod");
    QVERIFY2(pm.ok(), pm.ok() ? "" : pm.error().message.c_str());
    QCOMPARE(pm->number, 1);
    QCOMPARE(pm->content.parameters.seed.value_or(0), std::int64_t(42));
    auto pmMeta = prompts.getByName("uk-pm-qa");
    QCOMPARE(pmMeta->folder, std::string("evaluation/labeled"));
    QCOMPARE(pmMeta->tags, (std::vector<std::string> { "qa", "labeled", "facts" }));
    auto pmLabels = prompts.labels(pmMeta->id);
    QCOMPARE(pmLabels->size(), std::size_t(2));
    QCOMPARE(pmLabels->at(0).label, std::string("dev"));
    QCOMPARE(pmLabels->at(1).label, std::string("prod"));

    auto sentiment = prompts.resolve("sentiment-classify@dev");
    QVERIFY(sentiment.ok());
    QCOMPARE(int(sentiment->content.output.kind), int(OutputFormat::Kind::Label));
    QCOMPARE(sentiment->content.fewShot.size(), std::size_t(2));
    QVERIFY(!prompts.resolve("sentiment-classify@prod").ok());
    QCOMPARE(prompts.resolve("children-story")->content.defaults.size(), std::size_t(2));

    auto chain = prompts.getByName("pm-birthplace-distance");
    QVERIFY(chain.ok());
    QVERIFY(chain->isChain);
    auto steps = prompts.latestVersion(chain->id);
    QCOMPARE(steps->content.steps.size(), std::size_t(3));
    QCOMPARE(steps->content.steps[1].name, std::string("birthplace"));

    QCOMPARE(prompts.list({ "evaluation", {}, {} })->size(), std::size_t(5));
    QCOMPARE(prompts.list({ {}, {}, "prod" })->size(), std::size_t(1));
    QCOMPARE(prompts.search("prime minis")->size(), std::size_t(2)); // uk-pm-qa and the chain
    QCOMPARE(prompts.search("birthpl lond")->front().prompt.name, std::string("pm-birthplace-distance"));

    AuditLog audit(db);
    QVERIFY(audit.verify().ok());
    auto moves = audit.list("prompt", pmMeta->id);
    QCOMPARE(moves->size(), std::size_t(3)); // created, labelled dev, labelled prod
}

void TestSamples::nestedTransactionRollsBackWithOuter()
{
    QTemporaryDir dir;
    Db db = freshWorkspace(dir, "n.assay");
    DatasetRepository datasets(db, "test");
    {
        Transaction outer(db);
        QVERIFY(outer.began());
        QVERIFY(datasets.create("inner-committed").ok()); // commits a SAVEPOINT only
        // outer never commits: everything must vanish
    }
    auto found = datasets.findByName("inner-committed");
    QVERIFY(found.ok());
    QVERIFY(!found->has_value());
}

void TestSamples::nestedTransactionRollsBackAlone()
{
    QTemporaryDir dir;
    Db db = freshWorkspace(dir, "m.assay");
    DatasetRepository datasets(db, "test");
    Transaction outer(db);
    QVERIFY(datasets.create("kept").ok());
    QVERIFY(!datasets.create("kept").ok()); // conflict: the inner savepoint rolls back alone
    QVERIFY(datasets.create("also-kept").ok());
    QVERIFY(outer.commit().ok());
    auto list = datasets.list();
    QVERIFY(list.ok());
    QCOMPARE(list->size(), std::size_t(2));
}

QTEST_GUILESS_MAIN(TestSamples)
#include "tst_samples.moc"
