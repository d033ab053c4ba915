// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"
#include "storage/datasetrepository.h"
#include "storagetest.h"

#include <QElapsedTimer>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

class TestDatasetRepository : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void createGetList();
    void invalidNames_data();
    void invalidNames();
    void duplicateNameIsConflict();
    void renameAndConflict();
    void addRowsRoundTrip();
    void addRowsIsAllOrNothing_data();
    void addRowsIsAllOrNothing();
    void addRowsToMissingDataset();
    void pagingAndAppendOrdinals();
    void removeCascadesAndAudits();
    void bulkInsertSpeed();
};

void TestDatasetRepository::createGetList()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db, "alice");
    auto a = repo.create("  sentiment  ", "labelled tweets", { "positive", "negative", "neutral" });
    ASSAY_VERIFY_OK(a);
    QVERIFY(isUuid(a->id));
    QCOMPARE(a->name, std::string("sentiment")); // trimmed
    auto b = repo.create("qa");
    ASSAY_VERIFY_OK(b);

    auto got = repo.get(a->id);
    ASSAY_VERIFY_OK(got);
    QCOMPARE(got->name, std::string("sentiment"));
    QCOMPARE(got->description, std::string("labelled tweets"));
    QCOMPARE(got->labelSet, (std::vector<std::string> { "positive", "negative", "neutral" }));
    QCOMPARE(got->createdAt, a->createdAt);
    QCOMPARE(got->rowCount, std::int64_t(0));

    auto all = repo.list();
    ASSAY_VERIFY_OK(all);
    QCOMPARE(all->size(), std::size_t(2));
    QCOMPARE(all->at(0).name, std::string("qa")); // ordered by name
    QCOMPARE(all->at(1).name, std::string("sentiment"));

    auto byName = repo.findByName("qa");
    ASSAY_VERIFY_OK(byName);
    QVERIFY(byName->has_value());
    QCOMPARE((*byName)->id, b->id);
    auto none = repo.findByName("nope");
    ASSAY_VERIFY_OK(none);
    QVERIFY(!none->has_value());
    ASSAY_VERIFY_ERROR(repo.get(newUuid()), ErrorCode::NotFound);

    AuditLog audit(db);
    auto events = audit.list("dataset", a->id);
    ASSAY_VERIFY_OK(events);
    QCOMPARE(events->size(), std::size_t(1));
    QCOMPARE(events->front().action, std::string("dataset.create"));
    QCOMPARE(events->front().actor, std::string("alice"));
}

void TestDatasetRepository::invalidNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("empty") << QString();
    QTest::newRow("spaces") << QStringLiteral("   ");
    QTest::newRow("tabs and newline") << QStringLiteral("\t\n");
}

void TestDatasetRepository::invalidNames()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    ASSAY_VERIFY_ERROR(repo.create(name.toStdString()), ErrorCode::Invalid);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM dataset"), std::int64_t(0));
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), std::int64_t(0));
}

void TestDatasetRepository::duplicateNameIsConflict()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    ASSAY_VERIFY_OK(repo.create("x"));
    auto dup = repo.create("x");
    ASSAY_VERIFY_ERROR(dup, ErrorCode::Conflict);
    QCOMPARE(dup.error().message, std::string("A dataset named 'x' already exists"));
    // The failed create left no audit event behind (its transaction rolled back).
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), std::int64_t(1));
}

void TestDatasetRepository::renameAndConflict()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    auto a = repo.create("a");
    auto b = repo.create("b");
    ASSAY_VERIFY_OK(repo.rename(a->id, "renamed"));
    QCOMPARE(repo.get(a->id)->name, std::string("renamed"));
    auto clash = repo.rename(a->id, "b");
    ASSAY_VERIFY_ERROR(clash, ErrorCode::Conflict);
    QVERIFY(clash.error().message.find("'b'") != std::string::npos);
    QCOMPARE(repo.get(a->id)->name, std::string("renamed"));
    ASSAY_VERIFY_ERROR(repo.rename(newUuid(), "c"), ErrorCode::NotFound);
    ASSAY_VERIFY_ERROR(repo.rename(a->id, " "), ErrorCode::Invalid);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event WHERE action = 'dataset.rename'"), std::int64_t(1));
}

