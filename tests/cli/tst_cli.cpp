// SPDX-License-Identifier: MIT
// Drives the real assay-cli executable: every --help, --version, workspace init/check, and the documented exit codes.
#include "storage/auditlog.h"
#include "storage/promptrepository.h"
#include "storage/schema.h"
#include "storage/workspace.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace assay::core;

namespace {

struct CliResult {
    int code = -1;
    QString out;
    QString err;
};

// Exit codes as documented in cli/exitcodes.h and README.md (spelled out here so a renumbering fails the test).
constexpr int kOk = 0;
constexpr int kProblem = 1;
constexpr int kUsage = 2;
constexpr int kCannotOpen = 3;
constexpr int kNewerSchema = 4;
constexpr int kNotAWorkspace = 5;

CliResult runCli(const QStringList& args, const QString& workDir = {})
{
    QProcess p;
    p.setProgram(QStringLiteral(ASSAY_CLI_PATH));
    p.setArguments(args);
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start();
    CliResult r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(60000)) {
        r.err = QStringLiteral("assay-cli did not run: ") + p.errorString();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QByteArray describe(const QStringList& args, const CliResult& r)
{
    return (QStringLiteral("assay-cli ") + args.join(QLatin1Char(' ')) + QStringLiteral(" -> exit ")
        + QString::number(r.code) + QStringLiteral("\nstdout: ") + r.out + QStringLiteral("\nstderr: ") + r.err)
        .toUtf8();
}

#define CHECK_EXIT(args, result, expected) QVERIFY2((result).code == (expected), describe((args), (result)).constData())

/// The names listed under "Commands:" in a help text.
QStringList commandsIn(const QString& help)
{
    QStringList names;
    bool inCommands = false;
    for (const QString& line : help.split(QLatin1Char('\n'))) {
        if (line == QStringLiteral("Commands:")) {
            inCommands = true;
        } else if (inCommands) {
            if (!line.startsWith(QStringLiteral("  ")))
                break;
            names << line.trimmed().section(QLatin1Char(' '), 0, 0);
        }
    }
    return names;
}

QByteArray sha256Of(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

void overwriteMiddle(const QString& path)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    const qint64 size = f.size();
    QVERIFY(size > 3 * 4096);
    QVERIFY(f.seek(size / 2));
    QCOMPARE(f.write(QByteArray(4096, static_cast<char>(0xA5))), qint64(4096));
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void version();
    void helpForEveryCommand();
    void initThenCheckFresh();
    void checkJson();
    void initRefusesExistingOrMissingFolder();
    void checkCorrupted();
    void checkBrokenAuditChain();
    void checkBadFiles_data();
    void checkBadFiles();
    void usageErrors_data();
    void usageErrors();
    void catalogListAndSearch();
    void catalogShow();
    void catalogRender();
    void catalogLabel();
    void catalogImportExport();
    void catalogImportBadInput();

private:
    QString seededWorkspace(const char* name);
    QTemporaryDir m_dir;
};

void TestCli::version()
{
    const QStringList args { QStringLiteral("--version") };
    const auto r = runCli(args);
    CHECK_EXIT(args, r, kOk);
    QVERIFY2(r.out.startsWith(QStringLiteral("assay-cli " ASSAY_VERSION "\n")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("workspace schema %1\n").arg(schema::latestVersion())));
    const QString server = QStringLiteral(ASSAY_LLAMA_PREFIX "/bin/llama-server");
    if (QFileInfo(server).isExecutable()) {
        // The runner this build was configured with: its version (with llama.cpp's commit) and its path.
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("llama.cpp runner [^\\n]*[0-9a-f]{7,}[^\\n]* at "))),
            qPrintable(r.out));
        QVERIFY2(r.out.contains(server), qPrintable(r.out));
    } else {
        QVERIFY2(r.out.contains(QStringLiteral("llama.cpp runner not found")), qPrintable(r.out));
        QVERIFY(r.err.contains(QStringLiteral("bootstrap.sh")));
    }
    QCOMPARE(runCli({ QStringLiteral("-V") }).out, r.out);
}

void TestCli::helpForEveryCommand()
{
    // Walk the tree from the top-level help, so a newly registered command is covered without editing this test.
    QList<QStringList> pending { {} };
    int visited = 0;
    while (!pending.isEmpty()) {
        const QStringList path = pending.takeFirst();
        for (const QString& flag : { QStringLiteral("--help"), QStringLiteral("-h") }) {
            const QStringList args = path + QStringList { flag };
            const auto r = runCli(args);
            CHECK_EXIT(args, r, kOk);
            QVERIFY2(r.err.isEmpty(), describe(args, r).constData());
            const QString usage
                = QStringList(QStringList { QStringLiteral("Usage: assay-cli") } + path).join(QLatin1Char(' '));
            QVERIFY2(r.out.startsWith(usage), describe(args, r).constData());
            if (flag == QStringLiteral("--help")) {
                for (const QString& name : commandsIn(r.out))
                    pending.append(path + QStringList { name });
            }
        }
        ++visited;
    }
    QVERIFY2(visited >= 4, "expected at least: root, workspace, workspace init, workspace check");

    const auto root = runCli({ QStringLiteral("--help") });
    for (int code : { kOk, kProblem, kUsage, kCannotOpen, kNewerSchema, kNotAWorkspace })
        QVERIFY2(root.out.contains(QStringLiteral("\n  %1  ").arg(code)), qPrintable(root.out));
    const auto check = runCli({ QStringLiteral("workspace"), QStringLiteral("check"), QStringLiteral("--help") });
    QVERIFY(check.out.contains(QStringLiteral("--json")));
    QVERIFY(check.out.contains(QStringLiteral("Exit codes:")));
}

