// SPDX-License-Identifier: MIT
// Catalog import/export against real workspace files: round trips per format, positioned errors for bad input
// with nothing written, conflicts, and tampered bundles.
#include "interchange/catalogexport.h"
#include "interchange/catalogimport.h"
#include "interchange/csvtable.h"
#include "interchange/textinput.h"
#include "samples/samples.h"
#include "storage/datasetrepository.h"
#include "storage/promptrepository.h"
#include "storagetest.h"

#include <QFile>

#include <algorithm>
#include <map>
#include <set>

using namespace assay::core;
using namespace assay::test;

namespace {

/// name -> (number, content hash) of every version, and labels as label=number.
struct PromptState {
    std::string id;
    std::vector<std::pair<int, std::string>> versions;
    std::map<std::string, int> labels;
    bool operator==(const PromptState&) const = default;
};

std::map<std::string, PromptState> catalogState(Db& db)
{
    PromptRepository repo(db);
    std::map<std::string, PromptState> out;
    auto list = repo.list();
    if (!list)
        qFatal("%s", list.error().describe().c_str());
    for (const auto& s : *list) {
        PromptState st;
        st.id = s.prompt.id;
        auto versions = repo.versions(s.prompt.id);
        if (!versions)
            qFatal("%s", versions.error().describe().c_str());
        for (const auto& v : *versions)
            st.versions.emplace_back(v.number, v.contentHash);
        for (const auto& l : s.labels)
            st.labels[l.label] = l.versionNumber;
        out[s.prompt.name] = st;
    }
    return out;
}

std::pair<std::int64_t, std::int64_t> promptRows(Db& db)
{
    return { count(db, "SELECT COUNT(*) FROM prompt"), count(db, "SELECT COUNT(*) FROM prompt_version") };
}

PromptContent templ(const std::string& user, const std::string& system = {})
{
    PromptContent c;
    if (!system.empty())
        c.messages.push_back({ "system", system });
    c.messages.push_back({ "user", user });
    return c;
}

/// The samples plus some history: uk-pm-qa gets versions 2 and 3, prod stays on 1, dev moves to 3.
Db seededWorkspace(const QTemporaryDir& dir, const char* name)
{
    Db db = newWorkspace(dir, name);
    if (!seedSamples(db))
        qFatal("cannot seed");
    PromptRepository repo(db, "test");
    auto p = repo.getByName("uk-pm-qa");
    (void)repo.saveVersion(p->id, templ("Who was UK prime minister in {{year}}?", "Answer with the name only."), "bob");
    (void)repo.saveVersion(p->id, templ("UK PM in {{year}}?", "Name only.\nNo other words, \"please\"."), "eve");
    (void)repo.setLabel(p->id, "dev", 3);
    return db;
}

void writeText(const std::string& path, const std::string& text)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", path.c_str());
    f.write(text.data(), static_cast<qint64>(text.size()));
}

std::string readText(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().toStdString();
}

/// 1-based line and column of the first occurrence of @p needle.
std::string lineColumnOf(const std::string& text, const std::string& needle)
{
    const auto at = text.find(needle);
    const auto p = positionAt(text, at);
    return std::to_string(p.line) + ":" + std::to_string(p.column);
}

const char* const kOkVersion = R"({"number":1,"content":{"messages":[{"role":"user","content":"Hi {{name}}"}]}})";

} // namespace

class TestCatalogIo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripWithHistory_data();
    void roundTripWithHistory();
    void roundTripCsvAndPromptfoo();
    void reimportSkipsAndAppendsNewerHistory();
    void conflictsAreReportedAndNothingWritten();
    void badInputNamesFileLineField_data();
    void badInputNamesFileLineField();
    void errorLineInExportedJson();
    void csvQuoting();
    void promptfooFiles();
    void bundleTamperedOrIncomplete();
};

void TestCatalogIo::roundTripWithHistory_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("format");
    QTest::newRow("json") << QStringLiteral("catalog.json") << int(CatalogFormat::Json);
    QTest::newRow("jsonl") << QStringLiteral("catalog.jsonl") << int(CatalogFormat::Jsonl);
    QTest::newRow("bundle") << QStringLiteral("ws.bundle") << int(CatalogFormat::Bundle);
}

