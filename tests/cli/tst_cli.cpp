// SPDX-License-Identifier: MIT
// Drives the real assay-cli executable: every --help, --version, workspace init/check, and the documented exit codes.
#include "storage/auditlog.h"
#include "storage/promptrepository.h"
#include "storage/schema.h"
#include "storage/workspace.h"

#include "clitest.h"

using namespace assay::core;

using namespace assay::clitest;

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
    void plantedKeyScanner();
    void plantedKeyCatchesARealLeak();

private:
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
                                    << s("unexpected argument 'b.assay': it takes FILE only");
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
        s("--workspace"), s("a.assay") } << s("LABEL is not a valid label");
    QTest::newRow("catalog render bad var")
        << QStringList { s("catalog"), s("render"), s("p"), s("--var"), s("novalue"), s("--workspace"), s("a.assay") }
        << s("--var takes NAME=VALUE");
    // A key pasted in the wrong place is never repeated (runCli also fails the test when the planted key shows up).
    const QString key = plantedKey();
    QTest::newRow("key as command") << QStringList { key } << s("unknown command (word 1 after assay-cli, not shown");
    QTest::newRow("key as option") << QStringList { s("--") + key } << s("unknown option (word 1 after assay-cli");
    QTest::newRow("key after --help") << QStringList { s("--help"), key }
                                      << s("unexpected argument (word 1 after --help, not shown: it may be a key)");
    QTest::newRow("key after --version") << QStringList { s("--version"), key }
                                         << s("unexpected argument (word 1 after --version");
    QTest::newRow("key as subcommand") << QStringList { s("workspace"), key }
                                       << s("unknown command (word 1 after assay-cli workspace");
    QTest::newRow("key as extra argument") << QStringList { s("workspace"), s("init"), s("a.assay"), key }
                                           << s("unexpected argument (word 2 after 'init', not shown");
    QTest::newRow("key as unknown option value")
        << QStringList { s("workspace"), s("check"), s("--key=") + key, s("a.assay") } << s("unknown option '--key'");
    QTest::newRow("key as catalog extra argument") << QStringList { s("catalog"), s("show"), s("p"), key,
        s("--workspace"), s("a.assay") } << s("unexpected argument (word 2 after 'show'");
    QTest::newRow("key as endpoint kind") << QStringList { s("endpoints"), s("add"), s("x"), s("--workspace"),
        s("a.assay"), s("--base-url"), s("http://127.0.0.1:9/v1"), s("--model"), s("m"), s("--kind"), key }
                                          << s("--kind must be openai, anthropic, bedrock or local\n");
    QTest::newRow("key as --var") << QStringList { s("catalog"), s("render"), s("p"), s("--var"), s("=") + key,
        s("--workspace"), s("a.assay") }
                                  << s("--var takes NAME=VALUE\n");
    QTest::newRow("key as --limit") << QStringList { s("catalog"), s("search"), s("x"), s("--limit"), key,
        s("--workspace"), s("a.assay") }
                                    << s("--limit must be a whole number\n");
    QTest::newRow("key as VERSION") << QStringList { s("catalog"), s("label"), s("p"), key, s("prod"), s("--workspace"),
        s("a.assay") } << s("VERSION must be a version number\n");
    QTest::newRow("key as LABEL") << QStringList { s("catalog"), s("label"), s("p"), s("1"), key, s("--workspace"),
        s("a.assay") } << s("LABEL is not a valid label");
    QTest::newRow("key as --format") << QStringList { s("catalog"), s("import"), s("x.json"), s("--format"), key,
        s("--workspace"), s("a.assay") }
                                     << s("unknown format (use json");
    QTest::newRow("key as keys argument")
        << QStringList { s("keys"), s("set"), s("openai"), key } << s("The key is read from stdin");
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

