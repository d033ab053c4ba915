// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"
#include "storage/reviewrepository.h"
#include "storage/runrepository.h"
#include "storagetest.h"

#include <cmath>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

class TestReviewRepository : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void reviewers();
    void tasks();
    void assignments();
    void ratingIsCommittedWithAuditEvent();
    void pairwiseRating();
    void invalidRatings_data();
    void invalidRatings();
    void ratingSurvivesReopen();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::string m_path;
    std::unique_ptr<Db> m_db;
    std::string m_runId;
    std::vector<std::string> m_cells;
    std::string m_reviewerId;
    std::string m_taskId; ///< scale 1..5
};

void TestReviewRepository::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_path = tempPath(*m_dir, "review.assay");
    m_db = std::make_unique<Db>(newWorkspace(*m_dir, "review.assay"));
    const std::string version = insertPromptVersion(*m_db);
    RunRepository runs(*m_db);
    m_runId = runs.create("r", json::object())->id;
    m_cells.clear();
    for (int i = 0; i < 3; ++i) {
        RunCell c;
        c.runId = m_runId;
        c.promptVersionId = version;
        c.cellKey = "k" + std::to_string(i);
        m_cells.push_back(runs.commitCell(c)->id);
    }
    ReviewRepository repo(*m_db, "lead");
    m_reviewerId = repo.addReviewer("Ada", "ada@example.org")->id;
    ReviewTask t;
    t.runId = m_runId;
    t.name = "likert";
    t.scale = json { { "kind", "likert" }, { "min", 1 }, { "max", 5 } };
    t.sampling = json { { "fraction", 0.5 }, { "seed", 7 } };
    m_taskId = repo.createTask(t)->id;
}

void TestReviewRepository::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void TestReviewRepository::reviewers()
{
    ReviewRepository repo(*m_db);
    auto bo = repo.addReviewer("  Bo ");
    ASSAY_VERIFY_OK(bo);
    QCOMPARE(bo->name, std::string("Bo"));
    auto dup = repo.addReviewer("Ada");
    ASSAY_VERIFY_ERROR(dup, ErrorCode::Conflict);
    QCOMPARE(dup.error().message, std::string("A reviewer named 'Ada' already exists"));
    ASSAY_VERIFY_ERROR(repo.addReviewer(""), ErrorCode::Invalid);
    auto all = repo.reviewers();
    QCOMPARE(all->size(), std::size_t(2));
    QCOMPARE(all->front().name, std::string("Ada"));
    QCOMPARE(repo.reviewer(m_reviewerId)->email, std::string("ada@example.org"));
    ASSAY_VERIFY_ERROR(repo.reviewer(newUuid()), ErrorCode::NotFound);
}

void TestReviewRepository::tasks()
{
    ReviewRepository repo(*m_db);
    auto t = repo.task(m_taskId);
    ASSAY_VERIFY_OK(t);
    QCOMPARE(t->name, std::string("likert"));
    QVERIFY(t->blind);
    QCOMPARE(t->scale["max"].get<int>(), 5);
    QCOMPARE(t->sampling["seed"].get<int>(), 7);
    ReviewTask open;
    open.runId = m_runId;
    open.name = "unblinded";
    open.blind = false;
    ASSAY_VERIFY_OK(repo.createTask(open));
    auto list = repo.tasksForRun(m_runId);
    QCOMPARE(list->size(), std::size_t(2));
    QVERIFY(!list->back().blind);
    ReviewTask orphan;
    orphan.runId = newUuid();
    orphan.name = "orphan";
    ASSAY_VERIFY_ERROR(repo.createTask(orphan), ErrorCode::NotFound);
    ReviewTask badScale = open;
    badScale.id.clear();
    badScale.scale = json::array();
    ASSAY_VERIFY_ERROR(repo.createTask(badScale), ErrorCode::Invalid);
}

void TestReviewRepository::assignments()
{
    ReviewRepository repo(*m_db);
    std::vector<ReviewAssignment> list;
    for (std::size_t i = 0; i < m_cells.size(); ++i)
        list.push_back({ m_taskId, m_reviewerId, m_cells[m_cells.size() - 1 - i], static_cast<std::int64_t>(i) });
    ASSAY_VERIFY_OK(repo.assign(list));
    ASSAY_VERIFY_OK(repo.assign(list)); // idempotent
    auto queue = repo.assignments(m_taskId, m_reviewerId);
    ASSAY_VERIFY_OK(queue);
    QCOMPARE(queue->size(), std::size_t(3));
    QCOMPARE(queue->front().cellId, m_cells[2]);
    QCOMPARE(queue->back().ordinal, std::int64_t(2));

    auto more = list;
    more.push_back({ m_taskId, newUuid(), m_cells[0], 9 });
    for (auto& a : more)
        a.ordinal += 10;
    auto r = repo.assign(more);
    ASSAY_VERIFY_ERROR(r, ErrorCode::NotFound);
    QVERIFY2(r.error().message.find("assignment 4") != std::string::npos, r.error().message.c_str());
    QVERIFY(r.error().message.find("reviewer") != std::string::npos);
    QCOMPARE(count(*m_db, "SELECT COUNT(*) FROM review_assignment"), std::int64_t(3));
}