void TestCli::initThenCheckFresh()
{
    const QString file = m_dir.filePath(QStringLiteral("fresh.assay"));
    const QStringList init { QStringLiteral("workspace"), QStringLiteral("init"), file };
    const auto created = runCli(init);
    CHECK_EXIT(init, created, kOk);
    QVERIFY(QFileInfo::exists(file));
    QVERIFY(created.out.contains(QStringLiteral("created    ") + file));
    QVERIFY(created.out.contains(QStringLiteral("schema     %1").arg(schema::latestVersion())));
    QVERIFY2(created.err.isEmpty(), qPrintable(created.err));

    const QByteArray before = sha256Of(file);
    const QStringList check { QStringLiteral("workspace"), QStringLiteral("check"), file };
    const auto r = runCli(check);
    CHECK_EXIT(check, r, kOk);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    QVERIFY(r.out.contains(QStringLiteral("integrity  ok\n")));
    QVERIFY(r.out.contains(QStringLiteral("audit      ok\n")));
    QVERIFY(r.out.contains(QStringLiteral("status     ok\n")));
    for (const char* table : { "prompt", "prompt_version", "dataset", "dataset_row", "model", "endpoint", "run",
             "run_cell", "metric_score", "judge_verdict", "reviewer", "review_task", "rating", "audit_event" })
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("\n  %1 +0\n").arg(QLatin1String(table)))),
            qPrintable(r.out));
    // A check changes nothing on disk: same bytes, no -wal/-shm files left beside the workspace.
    QCOMPARE(sha256Of(file), before);
    QVERIFY(!QFileInfo::exists(file + QStringLiteral("-wal")));
    QVERIFY(!QFileInfo::exists(file + QStringLiteral("-shm")));

    // --samples: sample content once core::seedSamples exists; until then an empty workspace and a note on stderr.
    const QString seeded = m_dir.filePath(QStringLiteral("seeded.assay"));
    const QStringList initSamples { QStringLiteral("workspace"), QStringLiteral("init"), seeded,
        QStringLiteral("--samples") };
    const auto s = runCli(initSamples);
    CHECK_EXIT(initSamples, s, kOk);
    const QStringList checkSeeded { QStringLiteral("workspace"), QStringLiteral("check"), seeded };
    const auto c = runCli(checkSeeded);
    CHECK_EXIT(checkSeeded, c, kOk);
#ifdef ASSAY_HAVE_SAMPLE_SEEDER
    QVERIFY(s.out.contains(QStringLiteral("samples    yes\n")));
    for (const char* table :
        { "prompt", "prompt_version", "prompt_label", "dataset", "dataset_row", "model", "audit_event" })
        QVERIFY2(c.out.contains(QRegularExpression(QStringLiteral("\n  %1 +[1-9]").arg(QLatin1String(table)))),
            qPrintable(c.out));
#else
    QVERIFY(s.out.contains(QStringLiteral("samples    no\n")));
    QVERIFY2(s.err.contains(QStringLiteral("seedSamples is not implemented")), qPrintable(s.err));
#endif
}

