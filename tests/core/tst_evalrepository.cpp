// SPDX-License-Identifier: MIT
#include "storage/evalrepository.h"
#include "storage/runrepository.h"
#include "storagetest.h"

#include <cmath>
#include <limits>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

class TestEvalRepository : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void scoreRoundTripAndUpsert();
    void invalidScores_data();
    void invalidScores();
    void bulkScoresAllOrNothing();
    void scoresForRunOnlyThatRun();
    void verdicts();
    void scoresFollowCellDeletion();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Db> m_db;
    std::string m_runId;
    std::string m_otherRunId;
    std::vector<std::string> m_cells; ///< 3 cells of m_runId, then 1 of m_otherRunId
};

void TestEvalRepository::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_db = std::make_unique<Db>(newWorkspace(*m_dir));
    const std::string version = insertPromptVersion(*m_db);
    RunRepository runs(*m_db);
    m_runId = runs.create("r", json::object())->id;
    m_otherRunId = runs.create("other", json::object())->id;
    m_cells.clear();
    for (int i = 0; i < 4; ++i) {
        RunCell c;
        c.runId = i < 3 ? m_runId : m_otherRunId;
        c.promptVersionId = version;
        c.cellKey = "k" + std::to_string(i);
        auto committed = runs.commitCell(c);
        QVERIFY(committed.ok());
        m_cells.push_back(committed->id);
    }
}

void TestEvalRepository::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void TestEvalRepository::scoreRoundTripAndUpsert()
{
    EvalRepository repo(*m_db);
    MetricScore s;
    s.cellId = m_cells[0];
    s.metric = "exact_match";
    s.value = 1.0;
    s.details = json { { "expected", "Walpole" }, { "normalized", true } };
    auto first = repo.upsertScore(s);
    ASSAY_VERIFY_OK(first);
    QVERIFY(isUuid(first->id));

    MetricScore again = s;
    again.value = 0.0;
    again.details = json { { "note", "recomputed" } };
    auto second = repo.upsertScore(again);
    ASSAY_VERIFY_OK(second);
    QCOMPARE(second->id, first->id); // same (cell, metric): replaced, id kept

    auto scores = repo.scoresForCell(m_cells[0]);
    ASSAY_VERIFY_OK(scores);
    QCOMPARE(scores->size(), std::size_t(1));
    QCOMPARE(scores->front().value, 0.0);
    QCOMPARE(scores->front().details, again.details);
    QCOMPARE(scores->front().id, first->id);
}

void TestEvalRepository::invalidScores_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<int>("code");
    QTest::newRow("no metric") << 0 << int(ErrorCode::Invalid);
    QTest::newRow("NaN") << 1 << int(ErrorCode::Invalid);
    QTest::newRow("infinity") << 2 << int(ErrorCode::Invalid);
    QTest::newRow("unknown cell") << 3 << int(ErrorCode::NotFound);
}

void TestEvalRepository::invalidScores()
{
    QFETCH(int, which);
    QFETCH(int, code);
    EvalRepository repo(*m_db);
    MetricScore s;
    s.cellId = m_cells[0];
    s.metric = "rougeL";
    s.value = 0.5;
    switch (which) {
    case 0:
        s.metric.clear();
        break;
    case 1:
        s.value = std::nan("");
        break;
    case 2:
        s.value = std::numeric_limits<double>::infinity();
        break;
    default:
        s.cellId = newUuid();
    }
    ASSAY_VERIFY_ERROR(repo.upsertScore(s), ErrorCode(code));
    QCOMPARE(count(*m_db, "SELECT COUNT(*) FROM metric_score"), std::int64_t(0));
}