void TestReviewRepository::ratingIsCommittedWithAuditEvent()
{
    ReviewRepository repo(*m_db, "Ada");
    Rating r;
    r.reviewerId = m_reviewerId;
    r.cellId = m_cells[0];
    r.taskId = m_taskId;
    r.scale = "likert5";
    r.value = 4;
    r.comment = "clear and correct";
    auto added = repo.addRating(r);
    ASSAY_VERIFY_OK(added);
    // The rating and its audit event are visible to another connection at once (committed, not pending).
    auto other = Workspace::open(m_path);
    ASSAY_VERIFY_OK(other);
    ReviewRepository reader(*other);
    auto ratings = reader.ratingsForCell(m_cells[0]);
    ASSAY_VERIFY_OK(ratings);
    QCOMPARE(ratings->size(), std::size_t(1));
    const Rating& g = ratings->front();
    QCOMPARE(g.id, added->id);
    QCOMPARE(g.reviewerId, m_reviewerId);
    QCOMPARE(g.taskId, std::optional<std::string>(m_taskId));
    QVERIFY(!g.pairCellId);
    QCOMPARE(g.scale, std::string("likert5"));
    QCOMPARE(g.value, 4.0);
    QCOMPARE(g.comment, r.comment);
    QCOMPARE(g.createdAt, added->createdAt);
    AuditLog audit(*other);
    auto events = audit.list("rating", added->id);
    ASSAY_VERIFY_OK(events);
    QCOMPARE(events->size(), std::size_t(1));
    QCOMPARE(events->front().action, std::string("rating.add"));
    QCOMPARE(events->front().actor, std::string("Ada"));
    QCOMPARE(json::parse(events->front().payload)["value"].get<double>(), 4.0);
    ASSAY_VERIFY_OK(audit.verify());
    QCOMPARE(reader.ratingsForTask(m_taskId)->size(), std::size_t(1));
}

void TestReviewRepository::pairwiseRating()
{
    ReviewRepository repo(*m_db);
    Rating r;
    r.reviewerId = m_reviewerId;
    r.cellId = m_cells[0];
    r.pairCellId = m_cells[1];
    r.scale = "pairwise";
    r.value = -1; // prefers the pair cell
    ASSAY_VERIFY_OK(repo.addRating(r));
    QCOMPARE(repo.ratingsForCell(m_cells[1])->size(), std::size_t(1)); // found from either side
    QCOMPARE(repo.ratingsForCell(m_cells[0])->front().pairCellId, std::optional<std::string>(m_cells[1]));
    QVERIFY(repo.ratingsForCell(m_cells[2])->empty());
}

void TestReviewRepository::invalidRatings_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("above scale") << QStringLiteral("value=6") << int(ErrorCode::Invalid) << QStringLiteral("1 to 5");
    QTest::newRow("below scale") << QStringLiteral("value=0") << int(ErrorCode::Invalid)
                                 << QStringLiteral("outside the scale");
    QTest::newRow("NaN") << QStringLiteral("nan") << int(ErrorCode::Invalid) << QStringLiteral("finite");
    QTest::newRow("no scale") << QStringLiteral("noscale") << int(ErrorCode::Invalid) << QStringLiteral("scale");
    QTest::newRow("pair with itself") << QStringLiteral("selfpair") << int(ErrorCode::Invalid)
                                      << QStringLiteral("two different");
    QTest::newRow("unknown reviewer") << QStringLiteral("reviewer") << int(ErrorCode::NotFound)
                                      << QStringLiteral("no reviewer");
    QTest::newRow("unknown cell") << QStringLiteral("cell") << int(ErrorCode::NotFound)
                                  << QStringLiteral("no run cell");
    QTest::newRow("unknown task") << QStringLiteral("task") << int(ErrorCode::NotFound)
                                  << QStringLiteral("no review task");
}

void TestReviewRepository::invalidRatings()
{
    QFETCH(QString, change);
    QFETCH(int, code);
    QFETCH(QString, messagePart);
    ReviewRepository repo(*m_db);
    Rating r;
    r.reviewerId = m_reviewerId;
    r.cellId = m_cells[0];
    r.taskId = m_taskId;
    r.scale = "likert5";
    r.value = 3;
    if (change == QStringLiteral("value=6"))
        r.value = 6;
    else if (change == QStringLiteral("value=0"))
        r.value = 0;
    else if (change == QStringLiteral("nan"))
        r.value = std::nan("");
    else if (change == QStringLiteral("noscale"))
        r.scale.clear();
    else if (change == QStringLiteral("selfpair"))
        r.pairCellId = r.cellId;
    else if (change == QStringLiteral("reviewer"))
        r.reviewerId = newUuid();
    else if (change == QStringLiteral("cell"))
        r.cellId = newUuid();
    else if (change == QStringLiteral("task"))
        r.taskId = newUuid();
    const auto events = count(*m_db, "SELECT COUNT(*) FROM audit_event");
    auto result = repo.addRating(r);
    ASSAY_VERIFY_ERROR(result, ErrorCode(code));
    QVERIFY2(
        result.error().message.find(messagePart.toStdString()) != std::string::npos, result.error().message.c_str());
    QCOMPARE(count(*m_db, "SELECT COUNT(*) FROM rating"), std::int64_t(0));
    QCOMPARE(count(*m_db, "SELECT COUNT(*) FROM audit_event"), events);
}

void TestReviewRepository::ratingSurvivesReopen()
{
    {
        ReviewRepository repo(*m_db);
        for (int i = 0; i < 3; ++i) {
            Rating r;
            r.reviewerId = m_reviewerId;
            r.cellId = m_cells[static_cast<std::size_t>(i)];
            r.scale = "thumbs";
            r.value = i % 2;
            ASSAY_VERIFY_OK(repo.addRating(r));
        }
    }
    m_db.reset();
    auto db = Workspace::open(m_path);
    ASSAY_VERIFY_OK(db);
    QCOMPARE(count(*db, "SELECT COUNT(*) FROM rating"), std::int64_t(3));
    QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_event WHERE action = 'rating.add'"), std::int64_t(3));
    AuditLog audit(*db);
    ASSAY_VERIFY_OK(audit.verify());
}

QTEST_GUILESS_MAIN(TestReviewRepository)
#include "tst_reviewrepository.moc"