void TestCli::checkJson()
{
    const QString file = m_dir.filePath(QStringLiteral("json.assay"));
    QVERIFY(Workspace::create(file.toStdString()).ok());
    const QStringList args { QStringLiteral("workspace"), QStringLiteral("check"), QStringLiteral("--json"), file };
    const auto r = runCli(args);
    CHECK_EXIT(args, r, kOk);
    QJsonParseError error;
    const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(j.value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(j.value(QStringLiteral("schemaVersion")).toInt(), schema::latestVersion());
    QCOMPARE(j.value(QStringLiteral("integrity")).toString(), QStringLiteral("ok"));
    QCOMPARE(j.value(QStringLiteral("counts")).toObject().size(), 16); // every table of the schema but meta
    QCOMPARE(j.value(QStringLiteral("counts")).toObject().value(QStringLiteral("prompt")).toInt(-1), 0);

    const QStringList missing { QStringLiteral("workspace"), QStringLiteral("check"), QStringLiteral("--json"),
        m_dir.filePath(QStringLiteral("nope.assay")) };
    const auto m = runCli(missing);
    CHECK_EXIT(missing, m, kCannotOpen);
    const QJsonObject e = QJsonDocument::fromJson(m.out.toUtf8()).object();
    QCOMPARE(e.value(QStringLiteral("ok")).toBool(true), false);
    QCOMPARE(e.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("not-found"));
}

void TestCli::initRefusesExistingOrMissingFolder()
{
    const QString file = m_dir.filePath(QStringLiteral("twice.assay"));
    const QStringList init { QStringLiteral("workspace"), QStringLiteral("init"), file };
    CHECK_EXIT(init, runCli(init), kOk);
    const QByteArray before = sha256Of(file);
    const auto again = runCli(init);
    CHECK_EXIT(init, again, kProblem);
    QVERIFY2(again.err.contains(QStringLiteral("already exists")), qPrintable(again.err));
    QCOMPARE(sha256Of(file), before);

    const QStringList noFolder { QStringLiteral("workspace"), QStringLiteral("init"),
        m_dir.filePath(QStringLiteral("no/such/folder/x.assay")) };
    const auto r = runCli(noFolder);
    CHECK_EXIT(noFolder, r, kCannotOpen);
    QVERIFY2(r.err.contains(QStringLiteral("does not exist")), qPrintable(r.err));
}

void TestCli::checkCorrupted()
{
    const QString file = m_dir.filePath(QStringLiteral("corrupt.assay"));
    const QStringList init { QStringLiteral("workspace"), QStringLiteral("init"), file };
    CHECK_EXIT(init, runCli(init), kOk);
    overwriteMiddle(file);
    const QByteArray damaged = sha256Of(file);

    const QStringList check { QStringLiteral("workspace"), QStringLiteral("check"), file };
    const auto r = runCli(check);
    CHECK_EXIT(check, r, kProblem);
    QVERIFY2(r.err.contains(QStringLiteral("damaged")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("integrity_check")), qPrintable(r.err));
    QVERIFY2(r.err.contains(file), qPrintable(r.err));
    QVERIFY(r.out.contains(QStringLiteral("status     PROBLEM\n")));
    QCOMPARE(sha256Of(file), damaged);

    const QStringList json { QStringLiteral("workspace"), QStringLiteral("check"), file, QStringLiteral("--json") };
    const auto j = runCli(json);
    CHECK_EXIT(json, j, kProblem);
    const QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8()).object();
    QCOMPARE(o.value(QStringLiteral("ok")).toBool(true), false);
    QVERIFY(!o.value(QStringLiteral("problems")).toArray().isEmpty());
}

void TestCli::checkBrokenAuditChain()
{
    const QString file = m_dir.filePath(QStringLiteral("audit.assay"));
    {
        auto db = Workspace::create(file.toStdString());
        QVERIFY(db.ok());
        AuditLog log(*db);
        QVERIFY(log.append("tester", "prompt.create", "prompt", "p1").ok());
        QVERIFY(log.append("tester", "prompt.label.move", "prompt", "p1", R"({"label":"prod"})").ok());
    }
    const QStringList check { QStringLiteral("workspace"), QStringLiteral("check"), file };
    const auto good = runCli(check);
    CHECK_EXIT(check, good, kOk);
    QVERIFY(good.out.contains(QRegularExpression(QStringLiteral("\n  audit_event +2\n"))));
    {
        // Rewrite history behind the log's back (past the append-only trigger): the chain no longer matches.
        auto db = Db::open(file.toStdString(), Db::Mode::ReadWrite);
        QVERIFY(db.ok());
        QVERIFY(db->exec("DROP TRIGGER audit_event_no_update;"
                         "UPDATE audit_event SET actor = 'mallory' WHERE action = 'prompt.create'")
                    .ok());
    }
    const auto r = runCli(check);
    CHECK_EXIT(check, r, kProblem);
    QVERIFY2(r.err.contains(QStringLiteral("audit chain")), qPrintable(r.err));
}

void TestCli::checkBadFiles_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("expectedCode");
    QTest::addColumn<QString>("expectedMessage");
    QTest::newRow("missing") << QStringLiteral("missing.assay") << kCannotOpen << QStringLiteral("does not exist");
    QTest::newRow("text file") << QStringLiteral("notes.txt") << kNotAWorkspace
                               << QStringLiteral("not an Assay workspace");
    QTest::newRow("empty file") << QStringLiteral("empty.assay") << kNotAWorkspace << QStringLiteral("empty file");
    QTest::newRow("other sqlite") << QStringLiteral("other.db") << kNotAWorkspace
                                  << QStringLiteral("not an Assay workspace");
    QTest::newRow("folder") << QStringLiteral("afolder") << kNotAWorkspace << QStringLiteral("folder");
    QTest::newRow("newer schema") << QStringLiteral("future.assay") << kNewerSchema << QStringLiteral("newer Assay");
}