void TestDatasetRepository::addRowsRoundTrip()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    auto ds = repo.create("qa");
    std::vector<DatasetRow> in(2);
    in[0].inputs = json { { "question", "Who was the first PM of the UK?" }, { "n", 1 } };
    in[0].expected = "Robert Walpole";
    in[0].split = "test";
    in[0].tags = { "uk", "history" };
    in[1].inputs = json { { "question", "Unicode: café — 東京 🙂" } };
    auto added = repo.addRows(ds->id, in);
    ASSAY_VERIFY_OK(added);
    QCOMPARE(added->size(), std::size_t(2));
    QVERIFY(isUuid(added->at(0).id));

    auto rows = repo.rows(ds->id);
    ASSAY_VERIFY_OK(rows);
    QCOMPARE(rows->size(), std::size_t(2));
    const DatasetRow& r0 = rows->at(0);
    QCOMPARE(r0.id, added->at(0).id);
    QCOMPARE(r0.ordinal, std::int64_t(0));
    QCOMPARE(r0.inputs, in[0].inputs);
    QCOMPARE(r0.expected, std::optional<std::string>("Robert Walpole"));
    QCOMPARE(r0.split, std::string("test"));
    QCOMPARE(r0.tags, (std::vector<std::string> { "uk", "history" }));
    const DatasetRow& r1 = rows->at(1);
    QCOMPARE(r1.ordinal, std::int64_t(1));
    QCOMPARE(r1.inputs, in[1].inputs);
    QVERIFY(!r1.expected.has_value()); // unlabeled stays NULL, not ""
    QCOMPARE(*repo.rowCount(ds->id), std::int64_t(2));
    QCOMPARE(repo.get(ds->id)->rowCount, std::int64_t(2));
}

void TestDatasetRepository::addRowsIsAllOrNothing_data()
{
    QTest::addColumn<int>("badIndex");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("array inputs") << 2 << QStringLiteral("array") << int(ErrorCode::Invalid) << QStringLiteral("row 3");
    QTest::newRow("string inputs") << 0 << QStringLiteral("string") << int(ErrorCode::Invalid)
                                   << QStringLiteral("row 1");
    QTest::newRow("bad utf-8") << 4 << QStringLiteral("utf8") << int(ErrorCode::Invalid) << QStringLiteral("row 5");
    QTest::newRow("duplicate id") << 3 << QStringLiteral("dupid") << int(ErrorCode::Conflict)
                                  << QStringLiteral("row 4");
}

void TestDatasetRepository::addRowsIsAllOrNothing()
{
    QFETCH(int, badIndex);
    QFETCH(QString, kind);
    QFETCH(int, code);
    QFETCH(QString, messagePart);
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    auto ds = repo.create("d");
    std::vector<DatasetRow> rows(5);
    for (std::size_t i = 0; i < rows.size(); ++i)
        rows[i].inputs = json { { "i", i } };
    auto& bad = rows[static_cast<std::size_t>(badIndex)];
    if (kind == QStringLiteral("array"))
        bad.inputs = json::array({ 1, 2 });
    else if (kind == QStringLiteral("string"))
        bad.inputs = "text";
    else if (kind == QStringLiteral("utf8"))
        bad.inputs = json { { "q", std::string("\xff\xfe broken") } };
    else if (kind == QStringLiteral("dupid"))
        rows[0].id = bad.id = newUuid();
    const auto before = count(db, "SELECT COUNT(*) FROM audit_event");
    auto r = repo.addRows(ds->id, rows);
    ASSAY_VERIFY_ERROR(r, ErrorCode(code));
    QVERIFY2(r.error().message.find(messagePart.toStdString()) != std::string::npos, r.error().message.c_str());
    QCOMPARE(*repo.rowCount(ds->id), std::int64_t(0));
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), before);
}

