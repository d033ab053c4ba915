// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"
#include "storage/datasetrepository.h"
#include "storage/modelrepository.h"
#include "storage/runrepository.h"
#include "storagetest.h"

#include <csignal>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

class TestRunRepository : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void createGetListAudit();
    void planMustBeObject();
    void statusLifecycle();
    void markRunningInterrupted();
    void cellRoundTrip();
    void duplicateKeyAndRetry();
    void missingCellKeys();
    void cacheLookup();
    void danglingReferences_data();
    void danglingReferences();
    void removeCascades();
    void committedCellIsVisibleToSecondConnection();
    void crashKeepsEveryCommittedCell();
};

namespace {
struct Fixture {
    QTemporaryDir dir;
    std::string path = tempPath(dir, "runs.assay");
    Db db = newWorkspace(dir, "runs.assay");
    std::string versionId = insertPromptVersion(db);
};

RunCell makeCell(const std::string& runId, const std::string& versionId, int i)
{
    RunCell c;
    c.runId = runId;
    c.promptVersionId = versionId;
    c.cellKey = RunCell::makeKey(versionId, "ep", "row" + std::to_string(i), 0);
    c.modelName = "tiny";
    c.output = "answer " + std::to_string(i);
    c.requestHash = sha256Hex("request " + std::to_string(i));
    return c;
}
} // namespace

void TestRunRepository::createGetListAudit()
{
    Fixture f;
    RunRepository repo(f.db, "erin");
    const json plan { { "versions", { f.versionId } }, { "repeats", 3 }, { "seed", 42 } };
    auto a = repo.create("first", plan);
    ASSAY_VERIFY_OK(a);
    QVERIFY(isUuid(a->id));
    QCOMPARE(int(a->status), int(RunStatus::Planned));
    auto b = repo.create("second", json::object());
    auto got = repo.get(a->id);
    ASSAY_VERIFY_OK(got);
    QCOMPARE(got->name, std::string("first"));
    QCOMPARE(got->plan, plan);
    QVERIFY(!got->startedAt && !got->finishedAt);
    auto all = repo.list();
    QCOMPARE(all->size(), std::size_t(2));
    QCOMPARE(all->front().id, b->id); // newest first
    ASSAY_VERIFY_ERROR(repo.get(newUuid()), ErrorCode::NotFound);
    AuditLog audit(f.db);
    auto events = audit.list("run", a->id);
    QCOMPARE(events->size(), std::size_t(1));
    QCOMPARE(events->front().action, std::string("run.create"));
    QCOMPARE(events->front().actor, std::string("erin"));
}

void TestRunRepository::planMustBeObject()
{
    Fixture f;
    RunRepository repo(f.db);
    auto r = repo.create("bad", json::array());
    ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    QVERIFY(r.error().message.find("plan") != std::string::npos);
    QCOMPARE(count(f.db, "SELECT COUNT(*) FROM run"), std::int64_t(0));
}

void TestRunRepository::statusLifecycle()
{
    Fixture f;
    RunRepository repo(f.db);
    auto run = repo.create("r", json::object());
    ASSAY_VERIFY_OK(repo.setStatus(run->id, RunStatus::Running));
    auto r1 = repo.get(run->id);
    QCOMPARE(int(r1->status), int(RunStatus::Running));
    QVERIFY(r1->startedAt.has_value());
    QVERIFY(!r1->finishedAt.has_value());
    ASSAY_VERIFY_OK(repo.setStatus(run->id, RunStatus::Interrupted));
    ASSAY_VERIFY_OK(repo.setStatus(run->id, RunStatus::Running));
    QCOMPARE(repo.get(run->id)->startedAt, r1->startedAt); // the first start is kept
    ASSAY_VERIFY_OK(repo.setStatus(run->id, RunStatus::Finished));
    auto r2 = repo.get(run->id);
    QCOMPARE(int(r2->status), int(RunStatus::Finished));
    QVERIFY(r2->finishedAt.has_value());
    QVERIFY(*r2->finishedAt >= *r2->startedAt);
    ASSAY_VERIFY_ERROR(repo.setStatus(run->id, RunStatus::Planned), ErrorCode::Invalid);
    ASSAY_VERIFY_ERROR(repo.setStatus(newUuid(), RunStatus::Running), ErrorCode::NotFound);
    QCOMPARE(count(f.db, "SELECT COUNT(*) FROM audit_event WHERE action = 'run.status'"), std::int64_t(4));
    AuditLog audit(f.db);
    auto events = audit.list("run", run->id);
    QCOMPARE(json::parse(events->back().payload), (json { { "from", "running" }, { "to", "finished" } }));
}