void TestCli::checkBadFiles()
{
    QFETCH(QString, name);
    QFETCH(int, expectedCode);
    QFETCH(QString, expectedMessage);
    const QString path = m_dir.filePath(name);
    if (name == QStringLiteral("notes.txt")) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("These are notes, not a workspace.\n");
    } else if (name == QStringLiteral("empty.assay")) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
    } else if (name == QStringLiteral("other.db")) {
        auto db = Db::open(path.toStdString(), Db::Mode::Create);
        QVERIFY(db.ok());
        QVERIFY(db->exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)").ok());
    } else if (name == QStringLiteral("afolder")) {
        QVERIFY(QDir(m_dir.path()).mkpath(name));
    } else if (name == QStringLiteral("future.assay")) {
        auto db = Workspace::create(path.toStdString());
        QVERIFY(db.ok());
        QVERIFY(db->exec("PRAGMA user_version = " + std::to_string(schema::latestVersion() + 7)).ok());
    }
    const QByteArray before = sha256Of(path);
    const QStringList args { QStringLiteral("workspace"), QStringLiteral("check"), path };
    const auto r = runCli(args);
    CHECK_EXIT(args, r, expectedCode);
    QVERIFY2(r.err.contains(expectedMessage), qPrintable(r.err));
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QCOMPARE(sha256Of(path), before);
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expectedMessage");
    const auto s = [](const char* text) { return QString::fromLatin1(text); };
    QTest::newRow("no arguments") << QStringList {} << s("Usage: assay-cli");
    QTest::newRow("unknown command") << QStringList { s("frobnicate") } << s("unknown command 'frobnicate'");
    QTest::newRow("unknown global option") << QStringList { s("--frob") } << s("unknown option '--frob'");
    QTest::newRow("group without command") << QStringList { s("workspace") } << s("Usage: assay-cli workspace");
    QTest::newRow("unknown subcommand") << QStringList { s("workspace"), s("delete") } << s("unknown command 'delete'");
    QTest::newRow("missing file") << QStringList { s("workspace"), s("check") } << s("missing argument FILE");
    QTest::newRow("extra argument") << QStringList { s("workspace"), s("init"), s("a.assay"), s("b.assay") }
                                    << s("unexpected argument 'b.assay'");
    QTest::newRow("unknown option") << QStringList { s("workspace"), s("check"), s("--jsn"), s("a.assay") }
                                    << s("unknown option '--jsn'");
    QTest::newRow("option of another command")
        << QStringList { s("workspace"), s("init"), s("--json"), s("x") } << s("unknown option '--json'");
    QTest::newRow("version with argument") << QStringList { s("--version"), s("now") } << s("unexpected argument");
    QTest::newRow("help with argument") << QStringList { s("--help"), s("me") } << s("unexpected argument 'me'");
    QTest::newRow("catalog without command") << QStringList { s("catalog") } << s("Usage: assay-cli catalog");
    QTest::newRow("catalog unknown command")
        << QStringList { s("catalog"), s("delete") } << s("unknown command 'delete'");
    QTest::newRow("catalog without workspace")
        << QStringList { s("catalog"), s("list") } << s("missing option --workspace FILE");
    QTest::newRow("catalog workspace without file")
        << QStringList { s("catalog"), s("list"), s("--workspace") } << s("option --workspace needs a value");
    QTest::newRow("catalog show without name")
        << QStringList { s("catalog"), s("show"), s("--workspace=a.assay") } << s("missing argument NAME");
    QTest::newRow("catalog unknown option") << QStringList { s("catalog"), s("list"), s("--workspace"), s("a.assay"),
        s("--verbose") } << s("unknown option '--verbose'");
    QTest::newRow("catalog label extra argument")
        << QStringList { s("catalog"), s("--workspace"), s("a.assay"), s("label"), s("p"), s("1"), s("prod"), s("x") }
        << s("unexpected argument 'x'");
    QTest::newRow("catalog label bad version") << QStringList { s("catalog"), s("label"), s("p"), s("one"), s("prod"),
        s("--workspace"), s("a.assay") } << s("VERSION must be a version number");
    QTest::newRow("catalog label bad label") << QStringList { s("catalog"), s("label"), s("p"), s("1"), s("Prod!"),
        s("--workspace"), s("a.assay") } << s("'Prod!' is not a valid label");
    QTest::newRow("catalog render bad var")
        << QStringList { s("catalog"), s("render"), s("p"), s("--var"), s("novalue"), s("--workspace"), s("a.assay") }
        << s("--var takes NAME=VALUE");
    QTest::newRow("catalog search bad limit") << QStringList { s("catalog"), s("search"), s("x"), s("--limit"), s("-1"),
        s("--workspace"), s("a.assay") } << s("--limit must be a whole number");
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expectedMessage);
    const auto r = runCli(args, m_dir.path());
    CHECK_EXIT(args, r, kUsage);
    QVERIFY2(r.err.contains(expectedMessage), describe(args, r).constData());
    QVERIFY2(r.out.isEmpty(), describe(args, r).constData());
    // Nothing was created by a rejected command line.
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("a.assay"))));
}

