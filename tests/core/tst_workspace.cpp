// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"
#include "storage/datasetrepository.h"
#include "storage/schema.h"
#include "storage/workspace.h"
#include "storagetest.h"
#include "util/ids.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

using namespace assay::core;
using namespace assay::test;

class TestWorkspace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void createAndReopen();
    void createRefusesExistingFile();
    void specialCharactersInPath();
    void checkCountsEveryTable();
    void checkNeverWrites();
    void badInput_data();
    void badInput();
};

namespace {
/// Everything a failed open must leave untouched: the bytes, the mtime (ns), and the folder's file names.
struct Snapshot {
    bool exists = false;
    QByteArray bytes;
    std::int64_t mtimeNs = 0;
    mode_t mode = 0;
    QStringList folder;
    bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const std::string& path)
{
    Snapshot s;
    struct stat st { };
    if (::stat(path.c_str(), &st) == 0) {
        s.exists = true;
        s.mtimeNs = std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        s.mode = st.st_mode;
        if (S_ISREG(st.st_mode)) {
            std::ifstream in(path, std::ios::binary);
            std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            s.bytes = QByteArray(all.data(), qsizetype(all.size()));
        }
    }
    const QDir dir = QFileInfo(QString::fromStdString(path)).absoluteDir();
    s.folder = dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::Name);
    return s;
}

/// A valid workspace with enough rows that its tables span several pages; the connection is closed on return.
void makeWorkspaceWithData(const std::string& path, int rows = 300)
{
    auto db = Workspace::create(path);
    QVERIFY(db.ok());
    DatasetRepository repo(*db);
    auto ds = repo.create("data");
    std::vector<DatasetRow> list(static_cast<std::size_t>(rows));
    for (std::size_t i = 0; i < list.size(); ++i)
        list[i].inputs = nlohmann::json { { "text", std::string(100, char('a' + i % 26)) } };
    QVERIFY(repo.addRows(ds->id, list).ok());
}

void writeFile(const std::string& path, const QByteArray& bytes)
{
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

QByteArray randomBytes(std::size_t n, unsigned seed)
{
    std::mt19937 gen(seed);
    QByteArray out(qsizetype(n), '\0');
    for (auto& c : out)
        c = char(gen() & 0xFF);
    return out;
}

void setUserVersion(const std::string& path, int version)
{
    auto db = Db::open(path, Db::Mode::ReadWrite);
    QVERIFY(db.ok());
    QVERIFY(db->exec("PRAGMA user_version = " + std::to_string(version)).ok());
}

/// Overwrites the root page of @p table with garbage (the file must have no WAL pending).
void clobberRootPage(const std::string& path, const char* table)
{
    std::int64_t page = 0;
    std::int64_t pageSize = 0;
    {
        auto db = Db::open("file:" + path + "?mode=ro&immutable=1", Db::Mode::ReadOnly);
        QVERIFY(db.ok());
        pageSize = *db->queryInt("PRAGMA page_size");
        auto st = db->prepare("SELECT rootpage FROM sqlite_schema WHERE name = ?1");
        st->bind(1, table);
        QVERIFY(*st->step());
        page = st->int64(0);
    }
    QVERIFY(page > 1);
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek((page - 1) * pageSize));
    const QByteArray garbage = randomBytes(std::size_t(pageSize), 42);
    QCOMPARE(f.write(garbage), garbage.size());
}
} // namespace

void TestWorkspace::createAndReopen()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("a.assay")).toStdString();
    auto db = Workspace::create(path);
    QVERIFY2(db.ok(), db.ok() ? "" : db.error().describe().c_str());
    QCOMPARE(*db->queryInt("PRAGMA user_version"), static_cast<std::int64_t>(schema::latestVersion()));
    QCOMPARE(*db->queryText("PRAGMA journal_mode"), std::string("wal"));
    QCOMPARE(*db->queryInt("PRAGMA foreign_keys"), std::int64_t(1));
    const std::string id = Workspace::workspaceId(*db);
    QVERIFY(isUuid(id));
    db = Db();
    auto again = Workspace::open(path);
    ASSAY_VERIFY_OK(again);
    QCOMPARE(Workspace::workspaceId(*again), id);
    auto second = Workspace::open(path); // a second connection while the first is live (its WAL exists)
    ASSAY_VERIFY_OK(second);
    QCOMPARE(Workspace::workspaceId(*second), id);
}