void TestRunRepository::markRunningInterrupted()
{
    Fixture f;
    RunRepository repo(f.db);
    auto a = repo.create("a", json::object());
    auto b = repo.create("b", json::object());
    auto c = repo.create("c", json::object());
    ASSAY_VERIFY_OK(repo.setStatus(a->id, RunStatus::Running));
    ASSAY_VERIFY_OK(repo.setStatus(c->id, RunStatus::Running));
    ASSAY_VERIFY_OK(repo.setStatus(c->id, RunStatus::Finished));
    auto ids = repo.markRunningInterrupted();
    ASSAY_VERIFY_OK(ids);
    QCOMPARE(*ids, std::vector<std::string> { a->id });
    QCOMPARE(int(repo.get(a->id)->status), int(RunStatus::Interrupted));
    QCOMPARE(int(repo.get(b->id)->status), int(RunStatus::Planned));
    QCOMPARE(int(repo.get(c->id)->status), int(RunStatus::Finished));
}

void TestRunRepository::cellRoundTrip()
{
    Fixture f;
    DatasetRepository datasets(f.db);
    ModelRepository models(f.db);
    auto ds = datasets.create("d");
    auto rows = datasets.addRows(ds->id, std::vector<DatasetRow>(1));
    Endpoint ep;
    ep.name = "local";
    ep.kind = EndpointKind::Local;
    auto endpoint = models.createEndpoint(ep);
    RunRepository repo(f.db);
    auto run = repo.create("r", json::object());

    RunCell c;
    c.runId = run->id;
    c.promptVersionId = f.versionId;
    c.endpointId = endpoint->id;
    c.rowId = rows->front().id;
    c.cellKey = RunCell::makeKey(f.versionId, endpoint->id, rows->front().id, 2);
    c.modelName = "tiny-llama";
    c.repeatIndex = 2;
    c.status = CellStatus::Ok;
    c.output = "Robert Walpole";
    c.finishReason = "stop";
    c.tokensIn = 17;
    c.tokensOut = 3;
    c.ttftMs = 12.5;
    c.latencyMs = 80.25;
    c.cost = 0.000123;
    c.requestHash = sha256Hex("req");
    c.request = json { { "messages", json::array({ { { "role", "user" }, { "content", "hi" } } }) } };
    c.provenance = json { { "model_sha256", "ab" }, { "llama_build", "b1" }, { "device", "cpu" } };
    auto committed = repo.commitCell(c);
    ASSAY_VERIFY_OK(committed);
    QVERIFY(isUuid(committed->id));
    auto cells = repo.cells(run->id);
    ASSAY_VERIFY_OK(cells);
    QCOMPARE(cells->size(), std::size_t(1));
    const RunCell& g = cells->front();
    QCOMPARE(g.id, committed->id);
    QCOMPARE(g.cellKey, c.cellKey);
    QCOMPARE(g.promptVersionId, c.promptVersionId);
    QCOMPARE(g.endpointId, c.endpointId);
    QCOMPARE(g.rowId, c.rowId);
    QCOMPARE(g.modelName, c.modelName);
    QCOMPARE(g.repeatIndex, std::int64_t(2));
    QCOMPARE(int(g.status), int(CellStatus::Ok));
    QCOMPARE(g.output, c.output);
    QCOMPARE(g.finishReason, c.finishReason);
    QCOMPARE(g.tokensIn, c.tokensIn);
    QCOMPARE(g.tokensOut, c.tokensOut);
    QCOMPARE(g.ttftMs, c.ttftMs);
    QCOMPARE(g.latencyMs, c.latencyMs);
    QCOMPARE(g.cost, c.cost);
    QCOMPARE(g.requestHash, c.requestHash);
    QCOMPARE(g.request, c.request);
    QCOMPARE(g.provenance, c.provenance);
    QCOMPARE(g.createdAt, committed->createdAt);
    QCOMPARE(*repo.cellCount(run->id), std::int64_t(1));

    RunCell failed = makeCell(run->id, f.versionId, 9);
    failed.status = CellStatus::Failed;
    failed.error = "HTTP 500";
    ASSAY_VERIFY_OK(repo.commitCell(failed));
    auto again = repo.cells(run->id);
    QCOMPARE(int(again->back().status), int(CellStatus::Failed));
    QVERIFY(!again->back().tokensIn.has_value());
    QVERIFY(!again->back().endpointId.has_value());
}