QString TestCli::seededWorkspace(const char* name)
{
    const QString file = m_dir.filePath(QString::fromLatin1(name));
    const QStringList init { QStringLiteral("workspace"), QStringLiteral("init"), file, QStringLiteral("--samples") };
    const auto r = runCli(init);
    if (r.code != kOk)
        qFatal("%s", describe(init, r).constData());
    return file;
}

void TestCli::catalogListAndSearch()
{
    const QString ws = seededWorkspace("catalog-list.assay");
    const QStringList list { QStringLiteral("catalog"), QStringLiteral("--workspace"), ws, QStringLiteral("list") };
    const auto r = runCli(list);
    CHECK_EXIT(list, r, kOk);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    QVERIFY2(r.out.startsWith(QStringLiteral("NAME ")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("\nuk-pm-qa +v1 +dev=1 prod=1 +evaluation/labeled "))),
        qPrintable(r.out));
    QCOMPARE(r.out.count(QLatin1Char('\n')), 8); // header + 7 prompts

    const QStringList json { QStringLiteral("catalog"), QStringLiteral("list"), QStringLiteral("--workspace"), ws,
        QStringLiteral("--json"), QStringLiteral("--tag"), QStringLiteral("facts") };
    const auto j = runCli(json);
    CHECK_EXIT(json, j, kOk);
    const QJsonArray a = QJsonDocument::fromJson(j.out.toUtf8()).array();
    QCOMPARE(a.size(), 2); // uk-pm-qa and the chain
    QStringList names;
    for (const auto& v : a)
        names << v.toObject().value(QStringLiteral("name")).toString();
    names.sort();
    QCOMPARE(names, (QStringList { QStringLiteral("pm-birthplace-distance"), QStringLiteral("uk-pm-qa") }));

    const QStringList folder { QStringLiteral("catalog"), QStringLiteral("list"), QStringLiteral("--workspace=") + ws,
        QStringLiteral("--folder"), QStringLiteral("evaluation"), QStringLiteral("--label"), QStringLiteral("prod") };
    const auto f = runCli(folder);
    CHECK_EXIT(folder, f, kOk);
    QCOMPARE(f.out.count(QLatin1Char('\n')), 2);

    const QStringList search { QStringLiteral("catalog"), QStringLiteral("search"), QStringLiteral("prime minis"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--json") };
    const auto s = runCli(search);
    CHECK_EXIT(search, s, kOk);
    const QJsonArray hits = QJsonDocument::fromJson(s.out.toUtf8()).array();
    QCOMPARE(hits.size(), 2);
    QVERIFY(hits.at(0).toObject().value(QStringLiteral("score")).toDouble() > 0);

    // FTS syntax is searched for as words: never an error, never a crash.
    for (const char* q : { "\"unbalanced", "AND", "NEAR(a b)", "walp OR x", "*", "body:x", "')--" }) {
        const QStringList args { QStringLiteral("catalog"), QStringLiteral("search"), QStringLiteral("--workspace"), ws,
            QStringLiteral("--"), QString::fromLatin1(q) };
        const auto e = runCli(args);
        CHECK_EXIT(args, e, kOk);
    }
    const QStringList none { QStringLiteral("catalog"), QStringLiteral("search"), QStringLiteral("zzzqqq"),
        QStringLiteral("--workspace"), ws };
    const auto n = runCli(none);
    CHECK_EXIT(none, n, kOk);
    QVERIFY(n.out.isEmpty());
    QVERIFY2(n.err.contains(QStringLiteral("no prompt matches 'zzzqqq'")), qPrintable(n.err));

    const QStringList missing { QStringLiteral("catalog"), QStringLiteral("list"), QStringLiteral("--workspace"),
        m_dir.filePath(QStringLiteral("nope.assay")) };
    const auto m = runCli(missing);
    CHECK_EXIT(missing, m, kCannotOpen);
    QVERIFY2(m.err.contains(QStringLiteral("does not exist")), qPrintable(m.err));
}

void TestCli::catalogShow()
{
    const QString ws = seededWorkspace("catalog-show.assay");
    const QStringList show { QStringLiteral("catalog"), QStringLiteral("show"), QStringLiteral("uk-pm-qa@prod"),
        QStringLiteral("--workspace"), ws };
    const auto r = runCli(show);
    CHECK_EXIT(show, r, kOk);
    QVERIFY(r.out.startsWith(QStringLiteral("prompt       uk-pm-qa\n")));
    QVERIFY(r.out.contains(QStringLiteral("\nversion      1 of 1\n")));
    QVERIFY(r.out.contains(QStringLiteral("\nlabels       dev=1 prod=1\n")));
    QVERIFY(r.out.contains(QStringLiteral("\nvariables    question\n")));
    QVERIFY(r.out.contains(QStringLiteral("\n[user]\n{{question}}\n")));

    const QStringList json { QStringLiteral("catalog"), QStringLiteral("show"),
        QStringLiteral("pm-birthplace-distance"), QStringLiteral("--workspace"), ws, QStringLiteral("--json") };
    const auto j = runCli(json);
    CHECK_EXIT(json, j, kOk);
    const QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8()).object();
    QCOMPARE(o.value(QStringLiteral("kind")).toString(), QStringLiteral("chain"));
    const QJsonObject v = o.value(QStringLiteral("version")).toObject();
    QCOMPARE(v.value(QStringLiteral("number")).toInt(), 1);
    QCOMPARE(v.value(QStringLiteral("contentHash")).toString().size(), 64);
    QCOMPARE(v.value(QStringLiteral("content")).toObject().value(QStringLiteral("steps")).toArray().size(), 3);

    const struct {
        const char* ref;
        const char* message;
    } errors[] = { { "nope", "There is no prompt named 'nope'" }, { "uk-pm-qa@7", "'uk-pm-qa' has no version 7" },
        { "uk-pm-qa@staging", "'uk-pm-qa' has no label 'staging'" } };
    for (const auto& e : errors) {
        const QStringList args { QStringLiteral("catalog"), QStringLiteral("show"), QString::fromLatin1(e.ref),
            QStringLiteral("--workspace"), ws };
        const auto x = runCli(args);
        CHECK_EXIT(args, x, kProblem);
        QVERIFY2(x.err.contains(QString::fromLatin1(e.message)), qPrintable(x.err));
        QVERIFY(x.out.isEmpty());
    }
}