void TestWorkspace::createRefusesExistingFile()
{
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "x.assay");
    writeFile(path, QByteArrayLiteral("keep me"));
    const Snapshot before = snapshot(path);
    auto db = Workspace::create(path);
    ASSAY_VERIFY_ERROR(db, ErrorCode::Conflict);
    QVERIFY(db.error().message.find(path) != std::string::npos);
    QVERIFY(snapshot(path) == before);
    ASSAY_VERIFY_ERROR(Workspace::create(tempPath(dir, "no/such/folder/x.assay")), ErrorCode::NotFound);
}

void TestWorkspace::specialCharactersInPath()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("sp ace#1?%20")));
    const std::string path = tempPath(dir, "sp ace#1?%20/w?x#y%25 é.assay");
    makeWorkspaceWithData(path, 3);
    auto db = Workspace::open(path);
    ASSAY_VERIFY_OK(db);
    QCOMPARE(count(*db, "SELECT COUNT(*) FROM dataset_row"), std::int64_t(3));
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY(report->healthy());
    QCOMPARE(report->counts.at("dataset_row"), std::int64_t(3));
}

void TestWorkspace::checkCountsEveryTable()
{
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "c.assay");
    makeWorkspaceWithData(path, 5);
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY(report->healthy());
    QCOMPARE(report->schemaVersion, schema::latestVersion());
    // Every user table of the schema is counted (bookkeeping: meta, FTS shadow tables, sqlite_*).
    auto db = Db::open(path, Db::Mode::ReadOnly);
    auto st = db->prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                          " AND name <> 'meta' AND name NOT LIKE 'prompt_fts%'"
                          " AND name NOT LIKE 'prompt_signature%'");
    int tables = 0;
    while (*st->step()) {
        ++tables;
        QVERIFY2(report->counts.count(st->text(0)) == 1, st->text(0).c_str());
    }
    QCOMPARE(report->counts.size(), std::size_t(tables));
    QCOMPARE(report->counts.at("dataset"), std::int64_t(1));
    QCOMPARE(report->counts.at("dataset_row"), std::int64_t(5));
    QCOMPARE(report->counts.at("audit_event"), std::int64_t(2));
}

void TestWorkspace::checkNeverWrites()
{
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "w.assay");
    makeWorkspaceWithData(path, 5);
    const Snapshot before = snapshot(path);
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY(snapshot(path) == before);
}

void TestWorkspace::badInput_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("checkCode"); ///< Workspace::check: an error code, or Ok = a report (healthy or not)
    QTest::addColumn<bool>("checkHealthy");
    auto row = [](const char* kind, ErrorCode code, ErrorCode checkCode, bool healthy = false) {
        QTest::newRow(kind) << QString::fromUtf8(kind) << int(code) << int(checkCode) << healthy;
    };
    row("does not exist", ErrorCode::NotFound, ErrorCode::NotFound);
    row("a folder", ErrorCode::NotAWorkspace, ErrorCode::NotAWorkspace);
    row("text file", ErrorCode::NotAWorkspace, ErrorCode::NotAWorkspace);
    row("empty file", ErrorCode::NotAWorkspace, ErrorCode::NotAWorkspace);
    row("random bytes", ErrorCode::NotAWorkspace, ErrorCode::NotAWorkspace);
    row("another app's SQLite", ErrorCode::NotAWorkspace, ErrorCode::NotAWorkspace);
    row("newer schema", ErrorCode::NewerSchema, ErrorCode::NewerSchema);
    row("read-only file", ErrorCode::ReadOnly, ErrorCode::Ok, true);
    row("read-only folder", ErrorCode::ReadOnly, ErrorCode::Ok, true);
    row("unreadable file", ErrorCode::Io, ErrorCode::Io);
    row("corrupt page", ErrorCode::Corrupt, ErrorCode::Ok, false);
    row("truncated", ErrorCode::Corrupt, ErrorCode::Corrupt);
}