void TestRunRepository::duplicateKeyAndRetry()
{
    Fixture f;
    RunRepository repo(f.db);
    auto run = repo.create("r", json::object());
    RunCell ok = makeCell(run->id, f.versionId, 1);
    ASSAY_VERIFY_OK(repo.commitCell(ok));
    ok.id.clear();
    auto dup = repo.commitCell(ok);
    ASSAY_VERIFY_ERROR(dup, ErrorCode::Conflict);
    QVERIFY(dup.error().message.find(ok.cellKey) != std::string::npos);

    RunCell bad = makeCell(run->id, f.versionId, 2);
    bad.status = CellStatus::Failed;
    auto first = repo.commitCell(bad);
    ASSAY_VERIFY_OK(first);
    RunCell retry = makeCell(run->id, f.versionId, 2);
    auto second = repo.commitCell(retry);
    ASSAY_VERIFY_OK(second); // a failed cell is replaced by its retry
    auto cells = repo.cells(run->id);
    QCOMPARE(cells->size(), std::size_t(2));
    QCOMPARE(int(cells->back().status), int(CellStatus::Ok));
    QCOMPARE(cells->back().id, second->id);
    ASSAY_VERIFY_ERROR(repo.commitCell(RunCell {}), ErrorCode::Invalid);
}

void TestRunRepository::missingCellKeys()
{
    Fixture f;
    RunRepository repo(f.db);
    auto run = repo.create("r", json::object());
    auto other = repo.create("other", json::object());
    std::vector<std::string> planned;
    for (int i = 0; i < 6; ++i)
        planned.push_back(makeCell(run->id, f.versionId, i).cellKey);
    ASSAY_VERIFY_OK(repo.commitCell(makeCell(run->id, f.versionId, 0)));
    ASSAY_VERIFY_OK(repo.commitCell(makeCell(run->id, f.versionId, 3)));
    RunCell failed = makeCell(run->id, f.versionId, 4);
    failed.status = CellStatus::Cancelled;
    ASSAY_VERIFY_OK(repo.commitCell(failed));
    ASSAY_VERIFY_OK(repo.commitCell(makeCell(other->id, f.versionId, 1))); // another run's cell does not count

    auto missing = repo.missingCellKeys(run->id, planned);
    ASSAY_VERIFY_OK(missing);
    QCOMPARE(*missing, (std::vector<std::string> { planned[1], planned[2], planned[4], planned[5] }));
    auto strict = repo.missingCellKeys(run->id, planned, false);
    QCOMPARE(*strict, (std::vector<std::string> { planned[1], planned[2], planned[5] }));
}

void TestRunRepository::cacheLookup()
{
    Fixture f;
    RunRepository repo(f.db);
    auto r1 = repo.create("r1", json::object());
    auto r2 = repo.create("r2", json::object());
    RunCell a = makeCell(r1->id, f.versionId, 1);
    a.createdAt = 1000;
    ASSAY_VERIFY_OK(repo.commitCell(a));
    RunCell b = makeCell(r2->id, f.versionId, 1); // same request hash in a later run
    b.createdAt = 2000;
    b.output = "newer";
    ASSAY_VERIFY_OK(repo.commitCell(b));
    RunCell failed = makeCell(r2->id, f.versionId, 2);
    failed.status = CellStatus::Failed;
    failed.createdAt = 3000;
    failed.requestHash = a.requestHash;
    ASSAY_VERIFY_OK(repo.commitCell(failed));

    auto hit = repo.findCellByRequestHash(a.requestHash);
    ASSAY_VERIFY_OK(hit);
    QVERIFY(hit->has_value());
    QCOMPARE((*hit)->output, std::string("newer")); // newest ok cell, never a failed one
    auto miss = repo.findCellByRequestHash(sha256Hex("never sent"));
    QVERIFY(!miss->has_value());
    QVERIFY(!repo.findCellByRequestHash(std::string())->has_value());
}

void TestRunRepository::danglingReferences_data()
{
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("run") << QStringLiteral("run") << QStringLiteral("no run");
    QTest::newRow("version") << QStringLiteral("version") << QStringLiteral("no prompt version");
    QTest::newRow("endpoint") << QStringLiteral("endpoint") << QStringLiteral("no endpoint");
    QTest::newRow("row") << QStringLiteral("row") << QStringLiteral("no dataset row");
}