void TestCli::plantedKeyScanner()
{
    // The negative self-check: the scanner behind every runCli() finds the key wherever a command could leave it.
    PlantedKey& planted = PlantedKey::instance();
    QVERIFY(planted.ready());
    const QByteArray key = plantedKey().toUtf8();
    QCOMPARE(planted.leaks({}, "x " + key + " y", {}), QStringList { QStringLiteral("stdout") });
    QCOMPARE(planted.leaks({}, {}, key.left(key.size() - 4) + "****"), QStringList { QStringLiteral("stderr") });
    QCOMPARE(planted.leaks({}, {}, "****" + key.right(12)), QStringList { QStringLiteral("stderr") });
    QVERIFY(planted.leaks({}, "clean", "clean").isEmpty());
    // Its secrets file holds it (that is where keys live) and is never reported.
    QFile secrets(planted.secretsFile());
    QVERIFY(secrets.open(QIODevice::ReadOnly));
    QVERIFY(secrets.readAll().contains(key));
    QVERIFY(planted.leaks({}, {}, {}).isEmpty());

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString ws = dir.filePath(QStringLiteral("ws.assay"));
    const auto write = [](const QString& path, const QByteArray& bytes) {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
    };
    QVERIFY(write(ws, "SQLite format 3"));
    const QStringList args { QStringLiteral("workspace"), QStringLiteral("check"), ws };
    QVERIFY(planted.leaks(args, {}, {}).isEmpty());
    // In the WAL next to a file named in the arguments.
    QVERIFY(write(ws + QStringLiteral("-wal"), "page " + key + " page"));
    QVERIFY2(planted.leaks(args, {}, {})
                 .contains(QStringLiteral("file ") + QFileInfo(ws + QStringLiteral("-wal")).canonicalFilePath()),
        qPrintable(planted.leaks(args, {}, {}).join(QLatin1Char(','))));
    QVERIFY(QFile::remove(ws + QStringLiteral("-wal")));
    // Anywhere in the temporary folder the arguments point into (a log, an export), and in an --option=FILE.
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("logs/deep")));
    const QString log = dir.filePath(QStringLiteral("logs/deep/assay.log"));
    QVERIFY(write(log, "2026 request Authorization: Bearer " + key + "\n"));
    QCOMPARE(planted.leaks(args, {}, {}).size(), 1);
    QCOMPARE(planted.leaks({ QStringLiteral("--out=") + log }, {}, {}).size(), 1);
    QCOMPARE(planted.leaks({ QStringLiteral("a.assay") }, {}, {}, dir.path()).size(), 1); // the working folder
    // Beyond the first read chunk of a big file.
    QVERIFY(write(log, QByteArray(5 << 20, 'x') + key));
    QCOMPARE(planted.leaks(args, {}, {}).size(), 1);
    QVERIFY(QFile::remove(log));
    QVERIFY(planted.leaks(args, {}, {}).isEmpty());
    // In the private HOME the child gets (a log or cache it might write).
    const QString home = planted.environment().value(QStringLiteral("HOME"));
    QVERIFY(write(home + QStringLiteral("/.cache/x"), key));
    QCOMPARE(planted.leaks({}, {}, {}).size(), 1);
    QVERIFY(QFile::remove(home + QStringLiteral("/.cache/x")));
    QVERIFY(planted.leaks({}, {}, {}).isEmpty());
}

void TestCli::plantedKeyCatchesARealLeak()
{
    PlantedKey& planted = PlantedKey::instance();
    // The child really runs with the planted key: its secrets file is the planted one, and the key variables hold it.
    const QStringList list { QStringLiteral("keys"), QStringLiteral("list") };
    const auto listed = runCli(list);
    CHECK_EXIT(list, listed, kOk);
    QVERIFY2(listed.out.contains(PlantedKey::fileSecretName()), describe(list, listed).constData());
    const QProcessEnvironment env = planted.environment();
    for (const QString& name : PlantedKey::variables())
        QCOMPARE(env.value(name), plantedKey());
    QVERIFY(env.value(QStringLiteral("HOME")) != QDir::homePath());

    // The positive self-check: a real assay-cli that does print the key is caught. It repeats a workspace path (a
    // path is not a secret), so a path made of the key leaks it on stderr.
    const QStringList leaky { QStringLiteral("workspace"), QStringLiteral("check"), m_dir.filePath(plantedKey()) };
    QProcess p;
    prepareCli(p, leaky);
    p.start();
    QVERIFY(p.waitForStarted(10000));
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(60000));
    const QByteArray out = p.readAllStandardOutput();
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(planted.leaks(leaky, out, err).contains(QStringLiteral("stderr")), err.constData());

    // And `keys set NAME <key>`, the mistake this guards against, leaks nowhere (runCli fails the test otherwise).
    const QStringList mistake { QStringLiteral("keys"), QStringLiteral("set"), QStringLiteral("openai"), plantedKey() };
    const auto r = runCli(mistake);
    CHECK_EXIT(mistake, r, kUsage);
    QVERIFY(!r.err.contains(plantedKey()));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