void TestCatalogIo::roundTripWithHistory()
{
    QFETCH(QString, file);
    QFETCH(int, format);
    QTemporaryDir dir;
    Db source = seededWorkspace(dir, "source.assay");
    const std::string path = tempPath(dir, file.toUtf8().constData());
    QCOMPARE(int(catalogFormatFromPath(path).value()), format);

    auto exported = CatalogExporter(source).exportTo(path, CatalogFormat(format));
    ASSAY_VERIFY_OK(exported);
    QCOMPARE(exported->prompts, std::int64_t(7));
    QCOMPARE(exported->versions, std::int64_t(9));
    QVERIFY(exported->leftOut.empty());

    Db target = newWorkspace(dir, "target.assay");
    auto report = CatalogImporter(target, "test").importFrom(path, CatalogFormat(format));
    ASSAY_VERIFY_OK(report);
    QCOMPARE(report->prompts, std::int64_t(7));
    QCOMPARE(report->versions, std::int64_t(9));
    QCOMPARE(report->skipped, std::int64_t(0));
    QCOMPARE(report->labels, exported->labels);

    const auto before = catalogState(source);
    const auto after = catalogState(target);
    QCOMPARE(after.size(), before.size());
    for (const auto& [name, state] : before) {
        QVERIFY2(after.count(name), name.c_str());
        QVERIFY2(after.at(name) == state, name.c_str());
    }
    QCOMPARE(after.at("uk-pm-qa").labels, (std::map<std::string, int> { { "dev", 3 }, { "prod", 1 } }));
    // Version ids, authors and times travel too; the import is audited.
    PromptRepository a(source);
    PromptRepository b(target);
    auto va = a.versions(before.at("uk-pm-qa").id);
    auto vb = b.versions(before.at("uk-pm-qa").id);
    ASSAY_VERIFY_OK(va);
    ASSAY_VERIFY_OK(vb);
    QCOMPARE(vb->size(), va->size());
    for (std::size_t i = 0; i < va->size(); ++i) {
        QCOMPARE((*vb)[i].id, (*va)[i].id);
        QCOMPARE((*vb)[i].author, (*va)[i].author);
        QCOMPARE((*vb)[i].createdAt, (*va)[i].createdAt);
    }
    QCOMPARE(b.search("prime minister").value().size(), a.search("prime minister").value().size());
    QVERIFY(count(target, "SELECT COUNT(*) FROM audit_event WHERE action = 'prompt.import'") == 7);

    if (CatalogFormat(format) == CatalogFormat::Bundle) {
        QCOMPARE(report->datasets, exported->datasets);
        QVERIFY(report->datasets >= 3);
        QCOMPARE(report->rows, exported->rows);
        auto ds = *DatasetRepository(target).list();
        auto dsSource = *DatasetRepository(source).list();
        QCOMPARE(ds.size(), dsSource.size());
        for (std::size_t i = 0; i < ds.size(); ++i) {
            QCOMPARE(ds[i].name, dsSource[i].name);
            QCOMPARE(ds[i].rowCount, dsSource[i].rowCount);
            auto ra = *DatasetRepository(source).rows(dsSource[i].id);
            auto rb = *DatasetRepository(target).rows(ds[i].id);
            for (std::size_t k = 0; k < ra.size(); ++k) {
                QCOMPARE(rb[k].id, ra[k].id);
                QCOMPARE(rb[k].inputs, ra[k].inputs);
                QCOMPARE(rb[k].expected, ra[k].expected);
            }
        }
    }
}