void TestRunRepository::danglingReferences()
{
    QFETCH(QString, which);
    QFETCH(QString, messagePart);
    Fixture f;
    RunRepository repo(f.db);
    auto run = repo.create("r", json::object());
    RunCell c = makeCell(run->id, f.versionId, 1);
    if (which == QStringLiteral("run"))
        c.runId = newUuid();
    else if (which == QStringLiteral("version"))
        c.promptVersionId = newUuid();
    else if (which == QStringLiteral("endpoint"))
        c.endpointId = newUuid();
    else
        c.rowId = newUuid();
    auto r = repo.commitCell(c);
    ASSAY_VERIFY_ERROR(r, ErrorCode::NotFound);
    QVERIFY2(r.error().message.find(messagePart.toStdString()) != std::string::npos, r.error().message.c_str());
    QCOMPARE(count(f.db, "SELECT COUNT(*) FROM run_cell"), std::int64_t(0));
}

void TestRunRepository::removeCascades()
{
    Fixture f;
    RunRepository repo(f.db);
    auto run = repo.create("r", json::object());
    auto keep = repo.create("keep", json::object());
    ASSAY_VERIFY_OK(repo.commitCell(makeCell(run->id, f.versionId, 1)));
    ASSAY_VERIFY_OK(repo.commitCell(makeCell(keep->id, f.versionId, 1)));
    ASSAY_VERIFY_OK(repo.remove(run->id));
    QCOMPARE(count(f.db, "SELECT COUNT(*) FROM run_cell"), std::int64_t(1));
    ASSAY_VERIFY_ERROR(repo.remove(run->id), ErrorCode::NotFound);
    QCOMPARE(count(f.db, "SELECT COUNT(*) FROM audit_event WHERE action = 'run.delete'"), std::int64_t(1));
}

void TestRunRepository::committedCellIsVisibleToSecondConnection()
{
    Fixture f;
    RunRepository writer(f.db);
    auto run = writer.create("r", json::object());
    auto second = Workspace::open(f.path);
    ASSAY_VERIFY_OK(second);
    RunRepository reader(*second);
    for (int i = 0; i < 20; ++i) {
        ASSAY_VERIFY_OK(writer.commitCell(makeCell(run->id, f.versionId, i)));
        // No close, no checkpoint: the other connection sees the cell the moment commitCell returns.
        QCOMPARE(*reader.cellCount(run->id), std::int64_t(i + 1));
    }
}

void TestRunRepository::crashKeepsEveryCommittedCell()
{
    constexpr int kCells = 200;
    Fixture f;
    std::string runId;
    {
        RunRepository repo(f.db);
        runId = repo.create("crash", json::object())->id;
    }
    f.db = Db(); // no SQLite connection may cross fork()

    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        // The child: a scheduler that commits cells, starts one more, and is killed mid-transaction.
        auto db = Workspace::open(f.path);
        if (!db)
            ::_exit(2);
        RunRepository repo(*db);
        for (int i = 0; i < kCells; ++i)
            if (!repo.commitCell(makeCell(runId, f.versionId, i)))
                ::_exit(3);
        if (!db->exec("BEGIN IMMEDIATE"))
            ::_exit(4);
        auto st = db->prepare("INSERT INTO run_cell(id, run_id, cell_key, prompt_version_id, status, created_at)"
                              " VALUES (?1, ?2, 'uncommitted', ?3, 'ok', 0)");
        if (!st)
            ::_exit(5);
        st->bind(1, newUuid()).bind(2, runId).bind(3, f.versionId);
        if (!st->run())
            ::_exit(6);
        ::raise(SIGKILL); // no close, no checkpoint, no ROLLBACK
        ::_exit(7);
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
        qPrintable(QStringLiteral("child exit status %1").arg(WIFEXITED(status) ? WEXITSTATUS(status) : -1)));
    // The cells live in the WAL the killed process left behind.
    QVERIFY(std::filesystem::exists(f.path + "-wal"));

    auto db = Workspace::open(f.path);
    ASSAY_VERIFY_OK(db);
    RunRepository repo(*db);
    auto cells = repo.cells(runId);
    ASSAY_VERIFY_OK(cells);
    QCOMPARE(cells->size(), std::size_t(kCells));
    for (int i = 0; i < kCells; ++i)
        QCOMPARE(cells->at(static_cast<std::size_t>(i)).output, std::string("answer ") + std::to_string(i));
    QCOMPARE(count(*db, "SELECT COUNT(*) FROM run_cell WHERE cell_key = 'uncommitted'"), std::int64_t(0));
    QCOMPARE(*db->queryText("PRAGMA integrity_check"), std::string("ok"));
    auto missing = repo.missingCellKeys(runId, { makeCell(runId, f.versionId, 0).cellKey, "k-new" });
    QCOMPARE(*missing, std::vector<std::string> { "k-new" });
}

QTEST_GUILESS_MAIN(TestRunRepository)
#include "tst_runrepository.moc"