void TestEvalRepository::bulkScoresAllOrNothing()
{
    EvalRepository repo(*m_db);
    std::vector<MetricScore> scores;
    for (const auto& cell : m_cells) {
        MetricScore s;
        s.cellId = cell;
        s.metric = "bleu";
        s.value = 0.25;
        scores.push_back(s);
    }
    scores[2].cellId = newUuid();
    auto r = repo.upsertScores(scores);
    ASSAY_VERIFY_ERROR(r, ErrorCode::NotFound);
    QVERIFY2(r.error().message.find("score 3") != std::string::npos, r.error().message.c_str());
    QCOMPARE(count(*m_db, "SELECT COUNT(*) FROM metric_score"), std::int64_t(0));
    scores[2].cellId = m_cells[2];
    ASSAY_VERIFY_OK(repo.upsertScores(scores));
    QCOMPARE(count(*m_db, "SELECT COUNT(*) FROM metric_score"), std::int64_t(4));
}

void TestEvalRepository::scoresForRunOnlyThatRun()
{
    EvalRepository repo(*m_db);
    for (const auto& cell : m_cells)
        for (const char* metric : { "a", "b" }) {
            MetricScore s;
            s.cellId = cell;
            s.metric = metric;
            s.value = 1;
            ASSAY_VERIFY_OK(repo.upsertScore(s));
        }
    auto run = repo.scoresForRun(m_runId);
    ASSAY_VERIFY_OK(run);
    QCOMPARE(run->size(), std::size_t(6));
    for (const auto& s : *run)
        QVERIFY(s.cellId != m_cells[3]);
    QCOMPARE(repo.scoresForRun(m_otherRunId)->size(), std::size_t(2));
}

void TestEvalRepository::verdicts()
{
    EvalRepository repo(*m_db);
    JudgeVerdict v;
    v.cellId = m_cells[1];
    v.judgeEndpoint = "judge-gpt";
    v.rubric = "helpfulness";
    v.score = 7.5;
    v.reasoning = "Mostly right.";
    v.raw = "{\"score\": 7.5}";
    ASSAY_VERIFY_OK(repo.addVerdict(v));
    JudgeVerdict unparsed = v;
    unparsed.id.clear();
    unparsed.score.reset();
    unparsed.scaleMax = 5;
    unparsed.raw = "I cannot rate this";
    ASSAY_VERIFY_OK(repo.addVerdict(unparsed));
    auto got = repo.verdictsForCell(m_cells[1]);
    ASSAY_VERIFY_OK(got);
    QCOMPARE(got->size(), std::size_t(2));
    QCOMPARE(got->at(0).score, std::optional<double>(7.5));
    QCOMPARE(got->at(0).scaleMax, 10.0);
    QCOMPARE(got->at(0).rubric, std::string("helpfulness"));
    QCOMPARE(got->at(0).reasoning, v.reasoning);
    QCOMPARE(got->at(0).raw, v.raw);
    QVERIFY(!got->at(1).score.has_value());
    QCOMPARE(got->at(1).scaleMax, 5.0);
    QCOMPARE(repo.verdictsForRun(m_runId)->size(), std::size_t(2));
    QVERIFY(repo.verdictsForRun(m_otherRunId)->empty());

    JudgeVerdict bad = v;
    bad.id.clear();
    bad.cellId = newUuid();
    ASSAY_VERIFY_ERROR(repo.addVerdict(bad), ErrorCode::NotFound);
    bad.cellId = m_cells[1];
    bad.scaleMax = 0;
    ASSAY_VERIFY_ERROR(repo.addVerdict(bad), ErrorCode::Invalid);
}

void TestEvalRepository::scoresFollowCellDeletion()
{
    EvalRepository repo(*m_db);
    MetricScore s;
    s.cellId = m_cells[3];
    s.metric = "m";
    ASSAY_VERIFY_OK(repo.upsertScore(s));
    RunRepository runs(*m_db);
    ASSAY_VERIFY_OK(runs.remove(m_otherRunId));
    QVERIFY(repo.scoresForCell(m_cells[3])->empty());
}

QTEST_GUILESS_MAIN(TestEvalRepository)
#include "tst_evalrepository.moc"
