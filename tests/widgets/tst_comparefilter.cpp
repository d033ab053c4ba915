// SPDX-License-Identifier: MIT
// The comparison grid's text filter never makes the GUI thread wait: the pass over every row runs on workers over
// a snapshot of the grid, the event loop turns while it runs, and the latest request wins (an earlier pass is
// cancelled and its result dropped). Cells committed while a pass runs change a copy of the grid (copy on write),
// and those rows are judged again on the new data. Checked against a brute-force match of every row.
#include "models/comparefiltermodel.h"
#include "models/comparemodel.h"

#include "compare/comparegrid.h"

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QSignalSpy>
#include <QtTest>

#include <random>

using namespace assay;
using Filter = widgets::CompareFilterModel;

class TestCompareFilter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void passRunsWhileTheEventLoopTurns();
    void latestRequestWins();
    void cellsCommittedDuringAPassAreJudgedOnTheNewData();
};

namespace {
constexpr int kRows = 3000;
constexpr int kColumns = 3;

/// A grid of kRows inline rows × kColumns endpoints whose outputs are long, seeded, word soup; row r's first
/// output mentions "needle-<r % 97>".
core::CompareGrid bigGrid()
{
    nlohmann::json rows = nlohmann::json::array();
    for (int r = 0; r < kRows; ++r)
        rows.push_back({ { "text", "input " + std::to_string(r) } });
    nlohmann::json endpoints = nlohmann::json::array();
    nlohmann::json names = nlohmann::json::array();
    for (int c = 0; c < kColumns; ++c) {
        endpoints.push_back({ { "id", "E" + std::to_string(c) }, { "name", "e" + std::to_string(c) } });
        names.push_back("e" + std::to_string(c));
    }
    core::Run run;
    run.id = "run-1";
    run.plan
        = { { "definition", { { "name", "big" }, { "prompts", { "p@1" } }, { "endpoints", names }, { "rows", rows } } },
              { "versions", { { { "versionId", "V1" }, { "reference", "p@1" }, { "number", 1 } } } },
              { "endpoints", endpoints } };
    auto grid = core::CompareGrid::layout(run, {});
    if (!grid)
        qFatal("layout: %s", grid.error().message.c_str());
    std::mt19937 rng(7);
    const char* words[] = { "alpha", "beta", "gamma", "delta", "quick", "brown", "fox", "lazy", "dog", "value" };
    for (int r = 0; r < kRows; ++r) {
        for (int c = 0; c < kColumns; ++c) {
            core::RunCell cell;
            cell.runId = run.id;
            cell.cellKey = grid->key(static_cast<std::size_t>(r), static_cast<std::size_t>(c));
            cell.status = core::CellStatus::Ok;
            for (int w = 0; w < 300; ++w)
                cell.output += std::string(words[rng() % 10]) + ' ';
            if (c == 0)
                cell.output += "needle-" + std::to_string(r % 97);
            grid->setCell(std::move(cell));
        }
    }
    return std::move(*grid);
}

/// The rows a regex over inputs and outputs selects, by brute force.
int expectedRows(const widgets::CompareModel& model, const QString& pattern)
{
    const QRegularExpression re(pattern, QRegularExpression::CaseInsensitiveOption);
    int n = 0;
    for (int r = 0; r < model.rowCount(); ++r) {
        bool hit = re.match(model.text(r, 0)).hasMatch();
        for (int c = 0; c < kColumns && !hit; ++c)
            if (const std::string* t = model.utf8(r, c))
                hit = re.match(QString::fromStdString(*t)).hasMatch();
        n += hit ? 1 : 0;
    }
    return n;
}

/// Turns the event loop until @p done; how many queued round trips completed meanwhile.
int turnUntil(QObject* context, const std::function<bool()>& done)
{
    int trips = 0;
    QDeadlineTimer patience(120000); // how long to keep turning the loop, not a pass/fail threshold
    while (!done() && !patience.hasExpired()) {
        bool delivered = false;
        QMetaObject::invokeMethod(
            context, [&] { delivered = true; }, Qt::QueuedConnection);
        while (!delivered)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        ++trips;
    }
    return trips;
}
} // namespace