void TestCatalogIo::roundTripCsvAndPromptfoo()
{
    QTemporaryDir dir;
    Db source = seededWorkspace(dir, "source.assay");
    PromptRepository repo(source, "test");
    ASSAY_VERIFY_OK(repo.createPrompt(Prompt { {}, "plain-1", "misc", "", { "a", "b c" } },
        templ("Line one, \"quoted\"\nline two\r\nline three"), "t"));
    ASSAY_VERIFY_OK(
        repo.createPrompt(Prompt { {}, "plain-2", {}, {}, {} }, templ("Translate {{text}} to French\n"), "t"));
    const auto before = catalogState(source);

    for (auto format : { CatalogFormat::Csv, CatalogFormat::Promptfoo }) {
        const std::string path = tempPath(dir, format == CatalogFormat::Csv ? "out.csv" : "out.txt");
        auto exported = CatalogExporter(source).exportTo(path, format);
        ASSAY_VERIFY_OK(exported);
        QVERIFY(!exported->leftOut.empty()); // the chain at least
        const std::string ws = std::string("t-") + catalogFormatName(format) + ".assay";
        Db target = newWorkspace(dir, ws.c_str());
        auto report = CatalogImporter(target).importFrom(path, format);
        ASSAY_VERIFY_OK(report);
        QCOMPARE(report->prompts, exported->prompts);
        // Every latest version that was written comes back with the same content hash.
        std::set<std::string> sourceHashes;
        for (const auto& [name, st] : before)
            sourceHashes.insert(st.versions.back().second);
        for (const auto& [name, st] : catalogState(target)) {
            QCOMPARE(st.versions.size(), std::size_t(1));
            QVERIFY2(sourceHashes.count(st.versions.front().second), name.c_str());
            if (format == CatalogFormat::Csv)
                QCOMPARE(st.versions.front().second, before.at(name).versions.back().second);
        }
        if (format == CatalogFormat::Csv) {
            // The sample templates with parameters or few-shot examples and the chain are left out, each named.
            QVERIFY(report->prompts >= 3);
            QCOMPARE(report->prompts + std::int64_t(exported->leftOut.size()), std::int64_t(before.size()));
            QVERIFY(std::any_of(exported->leftOut.begin(), exported->leftOut.end(), [](const LeftOut& l) {
                return l.name == "pm-birthplace-distance" && l.reason == "a chain has no CSV form";
            }));
            QCOMPARE(PromptRepository(target).getByName("plain-1")->tags, (std::vector<std::string> { "a", "b c" }));
            QCOMPARE(PromptRepository(target).getByName("plain-1")->folder, std::string("misc"));
        } else {
            QCOMPARE(report->prompts, std::int64_t(1)); // plain-2 (plain-1 holds a CR)
        }
        // Importing the same file again skips everything.
        auto again = CatalogImporter(target).importFrom(path, format);
        ASSAY_VERIFY_OK(again);
        QCOMPARE(again->prompts, std::int64_t(0));
        QCOMPARE(again->skipped, report->prompts);
    }
}

void TestCatalogIo::reimportSkipsAndAppendsNewerHistory()
{
    QTemporaryDir dir;
    Db source = seededWorkspace(dir, "source.assay");
    const std::string path = tempPath(dir, "c.json");
    ASSAY_VERIFY_OK(CatalogExporter(source).exportTo(path, CatalogFormat::Json));

    // Into the workspace it came from: all identical.
    const auto rows = promptRows(source);
    auto same = CatalogImporter(source).importFrom(path, CatalogFormat::Json);
    ASSAY_VERIFY_OK(same);
    QCOMPARE(same->skipped, std::int64_t(7));
    QCOMPARE(same->prompts + same->versions + same->labels, std::int64_t(0));
    QVERIFY(promptRows(source) == rows);

    // A copy gets newer history later.
    Db copy = newWorkspace(dir, "copy.assay");
    ASSAY_VERIFY_OK(CatalogImporter(copy).importFrom(path, CatalogFormat::Json));
    PromptRepository repo(source);
    const auto id = repo.getByName("children-story")->id;
    ASSAY_VERIFY_OK(repo.saveVersion(id, templ("Tell a story about {{topic}} for a child of {{age}}."), "bob"));
    ASSAY_VERIFY_OK(repo.setLabel(id, "prod", 2));
    ASSAY_VERIFY_OK(CatalogExporter(source).exportTo(path, CatalogFormat::Json, true));
    auto newer = CatalogImporter(copy).importFrom(path, CatalogFormat::Json);
    ASSAY_VERIFY_OK(newer);
    QCOMPARE(newer->prompts, std::int64_t(0));
    QCOMPARE(newer->versions, std::int64_t(1));
    QCOMPARE(newer->skipped, std::int64_t(6));
    QVERIFY(catalogState(copy) == catalogState(source));
}