void TestWorkspace::badInput()
{
    QFETCH(QString, kind);
    QFETCH(int, code);
    QFETCH(int, checkCode);
    QFETCH(bool, checkHealthy);
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("sub")));
    const std::string folder = tempPath(dir, "sub");
    std::string path = folder + "/ws.assay";

    if (kind == QStringLiteral("does not exist")) {
        path = folder + "/missing.assay";
    } else if (kind == QStringLiteral("a folder")) {
        QVERIFY(QDir().mkdir(QString::fromStdString(path)));
    } else if (kind == QStringLiteral("text file")) {
        writeFile(path, QByteArrayLiteral("name,question\nuk,Who was the first PM?\n"));
    } else if (kind == QStringLiteral("empty file")) {
        writeFile(path, QByteArray());
    } else if (kind == QStringLiteral("random bytes")) {
        writeFile(path, randomBytes(8192, 7));
    } else if (kind == QStringLiteral("another app's SQLite")) {
        auto other = Db::open(path, Db::Mode::Create);
        QVERIFY(other
                    ->exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) "
                           "VALUES ('hello'); PRAGMA application_id = 1234;")
                    .ok());
    } else if (kind == QStringLiteral("newer schema")) {
        makeWorkspaceWithData(path, 3);
        setUserVersion(path, schema::latestVersion() + 1);
    } else if (kind == QStringLiteral("read-only file")) {
        makeWorkspaceWithData(path, 3);
        QCOMPARE(::chmod(path.c_str(), 0444), 0);
    } else if (kind == QStringLiteral("read-only folder")) {
        makeWorkspaceWithData(path, 3);
        QCOMPARE(::chmod(folder.c_str(), 0555), 0);
    } else if (kind == QStringLiteral("unreadable file")) {
        makeWorkspaceWithData(path, 3);
        QCOMPARE(::chmod(path.c_str(), 0200), 0);
    } else if (kind == QStringLiteral("corrupt page")) {
        makeWorkspaceWithData(path);
        clobberRootPage(path, "dataset_row");
    } else if (kind == QStringLiteral("truncated")) {
        makeWorkspaceWithData(path);
        std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    }
    // Tests run as root in CI, where access() grants everything: the permission cases must hold anyway.
    if (::geteuid() == 0)
        qInfo("running as root: read-only cases rely on the mode bits, not access()");

    const Snapshot before = snapshot(path);
    auto db = Workspace::open(path);
    QVERIFY2(!db.ok(), "a bad workspace was opened");
    QVERIFY2(int(db.error().code) == code, db.error().describe().c_str());
    QVERIFY2(db.error().message.find(path) != std::string::npos, db.error().message.c_str());
    qInfo("%s: %s", errorCodeName(db.error().code), db.error().message.c_str());

    auto report = Workspace::check(path);
    if (checkCode == int(ErrorCode::Ok)) {
        QVERIFY2(report.ok(), report.ok() ? "" : report.error().describe().c_str());
        QCOMPARE(report->healthy(), checkHealthy);
    } else {
        QVERIFY(!report.ok());
        QVERIFY2(int(report.error().code) == checkCode, report.error().describe().c_str());
        QVERIFY2(report.error().message.find(path) != std::string::npos, report.error().message.c_str());
    }

    const Snapshot after = snapshot(path);
    QCOMPARE(after.exists, before.exists);
    QVERIFY2(after.bytes == before.bytes, "the file's bytes changed");
    QCOMPARE(after.mtimeNs, before.mtimeNs);
    QCOMPARE(after.mode, before.mode);
    QCOMPARE(after.folder, before.folder); // no -wal, -shm or -journal appeared
    for (const char* suffix : { "-wal", "-shm", "-journal" })
        QVERIFY2(!std::filesystem::exists(path + suffix), suffix);

    ::chmod(folder.c_str(), 0755);
    ::chmod(path.c_str(), 0644);
    // The library stays usable: a good workspace beside it still opens.
    const std::string good = tempPath(dir, "good.assay");
    makeWorkspaceWithData(good, 1);
    ASSAY_VERIFY_OK(Workspace::open(good));
}

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