void TestDatasetRepository::addRowsToMissingDataset()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    ASSAY_VERIFY_ERROR(repo.addRows(newUuid(), std::vector<DatasetRow>(1)), ErrorCode::NotFound);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM dataset_row"), std::int64_t(0));
}

void TestDatasetRepository::pagingAndAppendOrdinals()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    auto ds = repo.create("d");
    for (int batch = 0; batch < 3; ++batch) {
        std::vector<DatasetRow> rows(10);
        for (int i = 0; i < 10; ++i)
            rows[static_cast<std::size_t>(i)].inputs = json { { "n", batch * 10 + i } };
        ASSAY_VERIFY_OK(repo.addRows(ds->id, rows));
    }
    QCOMPARE(*repo.rowCount(ds->id), std::int64_t(30));
    auto page = repo.rows(ds->id, 12, 5);
    ASSAY_VERIFY_OK(page);
    QCOMPARE(page->size(), std::size_t(5));
    for (std::size_t i = 0; i < 5; ++i) {
        QCOMPARE(page->at(i).ordinal, std::int64_t(12 + i));
        QCOMPARE(page->at(i).inputs["n"].get<int>(), int(12 + i));
    }
    auto tail = repo.rows(ds->id, 28, 100);
    QCOMPARE(tail->size(), std::size_t(2));
    auto past = repo.rows(ds->id, 30, 10);
    QVERIFY(past->empty());
    auto other = repo.create("other");
    QVERIFY(repo.rows(other->id)->empty());
    QCOMPARE(*repo.rowCount(other->id), std::int64_t(0));
}

void TestDatasetRepository::removeCascadesAndAudits()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db, "bob");
    auto ds = repo.create("gone");
    auto keep = repo.create("kept");
    ASSAY_VERIFY_OK(repo.addRows(ds->id, std::vector<DatasetRow>(3)));
    ASSAY_VERIFY_OK(repo.addRows(keep->id, std::vector<DatasetRow>(2)));
    ASSAY_VERIFY_OK(repo.remove(ds->id));
    ASSAY_VERIFY_ERROR(repo.get(ds->id), ErrorCode::NotFound);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM dataset_row"), std::int64_t(2));
    ASSAY_VERIFY_ERROR(repo.remove(ds->id), ErrorCode::NotFound);

    AuditLog audit(db);
    auto events = audit.list("dataset", ds->id);
    QCOMPARE(events->size(), std::size_t(3));
    QCOMPARE(events->back().action, std::string("dataset.delete"));
    QCOMPARE(json::parse(events->back().payload)["rows"].get<int>(), 3);
    ASSAY_VERIFY_OK(audit.verify());
}

void TestDatasetRepository::bulkInsertSpeed()
{
    // A figure, not a gate: 20k rows in one transaction should take well under a few seconds.
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    DatasetRepository repo(db);
    auto ds = repo.create("big");
    std::vector<DatasetRow> rows(20000);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].inputs = json { { "text", "row number " + std::to_string(i) }, { "label", i % 3 } };
        rows[i].expected = std::to_string(i % 3);
    }
    QElapsedTimer timer;
    timer.start();
    ASSAY_VERIFY_OK(repo.addRows(ds->id, std::move(rows)));
    const auto insertMs = timer.elapsed();
    timer.restart();
    std::int64_t seen = 0;
    for (std::int64_t off = 0;; off += 1000) {
        auto page = repo.rows(ds->id, off, 1000);
        ASSAY_VERIFY_OK(page);
        if (page->empty())
            break;
        seen += static_cast<std::int64_t>(page->size());
    }
    QCOMPARE(seen, std::int64_t(20000));
    qInfo("addRows: 20000 rows in %lld ms; paged read (1000/page) in %lld ms", static_cast<long long>(insertMs),
        static_cast<long long>(timer.elapsed()));
}

QTEST_GUILESS_MAIN(TestDatasetRepository)
#include "tst_datasetrepository.moc"