void TestCatalogIo::conflictsAreReportedAndNothingWritten()
{
    QTemporaryDir dir;
    Db source = seededWorkspace(dir, "source.assay");
    const std::string path = tempPath(dir, "c.jsonl");
    ASSAY_VERIFY_OK(CatalogExporter(source).exportTo(path, CatalogFormat::Jsonl));

    // The target has: uk-pm-qa with the same id but a different version 2, and its own 'suez-what-if'.
    Db target = newWorkspace(dir, "target.assay");
    {
        const std::string text = readText(path);
        const auto at = text.find("\"name\":\"uk-pm-qa\"");
        QVERIFY(at != std::string::npos);
        const auto from = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
        const std::string uk = text.substr(from, text.find('\n', at) + 1 - from);
        writeText(tempPath(dir, "uk.jsonl"), uk);
        ASSAY_VERIFY_OK(CatalogImporter(target).importFrom(tempPath(dir, "uk.jsonl"), CatalogFormat::Jsonl));
    }
    PromptRepository repo(target);
    ASSAY_VERIFY_OK(repo.createPrompt(Prompt { {}, "suez-what-if", {}, {}, {} }, templ("Mine: {{x}}"), "me"));
    // Make version 2 of uk-pm-qa differ: re-import a hand-edited history into a third workspace instead, since
    // versions are immutable here. Simplest: a file whose uk-pm-qa has a changed version 2.
    std::string text = readText(path);
    const auto pos = text.find("Who was UK prime minister");
    QVERIFY(pos != std::string::npos);
    text.replace(pos, 3, "Wha");
    // Its content_hash no longer matches: that alone is bad input, so drop the hashes of the changed line.
    const auto lineStart = text.rfind('\n', pos) == std::string::npos ? 0 : text.rfind('\n', pos) + 1;
    const auto lineEnd = text.find('\n', pos);
    std::string line = text.substr(lineStart, lineEnd - lineStart);
    for (auto at = line.find(",\"content_hash\":\""); at != std::string::npos; at = line.find(",\"content_hash\":\""))
        line.erase(at, std::string(",\"content_hash\":\"").size() + 64 + 1);
    text.replace(lineStart, lineEnd - lineStart, line);
    writeText(path, text);

    const auto before = promptRows(target);
    auto r = CatalogImporter(target).importFrom(path, CatalogFormat::Jsonl);
    ASSAY_VERIFY_ERROR(r, ErrorCode::Conflict);
    const std::string& m = r.error().message;
    QVERIFY2(m.find("2 conflicts") != std::string::npos, m.c_str());
    QVERIFY2(m.find("'uk-pm-qa'") != std::string::npos && m.find("version 2 differs") != std::string::npos, m.c_str());
    QVERIFY2(m.find("'suez-what-if'") != std::string::npos && m.find("another id") != std::string::npos, m.c_str());
    QVERIFY(promptRows(target) == before); // the five other prompts were not imported either

    // CSV: same name, other content.
    writeText(tempPath(dir, "p.csv"), "name,template\r\nfresh,Hello {{who}}\r\nsuez-what-if,Not mine\r\n");
    auto csv = CatalogImporter(target).importFrom(tempPath(dir, "p.csv"), CatalogFormat::Csv);
    ASSAY_VERIFY_ERROR(csv, ErrorCode::Conflict);
    QVERIFY2(csv.error().message.find("'suez-what-if' (" + tempPath(dir, "p.csv") + ":3)") != std::string::npos,
        csv.error().message.c_str());
    QVERIFY(promptRows(target) == before);
}