void TestCli::catalogRender()
{
    const QString ws = seededWorkspace("catalog-render.assay");
    const QStringList render { QStringLiteral("catalog"), QStringLiteral("render"), QStringLiteral("uk-pm-qa@prod"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--var"), QStringLiteral("question=Who was PM in 1721?") };
    const auto r = runCli(render);
    CHECK_EXIT(render, r, kOk);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    QVERIFY(r.out.startsWith(QStringLiteral("[system]\nYou are a precise assistant.")));
    QVERIFY(r.out.contains(QStringLiteral("[user]\nWho was PM in 1721?\n")));

    // Defaults fill what is not given; --var=NAME=VALUE works too; later values win.
    const QStringList json { QStringLiteral("catalog"), QStringLiteral("render"), QStringLiteral("children-story"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--var=child=son"), QStringLiteral("--var"),
        QStringLiteral("age=4"), QStringLiteral("--var"), QStringLiteral("age=7"), QStringLiteral("--json") };
    const auto j = runCli(json);
    CHECK_EXIT(json, j, kOk);
    const QJsonArray messages
        = QJsonDocument::fromJson(j.out.toUtf8()).object().value(QStringLiteral("messages")).toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(1).toObject().value(QStringLiteral("content")).toString(),
        QStringLiteral("Create a short children's story for my 7-year-old son."));

    const QStringList missing { QStringLiteral("catalog"), QStringLiteral("render"),
        QStringLiteral("judge-helpfulness"), QStringLiteral("--workspace"), ws };
    const auto m = runCli(missing);
    CHECK_EXIT(missing, m, kUsage);
    QVERIFY2(m.err.contains(QStringLiteral("question, answer")), qPrintable(m.err));
    QVERIFY(m.out.isEmpty());

    const QStringList chain { QStringLiteral("catalog"), QStringLiteral("render"),
        QStringLiteral("pm-birthplace-distance"), QStringLiteral("--workspace"), ws, QStringLiteral("--var"),
        QStringLiteral("steps.pm.output=Rishi Sunak"), QStringLiteral("--var"),
        QStringLiteral("steps.birthplace.output=Southampton, England") };
    const auto c = runCli(chain);
    CHECK_EXIT(chain, c, kOk);
    QVERIFY(c.out.contains(QStringLiteral("## step birthplace\n\n[user]\nWhere was Rishi Sunak born?")));
    QVERIFY(c.out.contains(QStringLiteral("How far is Southampton, England from London?")));
    const QStringList chainMissing { QStringLiteral("catalog"), QStringLiteral("render"),
        QStringLiteral("pm-birthplace-distance"), QStringLiteral("--workspace"), ws };
    const auto cm = runCli(chainMissing);
    CHECK_EXIT(chainMissing, cm, kUsage);
    QVERIFY2(cm.err.contains(QStringLiteral("steps.pm.output")), qPrintable(cm.err));
    QVERIFY2(cm.err.contains(QStringLiteral("steps.birthplace.output")), qPrintable(cm.err));
}

void TestCli::catalogLabel()
{
    const QString ws = seededWorkspace("catalog-label.assay");
    {
        auto db = Workspace::open(ws.toStdString());
        QVERIFY(db.ok());
        PromptRepository repo(*db, "tester");
        auto pm = repo.getByName("uk-pm-qa");
        QVERIFY(pm.ok());
        PromptContent c = repo.latestVersion(pm->id)->content;
        c.messages.back().content = "Question: {{question}}";
        QVERIFY(repo.saveVersion(pm->id, c, "tester", "prefix").ok());
    }
    const QStringList move { QStringLiteral("catalog"), QStringLiteral("label"), QStringLiteral("uk-pm-qa"),
        QStringLiteral("2"), QStringLiteral("prod"), QStringLiteral("--workspace"), ws };
    const auto r = runCli(move);
    CHECK_EXIT(move, r, kOk);
    QCOMPARE(r.out, QStringLiteral("prod -> uk-pm-qa@2 (was 1)\n"));

    const QStringList json { QStringLiteral("catalog"), QStringLiteral("--workspace"), ws, QStringLiteral("label"),
        QStringLiteral("uk-pm-qa"), QStringLiteral("1"), QStringLiteral("staging"), QStringLiteral("--json") };
    const auto j = runCli(json);
    CHECK_EXIT(json, j, kOk);
    const QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8()).object();
    QCOMPARE(o.value(QStringLiteral("version")).toInt(), 1);
    QVERIFY(o.value(QStringLiteral("previous")).isNull());

    const QStringList show { QStringLiteral("catalog"), QStringLiteral("show"), QStringLiteral("uk-pm-qa@prod"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--json") };
    const auto s = runCli(show);
    const QJsonObject so = QJsonDocument::fromJson(s.out.toUtf8()).object();
    QCOMPARE(so.value(QStringLiteral("version")).toObject().value(QStringLiteral("number")).toInt(), 2);
    QCOMPARE(so.value(QStringLiteral("labels")).toObject().value(QStringLiteral("staging")).toInt(), 1);

    const QStringList noVersion { QStringLiteral("catalog"), QStringLiteral("label"), QStringLiteral("uk-pm-qa"),
        QStringLiteral("9"), QStringLiteral("prod"), QStringLiteral("--workspace"), ws };
    const auto nv = runCli(noVersion);
    CHECK_EXIT(noVersion, nv, kProblem);
    QVERIFY2(nv.err.contains(QStringLiteral("'uk-pm-qa' has no version 9")), qPrintable(nv.err));

    // Each move is in the audit trail, and the trail still verifies.
    auto db = Workspace::open(ws.toStdString());
    QVERIFY(db.ok());
    AuditLog audit(*db);
    QVERIFY(audit.verify().ok());
    auto events = audit.list("prompt");
    QVERIFY(events.ok());
    int moves = 0;
    for (const auto& e : *events)
        if (e.action == "prompt.label.move" && e.actor == "assay-cli")
            ++moves;
    QCOMPARE(moves, 2);
    const QStringList check { QStringLiteral("workspace"), QStringLiteral("check"), ws };
    CHECK_EXIT(check, runCli(check), kOk);
}

void TestCli::catalogImportExport()
{
    const QString ws = seededWorkspace("catalog-export.assay");
    const QString bundle = m_dir.filePath(QStringLiteral("export.bundle"));
    const QStringList exportArgs { QStringLiteral("catalog"), QStringLiteral("export"), bundle,
        QStringLiteral("--workspace"), ws, QStringLiteral("--json") };
    const auto e = runCli(exportArgs);
    CHECK_EXIT(exportArgs, e, kOk);
    const QJsonObject eo = QJsonDocument::fromJson(e.out.toUtf8()).object();
    QCOMPARE(eo.value(QStringLiteral("format")).toString(), QStringLiteral("bundle"));
    QCOMPARE(eo.value(QStringLiteral("prompts")).toInt(), 7);
    QVERIFY(eo.value(QStringLiteral("datasets")).toInt() >= 3);
    QVERIFY(QFileInfo::exists(bundle + QStringLiteral("/manifest.sha256")));
    // A second export to the same place needs --force.
    CHECK_EXIT(exportArgs, runCli(exportArgs), kProblem);
    CHECK_EXIT(exportArgs, runCli(exportArgs + QStringList { QStringLiteral("--force") }), kOk);

    const QString fresh = m_dir.filePath(QStringLiteral("catalog-import.assay"));
    const QStringList init { QStringLiteral("workspace"), QStringLiteral("init"), fresh };
    CHECK_EXIT(init, runCli(init), kOk);
    const QStringList importArgs { QStringLiteral("catalog"), QStringLiteral("import"), bundle,
        QStringLiteral("--workspace"), fresh, QStringLiteral("--json") };
    const auto i = runCli(importArgs);
    CHECK_EXIT(importArgs, i, kOk);
    const QJsonObject io = QJsonDocument::fromJson(i.out.toUtf8()).object();
    QCOMPARE(io.value(QStringLiteral("prompts")).toInt(), 7);
    QCOMPARE(io.value(QStringLiteral("skipped")).toInt(), 0);
    QCOMPARE(io.value(QStringLiteral("datasets")).toInt(), eo.value(QStringLiteral("datasets")).toInt());
    QCOMPARE(io.value(QStringLiteral("rows")).toInt(), eo.value(QStringLiteral("rows")).toInt());
    const QStringList show { QStringLiteral("catalog"), QStringLiteral("show"), QStringLiteral("uk-pm-qa@prod"),
        QStringLiteral("--workspace"), fresh };
    CHECK_EXIT(show, runCli(show), kOk);

    // JSONL into the same workspace: everything is already there.
    const QString jsonl = m_dir.filePath(QStringLiteral("export.jsonl"));
    const QStringList toJsonl { QStringLiteral("catalog"), QStringLiteral("--workspace"), ws, QStringLiteral("export"),
        jsonl };
    const auto t = runCli(toJsonl);
    CHECK_EXIT(toJsonl, t, kOk);
    QVERIFY2(t.out.startsWith(QStringLiteral("exported 7 prompts")), qPrintable(t.out));
    const QStringList again { QStringLiteral("catalog"), QStringLiteral("import"), jsonl, QStringLiteral("--workspace"),
        fresh };
    const auto a = runCli(again);
    CHECK_EXIT(again, a, kOk);
    QVERIFY2(a.out.contains(QStringLiteral("imported 0 prompts")), qPrintable(a.out));
    QVERIFY2(a.out.contains(QStringLiteral("skipped 7 already present")), qPrintable(a.out));

    // CSV names what it cannot carry on stderr and still succeeds.
    const QStringList csv { QStringLiteral("catalog"), QStringLiteral("export"),
        m_dir.filePath(QStringLiteral("x.csv")), QStringLiteral("--workspace"), ws };
    const auto c = runCli(csv);
    CHECK_EXIT(csv, c, kOk);
    QVERIFY2(c.err.contains(QStringLiteral("left out 'pm-birthplace-distance': a chain has no CSV form")),
        qPrintable(c.err));

    // A tampered bundle is refused and nothing changes.
    QFile f(bundle + QStringLiteral("/catalog.json"));
    QVERIFY(f.open(QIODevice::Append));
    f.write(" ");
    f.close();
    const QString other = m_dir.filePath(QStringLiteral("catalog-import2.assay"));
    CHECK_EXIT(init, runCli({ QStringLiteral("workspace"), QStringLiteral("init"), other }), kOk);
    const QStringList tampered { QStringLiteral("catalog"), QStringLiteral("import"), bundle,
        QStringLiteral("--workspace"), other };
    const auto tr = runCli(tampered);
    CHECK_EXIT(tampered, tr, kProblem);
    QVERIFY2(tr.err.contains(QStringLiteral("catalog.json: its SHA-256 does not match manifest.sha256")),
        qPrintable(tr.err));
    auto db = Workspace::open(other.toStdString());
    QVERIFY(db.ok());
    QCOMPARE(db->queryInt("SELECT COUNT(*) FROM prompt").value(), std::int64_t(0));
}

void TestCli::catalogImportBadInput()
{
    const QString ws = m_dir.filePath(QStringLiteral("catalog-bad.assay"));
    const QStringList init { QStringLiteral("workspace"), QStringLiteral("init"), ws };
    CHECK_EXIT(init, runCli(init), kOk);
    const QString bad = m_dir.filePath(QStringLiteral("bad.jsonl"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name":"a","versions":[{"content":{"messages":[{"role":"user","content":"hi"}]}}]})"
            "\n");
    f.write(R"({"name":"b","versions":[{"content":{"messages":[{"role":7,"content":"x"}]}}]})"
            "\n");
    f.close();
    const QStringList args { QStringLiteral("catalog"), QStringLiteral("import"), bad, QStringLiteral("--workspace"),
        ws };
    const auto r = runCli(args);
    CHECK_EXIT(args, r, kProblem);
    QVERIFY2(
        r.err.contains(bad + QStringLiteral(":2: prompts[1].versions[0].content.messages[0].role: must be a string")),
        qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    auto db = Workspace::open(ws.toStdString());
    QVERIFY(db.ok());
    QCOMPARE(db->queryInt("SELECT COUNT(*) FROM prompt").value(), std::int64_t(0));

    const QStringList unknownFormat { QStringLiteral("catalog"), QStringLiteral("import"), bad,
        QStringLiteral("--format"), QStringLiteral("yaml"), QStringLiteral("--workspace"), ws };
    const auto u = runCli(unknownFormat);
    CHECK_EXIT(unknownFormat, u, kUsage);
    QVERIFY2(u.err.contains(QStringLiteral("unknown format 'yaml'")), qPrintable(u.err));
    const QStringList noExtension { QStringLiteral("catalog"), QStringLiteral("import"),
        m_dir.filePath(QStringLiteral("prompts")), QStringLiteral("--workspace"), ws };
    CHECK_EXIT(noExtension, runCli(noExtension), kUsage);
    const QStringList missing { QStringLiteral("catalog"), QStringLiteral("import"),
        m_dir.filePath(QStringLiteral("nope.json")), QStringLiteral("--workspace"), ws };
    const auto m = runCli(missing);
    CHECK_EXIT(missing, m, kCannotOpen);
    QVERIFY2(m.err.contains(QStringLiteral("does not exist")), qPrintable(m.err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