void TestCompareFilter::passRunsWhileTheEventLoopTurns()
{
    widgets::CompareModel model;
    model.setData(widgets::CompareData::prepare(bigGrid()));
    Filter filter;
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setSourceModel(&model);
    QCOMPARE(filter.rowCount(), kRows);
    QSignalSpy applied(&filter, &Filter::textFilterApplied);

    // Posted before the filter is asked for, so it is delivered before the pass can report (queued calls run in
    // order): when it runs, the GUI thread is free again and the pass is still in flight.
    bool pendingWhenTurned = false;
    int rowsWhenTurned = -1;
    QMetaObject::invokeMethod(
        &filter,
        [&] {
            pendingWhenTurned = filter.textFilterPending();
            rowsWhenTurned = filter.rowCount();
        },
        Qt::QueuedConnection);
    const QString pattern = QStringLiteral("needle-(1|2)\\b");
    QVERIFY(filter.setTextFilter(pattern, true));
    QVERIFY(filter.textFilterPending()); // setTextFilter returned without the result
    QCOMPARE(filter.rowCount(), kRows); // the rows follow the filter applied before (none) meanwhile
    const int trips = turnUntil(&filter, [&] { return applied.count() > 0; });
    QVERIFY(pendingWhenTurned);
    QCOMPARE(rowsWhenTurned, kRows);
    QVERIFY(trips >= 1);
    QCOMPARE(applied.count(), 1);
    QVERIFY(!filter.textFilterPending());
    QCOMPARE(filter.rowCount(), expectedRows(model, pattern));
    QVERIFY(filter.rowCount() > 0 && filter.rowCount() < kRows);
    qInfo("%d event-loop round trips completed while the pass over %d rows × %d columns ran", trips, kRows, kColumns);

    QVERIFY(filter.setTextFilter(QString(), false)); // an empty filter applies at once
    QVERIFY(!filter.textFilterPending());
    QCOMPARE(filter.rowCount(), kRows);
}

void TestCompareFilter::latestRequestWins()
{
    widgets::CompareModel model;
    model.setData(widgets::CompareData::prepare(bigGrid()));
    Filter filter;
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setSourceModel(&model);
    QSignalSpy applied(&filter, &Filter::textFilterApplied);
    QVERIFY(filter.setTextFilter(QStringLiteral("needle-3\\b"), true));
    QVERIFY(filter.setTextFilter(QStringLiteral("brown fox lazy dog value alpha"), false));
    QVERIFY(filter.setTextFilter(QStringLiteral("needle-(5|6)\\b"), true)); // the one that counts
    turnUntil(&filter, [&] { return !filter.textFilterPending(); });
    int trips = 0;
    turnUntil(&filter, [&] { return ++trips > 50; }); // let any stale result arrive: it must be dropped
    QCOMPARE(applied.count(), 1);
    QCOMPARE(filter.textFilter(), QStringLiteral("needle-(5|6)\\b"));
    QCOMPARE(filter.rowCount(), expectedRows(model, QStringLiteral("needle-(5|6)\\b")));

    // Changing the visible columns re-runs the pass for the same filter; meanwhile the old matches stand.
    filter.setVisibleGridColumns({ 1, 2 }); // the needles are in column 0 only
    QVERIFY(filter.textFilterPending());
    turnUntil(&filter, [&] { return !filter.textFilterPending(); });
    QCOMPARE(filter.rowCount(), 0);
}

void TestCompareFilter::cellsCommittedDuringAPassAreJudgedOnTheNewData()
{
    widgets::CompareModel model;
    model.setData(widgets::CompareData::prepare(bigGrid()));
    Filter filter;
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setSourceModel(&model);
    const QString pattern = QStringLiteral("needle-4\\b|freshly committed");
    QVERIFY(filter.setTextFilter(pattern, true));
    QVERIFY(filter.textFilterPending());
    // While the workers read the snapshot, a cell is committed to row 0 (live run): the model changes a copy.
    core::RunCell cell;
    cell.runId = "run-1";
    cell.cellKey = model.grid().key(0, 1);
    cell.status = core::CellStatus::Ok;
    cell.output = "freshly committed";
    QCOMPARE(model.applyCells({ cell }), 1);
    turnUntil(&filter, [&] { return !filter.textFilterPending(); });
    QCOMPARE(filter.rowCount(), expectedRows(model, pattern));
    QCOMPARE(filter.mapToSource(filter.index(0, 0)).row(), 0); // row 0 matches through the new cell
}

QTEST_GUILESS_MAIN(TestCompareFilter)
#include "tst_comparefilter.moc"