void TestCatalogIo::badInputNamesFileLineField_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected"); // after "<dir>/"
    QTest::addColumn<int>("maxBytes");
    auto row = [](const char* name, const char* file, const std::string& content, const std::string& expected,
                   int maxBytes = 0) {
        QTest::newRow(name) << QString::fromUtf8(file) << QByteArray::fromStdString(content)
                            << QString::fromStdString(expected) << maxBytes;
    };
    const std::string head = "{\n  \"format\": \"assay-catalog\",\n  \"version\": 1,\n  \"prompts\": [\n";
    const std::string ok = std::string("    {\"name\": \"a\", \"versions\": [") + kOkVersion + "]},\n";
    row("json syntax", "c.json", head + "    {\"name\": \"a\",, \"versions\": []}\n  ]\n}\n",
        "c.json:5:18: syntax error while parsing object key");
    row("json wrong type", "c.json",
        head + ok
            + "    {\"name\": \"b\", \"versions\": [{\"content\": {\"messages\": [{\"role\": \"user\", \"content\": "
              "\"x\"},\n"
              "        {\"role\": 5, \"content\": \"y\"}]}}]}\n  ]\n}\n",
        "c.json:7:10: prompts[1].versions[0].content.messages[1].role: must be a string");
    row("json unknown field", "c.json", head + ok + "    {\"name\": \"b\", \"colour\": \"red\"}\n  ]\n}\n",
        "c.json:6:19: prompts[1].colour: is not a known field");
    row("json missing versions", "c.json", head + "    {\"name\": \"b\"}\n  ]\n}\n",
        "c.json:5:5: prompts[0].versions: is missing");
    row("json duplicate name", "c.json", head + ok + ok.substr(0, ok.size() - 2) + "\n  ]\n}\n",
        "c.json:6:6: prompts[1].name: 'a' is also the name of prompts[0]");
    row("json wrong format", "c.json", "{\"format\": \"other\", \"version\": 1, \"prompts\": []}",
        "c.json:1:2: format: expected \"assay-catalog\", not \"other\"");
    row("json newer version", "c.json", "{\"format\": \"assay-catalog\",\n\"version\": 2, \"prompts\": []}",
        "c.json:2:1: version: 2 is newer than this Assay reads (version 1)");
    row("json hash mismatch", "c.json",
        head
            + "    {\"name\": \"a\", \"versions\": [{\"content\": {\"messages\": [{\"role\": \"user\", \"content\": "
              "\"x\"}]},\n"
              "      \"content_hash\": \"00\"}]}\n  ]\n}\n",
        "c.json:6:7: prompts[0].versions[0].content_hash: does not match the content");
    row("json label of no version", "c.json",
        head + "    {\"name\": \"a\", \"versions\": [" + kOkVersion + "], \"labels\": {\"prod\": 2}}\n  ]\n}\n",
        "prompts[0].labels.prod: version 2 is not among the prompt's versions");
    row("json bad template", "c.json",
        head
            + "    {\"name\": \"a\", \"versions\": [{\"content\": {\"messages\": [{\"role\": \"user\", \"content\": "
              "\"{{x\"}]}}]}\n  ]\n}\n",
        "c.json:5:33: prompts[0].versions[0].content: In the user message: Unclosed '{{'");
    const std::string line1 = std::string(R"({"name":"a","versions":[)") + kOkVersion + "]}";
    row("jsonl wrong type", "c.jsonl",
        line1 + "\n\n" + R"({"name":"b","versions":[{"content":{"messages":[{"role":["user"],"content":"x"}]}}]})"
            + "\n",
        "c.jsonl:3: prompts[1].versions[0].content.messages[0].role: must be a string");
    row("jsonl syntax", "c.jsonl", line1 + "\n{\"name\": \"b\"\n", "c.jsonl:2:13: syntax error while parsing object");
    row("jsonl invalid utf-8", "c.jsonl", line1 + "\n{\"name\": \"b\xff\"}\n",
        "c.jsonl:2:12: invalid UTF-8 (byte 0xFF)");
    row("jsonl duplicate", "c.jsonl", line1 + "\n" + line1 + "\n",
        "c.jsonl:2: prompts[1].name: 'a' is also the name of the prompt on line 1");
    row("jsonl unknown field", "c.jsonl", line1 + "\n" + R"({"name":"b","versions":[],"x":1})" + "\n",
        "c.jsonl:2: prompts[1].x: is not a known field");
    row("too large", "c.jsonl", line1 + "\n",
        "c.jsonl: the file is " + std::to_string(line1.size() + 1) + " bytes, over the import limit of 64 bytes", 64);
    row("csv unterminated quote", "c.csv", "name,template\r\na,ok\r\nb,\"never\r\ncloses\r\n",
        "c.csv:3:3: a quoted field opens here and never closes");
    row("csv field count", "c.csv", "name,template,tags\na,\"x\ny\",t\nb,z\n",
        "c.csv:4: expected 3 fields as in the header, found 2");
    row("csv unknown column", "c.csv", "name,template,colour\na,x,red\n", "c.csv:1: colour: is not a known column");
    row("csv empty template", "c.csv", "name,template\na,x\nb,\n", "c.csv:3: template: must not be empty");
    row("csv duplicate", "c.csv", "name,template\na,x\n\"a\",\"y\"\n",
        "c.csv:3: name: 'a' is also the name of the row on line 2");
    row("csv quote in field", "c.csv", "name,template\na,say \"hi\"\n", "c.csv:2:7: a quote inside an unquoted field");
    row("csv invalid utf-8", "c.csv", "name,template\na,\xC3\x28\n", "c.csv:2:3: invalid UTF-8 (byte 0xC3)");
    row("promptfoo chat role", "chat.json",
        "[\n  {\"role\": \"system\", \"content\": \"s\"},\n  {\"role\": \"bot\", \"content\": \"u\"}\n]",
        "chat.json:3:4: [1].role: expected system, user or assistant, not 'bot'");
    row("promptfoo empty", "p.txt", "\n---\n  \n", "p.txt:1: the file holds no prompt");
}

