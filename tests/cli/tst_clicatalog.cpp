// SPDX-License-Identifier: MIT
// `assay-cli catalog …` through the real binary: list, search, show, render, label, import and export.
#include "clitest.h"

#include "interchange/workspacebundle.h"
#include "storage/auditlog.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"

using namespace assay::core;
using namespace assay::clitest;

class TestCliCatalog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void catalogListAndSearch();
    void catalogShow();
    void catalogRender();
    void catalogLabel();
    void catalogImportExport();
    void catalogImportBadInput();
    void catalogImportDeepBundle();
    void catalogImportControlCharacters();
    void catalogListAndShowEscapeControls();

private:
    QTemporaryDir m_dir;
};

void TestCliCatalog::catalogListAndSearch()
{
    const QString ws = seededWorkspace(m_dir, "catalog-list.assay");
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

void TestCliCatalog::catalogShow()
{
    const QString ws = seededWorkspace(m_dir, "catalog-show.assay");
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

void TestCliCatalog::catalogRender()
{
    const QString ws = seededWorkspace(m_dir, "catalog-render.assay");
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

void TestCliCatalog::catalogLabel()
{
    const QString ws = seededWorkspace(m_dir, "catalog-label.assay");
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

void TestCliCatalog::catalogImportExport()
{
    const QString ws = seededWorkspace(m_dir, "catalog-export.assay");
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

void TestCliCatalog::catalogImportBadInput()
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

void TestCliCatalog::catalogImportDeepBundle()
{
    // The crafted bundle of the review: a dataset row nested 100,000 arrays deep used to kill assay-cli (SIGSEGV in
    // nlohmann's recursive dump while storing the row).
    const QString ws = m_dir.filePath(QStringLiteral("catalog-deep.assay"));
    CHECK_EXIT(QStringList {}, runCli({ QStringLiteral("workspace"), QStringLiteral("init"), ws }), kOk);
    const QString bundle = m_dir.filePath(QStringLiteral("deep.bundle"));
    BundleFiles files;
    files.catalog = R"({"format":"assay-catalog","version":1,"prompts":[{"name":"p","versions":[{"content":)"
                    R"({"messages":[{"role":"user","content":"{{x}}"}]}}]}]})";
    const std::string prefix = R"({"name":"deep","rows":[{"inputs":{"x":)";
    files.datasets = prefix + std::string(100000, '[') + std::string(100000, ']') + "}}]}\n";
    QVERIFY(writeBundle(bundle.toStdString(), files, false).ok());
    const QStringList args { QStringLiteral("catalog"), QStringLiteral("import"), bundle, QStringLiteral("--workspace"),
        ws };
    const auto r = runCli(args);
    CHECK_EXIT(args, r, kProblem); // not -2 (a crash)
    const QString where = bundle + QStringLiteral("/datasets.jsonl:1:") + QString::number(prefix.size() + 61)
        + QStringLiteral(": datasets[0].rows[0].inputs.x[0]");
    QVERIFY2(r.err.contains(where), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("nests deeper than 64 levels of arrays and objects")), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    auto db = Workspace::open(ws.toStdString());
    QVERIFY(db.ok());
    QCOMPARE(db->queryInt("SELECT COUNT(*) FROM prompt").value(), std::int64_t(0));
    QCOMPARE(db->queryInt("SELECT COUNT(*) FROM dataset").value(), std::int64_t(0));
}

void TestCliCatalog::catalogImportControlCharacters()
{
    const QString ws = m_dir.filePath(QStringLiteral("catalog-control.assay"));
    CHECK_EXIT(QStringList {}, runCli({ QStringLiteral("workspace"), QStringLiteral("init"), ws }), kOk);
    const QString file = m_dir.filePath(QStringLiteral("control.csv"));
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("name,template\r\n\"title\x1b]0;owned\x07\",Hi {{x}}\r\n");
    f.close();
    const QStringList args { QStringLiteral("catalog"), QStringLiteral("import"), file, QStringLiteral("--workspace"),
        ws };
    const auto r = runCli(args);
    CHECK_EXIT(args, r, kProblem);
    QVERIFY2(
        r.err.contains(file + QStringLiteral(":2: name: holds the control character U+001B (ESC)")), qPrintable(r.err));
    QVERIFY2(!r.err.contains(QChar(0x1b)) && !r.err.contains(QChar(0x07)), qPrintable(r.err));
    auto db = Workspace::open(ws.toStdString());
    QVERIFY(db.ok());
    QCOMPARE(db->queryInt("SELECT COUNT(*) FROM prompt").value(), std::int64_t(0));
}

void TestCliCatalog::catalogListAndShowEscapeControls()
{
    // A workspace written before names were checked (or by hand) may hold control characters: list and show print
    // them as visible escapes, never raw to the terminal; --json escapes them as JSON does.
    const QString ws = seededWorkspace(m_dir, "catalog-escapes.assay");
    {
        auto db = Workspace::open(ws.toStdString());
        QVERIFY(db.ok());
        QVERIFY(db->exec("UPDATE prompt SET name = 'evil' || char(27) || '[31m' || char(7), folder = 'f' || char(155)"
                         " || '2J', description = 'a' || char(13) || 'b' WHERE name = 'uk-pm-qa'")
                    .ok());
    }
    const QString evil = QStringLiteral("evil\x1b[31m\x07");
    const QStringList list { QStringLiteral("catalog"), QStringLiteral("list"), QStringLiteral("--workspace"), ws };
    const auto l = runCli(list);
    CHECK_EXIT(list, l, kOk);
    QVERIFY2(l.out.contains(QStringLiteral("\nevil\\x1b[31m\\x07 ")), qPrintable(l.out));
    QVERIFY2(l.out.contains(QStringLiteral(" f\\u009b2J ")), qPrintable(l.out));
    const QStringList show { QStringLiteral("catalog"), QStringLiteral("show"), evil, QStringLiteral("--workspace"),
        ws };
    const auto s = runCli(show);
    CHECK_EXIT(show, s, kOk);
    QVERIFY2(s.out.contains(QStringLiteral("prompt       evil\\x1b[31m\\x07\n")), qPrintable(s.out));
    QVERIFY2(s.out.contains(QStringLiteral("description  a\\rb\n")), qPrintable(s.out));
    for (const auto& out : { l.out, s.out }) {
        for (QChar c : out)
            QVERIFY2(c == QLatin1Char('\n')
                    || (c.unicode() >= 0x20 && c.unicode() != 0x7f && (c.unicode() < 0x80 || c.unicode() > 0x9f)),
                qPrintable(
                    QStringLiteral("a raw control character U+%1 in:\n").arg(uint(c.unicode()), 4, 16, QLatin1Char('0'))
                    + out));
    }
    const QStringList json { QStringLiteral("catalog"), QStringLiteral("show"), evil, QStringLiteral("--workspace"), ws,
        QStringLiteral("--json") };
    const auto j = runCli(json);
    CHECK_EXIT(json, j, kOk);
    QVERIFY2(j.out.contains(QStringLiteral("\"name\": \"evil\\u001b[31m\\u0007\"")), qPrintable(j.out));
    QCOMPARE(QJsonDocument::fromJson(j.out.toUtf8()).object().value(QStringLiteral("name")).toString(), evil);
}

QTEST_GUILESS_MAIN(TestCliCatalog)
#include "tst_clicatalog.moc"