void TestCatalogIo::badInputNamesFileLineField()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    QFETCH(int, maxBytes);
    QTemporaryDir dir;
    Db db = seededWorkspace(dir, "ws.assay");
    const std::string path = tempPath(dir, file.toUtf8().constData());
    writeText(path, content.toStdString());
    auto format = catalogFormatFromPath(path);
    ASSAY_VERIFY_OK(format);
    if (file == QStringLiteral("chat.json"))
        format = CatalogFormat::Promptfoo;
    ImportOptions options;
    if (maxBytes > 0)
        options.maxBytes = static_cast<std::uint64_t>(maxBytes);
    const auto before = promptRows(db);
    const auto audit = count(db, "SELECT COUNT(*) FROM audit_event");
    auto r = CatalogImporter(db).importFrom(path, *format, options);
    ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    const std::string want = expected.toStdString();
    const std::string& got = r.error().message;
    const bool located = want.rfind(file.toStdString(), 0) == 0;
    QVERIFY2(located ? got.rfind(dir.path().toStdString() + "/" + want, 0) == 0 : got.find(want) != std::string::npos,
        (got + "\n   expected: " + want).c_str());
    QVERIFY(promptRows(db) == before);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), audit);
}

void TestCatalogIo::errorLineInExportedJson()
{
    // A hand edit deep inside a real export is reported at the edited line and column.
    QTemporaryDir dir;
    Db source = seededWorkspace(dir, "source.assay");
    const std::string path = tempPath(dir, "c.json");
    ASSAY_VERIFY_OK(CatalogExporter(source).exportTo(path, CatalogFormat::Json));
    std::string text = readText(path);
    const std::string needle = "\"role\": \"assistant\"";
    QVERIFY(text.find(needle) != std::string::npos);
    text.replace(text.find(needle), needle.size(), "\"role\": \"robot\"    ");
    writeText(path, text);
    Db target = newWorkspace(dir, "t.assay");
    auto r = CatalogImporter(target).importFrom(path, CatalogFormat::Json);
    ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    const std::string where = path + ":" + lineColumnOf(text, "\"role\": \"robot\"") + ": prompts[";
    QVERIFY2(r.error().message.rfind(where, 0) == 0, (r.error().message + "\n   expected: " + where).c_str());
    QVERIFY2(r.error().message.find(".role: must be system, user or assistant (got 'robot')") != std::string::npos,
        r.error().message.c_str());
    QVERIFY(promptRows(target) == std::make_pair(std::int64_t(0), std::int64_t(0)));
}

void TestCatalogIo::csvQuoting()
{
    const std::string text = "\xEF\xBB\xBFname,template,system\r\n"
                             "\"a, b\",\"say \"\"hi\"\"\nthen, bye\",\r\n"
                             "\r\n"
                             "c,plain,\"multi\r\nline\"\n"
                             "d,\"\",x";
    auto rows = parseCsv(text, "t.csv");
    ASSAY_VERIFY_OK(rows);
    QCOMPARE(rows->size(), std::size_t(4));
    QCOMPARE(rows->at(1).fields, (std::vector<std::string> { "a, b", "say \"hi\"\nthen, bye", "" }));
    QCOMPARE(rows->at(1).line, std::size_t(2));
    QCOMPARE(rows->at(2).fields, (std::vector<std::string> { "c", "plain", "multi\r\nline" }));
    QCOMPARE(rows->at(2).line, std::size_t(5));
    QCOMPARE(rows->at(3).line, std::size_t(7));
    for (const std::string s : { "", "plain", "a,b", "q\"q", "x\ny", " lead", "cr\r\nlf" }) {
        auto back = parseCsv(csvRecord({ s, "z" }), "r.csv");
        ASSAY_VERIFY_OK(back);
        QCOMPARE(back->front().fields.front(), s);
    }
}

void TestCatalogIo::promptfooFiles()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    const std::string text = tempPath(dir, "greet.txt");
    writeText(text, "Hello {{name}}!\n---\nBonjour {{name}},\n\nça va ?\r\n---   \n\n");
    auto r = CatalogImporter(db).importFrom(text, CatalogFormat::Promptfoo);
    ASSAY_VERIFY_OK(r);
    QCOMPARE(r->prompts, std::int64_t(2));
    PromptRepository repo(db);
    QCOMPARE(repo.resolve("greet-1")->content.messages.front().content, std::string("Hello {{name}}!"));
    QCOMPARE(repo.resolve("greet-2")->content.messages.front().content, std::string("Bonjour {{name}},\n\nça va ?"));

    const std::string chat = tempPath(dir, "support.json");
    writeText(chat, R"([{"role":"system","content":"Be kind."},{"role":"user","content":"{{question}}"}])");
    auto c = CatalogImporter(db).importFrom(chat, CatalogFormat::Promptfoo);
    ASSAY_VERIFY_OK(c);
    auto v = repo.resolve("support");
    ASSAY_VERIFY_OK(v);
    QCOMPARE(v->content.messages.size(), std::size_t(2));
    QCOMPARE(v->author, std::string("import"));
}

void TestCatalogIo::bundleTamperedOrIncomplete()
{
    QTemporaryDir dir;
    Db source = seededWorkspace(dir, "source.assay");
    const std::string bundle = tempPath(dir, "ws.bundle");
    ASSAY_VERIFY_OK(CatalogExporter(source).exportTo(bundle, CatalogFormat::Bundle));
    const std::string manifest = readText(bundle + "/manifest.sha256");
    QVERIFY(manifest.find("  catalog.json\n") != std::string::npos);
    QVERIFY(manifest.find("  datasets.jsonl\n") != std::string::npos);

    Db target = newWorkspace(dir, "t.assay");
    auto rejects = [&](const std::string& expected) {
        auto r = CatalogImporter(target).importFrom(bundle, CatalogFormat::Bundle);
        QVERIFY2(!r.ok(), "a damaged bundle was imported");
        QVERIFY2(r.error().message.find(expected) != std::string::npos, r.error().message.c_str());
        QCOMPARE(count(target, "SELECT COUNT(*) FROM prompt"), std::int64_t(0));
        QCOMPARE(count(target, "SELECT COUNT(*) FROM dataset"), std::int64_t(0));
        QCOMPARE(count(target, "SELECT COUNT(*) FROM dataset_row"), std::int64_t(0));
    };
    // One changed byte in datasets.jsonl.
    const std::string datasets = readText(bundle + "/datasets.jsonl");
    std::string tampered = datasets;
    tampered[tampered.find("\"expected\"") + 13] ^= 1;
    writeText(bundle + "/datasets.jsonl", tampered);
    rejects(bundle + "/datasets.jsonl: its SHA-256 does not match manifest.sha256");
    writeText(bundle + "/datasets.jsonl", datasets);

    QVERIFY(QFile::remove(QString::fromStdString(bundle + "/catalog.json")));
    rejects(bundle + "/catalog.json: missing from the bundle");
    ASSAY_VERIFY_OK(CatalogExporter(source).exportTo(bundle, CatalogFormat::Bundle, true));

    writeText(bundle + "/manifest.sha256", manifest + std::string(64, '0') + "  extra.txt\n");
    rejects("manifest.sha256:3: 'extra.txt' is not a file of a workspace bundle");
    QVERIFY(QFile::remove(QString::fromStdString(bundle + "/manifest.sha256")));
    rejects(bundle + "/manifest.sha256: missing from the bundle");

    // Intact again: it imports, and a second import skips everything.
    writeText(bundle + "/manifest.sha256", manifest);
    auto ok = CatalogImporter(target).importFrom(bundle, CatalogFormat::Bundle);
    ASSAY_VERIFY_OK(ok);
    auto again = CatalogImporter(target).importFrom(bundle, CatalogFormat::Bundle);
    ASSAY_VERIFY_OK(again);
    QCOMPARE(again->skipped, std::int64_t(7));
    QCOMPARE(again->skippedDatasets, ok->datasets);
}

QTEST_GUILESS_MAIN(TestCatalogIo)
#include "tst_catalogio.moc"
