// SPDX-License-Identifier: MIT
// Crafted files against the catalog importers (issue 10, §6): nesting without bound, NUL bytes, keys given twice,
// control characters in names, UTF-16 and UTF-32 files, numbers beyond a double, raw CRs in messages. Each is
// refused with FILE:LINE[:COLUMN]: FIELD: problem and nothing is written; nothing crashes.
#include "interchange/catalogimport.h"
#include "interchange/workspacebundle.h"
#include "storage/datasetrepository.h"
#include "storage/promptrepository.h"
#include "storage/sqlhelpers.h"
#include "storagetest.h"
#include "util/displaytext.h"
#include "util/jsonguard.h"

#include <QFile>

using namespace assay::core;
using namespace assay::test;
using namespace std::string_literals;

namespace {

void writeBytes(const std::string& path, const std::string& bytes)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", path.c_str());
    f.write(bytes.data(), static_cast<qint64>(bytes.size()));
}

std::string nested(std::size_t depth, const std::string& inner = "1")
{
    return std::string(depth, '[') + inner + std::string(depth, ']');
}

/// UTF-16 or UTF-32 of ASCII @p text, little- or big-endian.
std::string wide(const std::string& text, int width, bool littleEndian)
{
    std::string out;
    for (char c : text) {
        std::string unit(static_cast<std::size_t>(width), '\0');
        unit[littleEndian ? 0 : unit.size() - 1] = c;
        out += unit;
    }
    return out;
}

const char* const kVersion = R"({"number":1,"content":{"messages":[{"role":"user","content":"Hi {{name}}"}]}})";
const std::string kHead = "{\n  \"format\": \"assay-catalog\",\n  \"version\": 1,\n  \"prompts\": [\n";
const std::string kTail = "\n  ]\n}\n";

std::string prompt(const std::string& fields)
{
    return std::string("    {") + fields + ", \"versions\": [" + kVersion + "]}";
}

std::string column(const std::string& text, const std::string& needle, std::size_t line = 0)
{
    const auto at = text.find(needle);
    const auto lineStart = text.rfind('\n', at);
    return (line ? std::to_string(line) + ":" : "")
        + std::to_string(lineStart == std::string::npos ? at + 1 : at - lineStart);
}

/// "LINE:COLUMN" of the @p n-th '[' or '{' of a JSON text (1-based), strings skipped.
std::string nthContainer(const std::string& text, std::size_t n)
{
    bool inString = false;
    std::size_t line = 1, lineStart = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            lineStart = i + 1;
        } else if (inString && c == '\\') {
            ++i;
        } else if (c == '"') {
            inString = !inString;
        } else if (!inString && (c == '[' || c == '{') && --n == 0) {
            return std::to_string(line) + ":" + std::to_string(i - lineStart + 1);
        }
    }
    return "?";
}

} // namespace

class TestHostileInput : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void refusedWithFileLineField_data();
    void refusedWithFileLineField();
    void deepBundleRowIsRefusedBeforeAnythingIsWritten();
    void deepValuesAreNeverDumped();
    void controlCharactersInNamesAreRefusedByTheRepositories();
    void visibleTextEscapesControls();
    void validUtf8ReplacesInvalidSequences();
};

void TestHostileInput::refusedWithFileLineField_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected"); // the message after "<dir>/"
    auto row = [](const char* name, const char* file, const std::string& content, const std::string& expected) {
        QTest::newRow(name) << QString::fromUtf8(file) << QByteArray::fromStdString(content)
                            << QString::fromStdString(expected);
    };
    const std::string ok = prompt("\"name\": \"a\"");

    // Nesting: a version's parameters 100,000 levels deep (nlohmann's dump would overflow the stack).
    const std::string deep = kHead
        + "    {\"name\": \"a\", \"versions\": [{\"content\": {\"messages\": [], \"parameters\": {\"stop\": "
        + nested(100000) + "}}}]}" + kTail;
    row("json deep", "c.json", deep,
        "c.json:" + nthContainer(deep, 66) // the empty "messages" array is closed again
            + ": prompts[0].versions[0].content.parameters.stop[0][…][0][0]: nests deeper than 64 levels");
    const std::string deepLine = R"({"name":"b","versions":[{"content":{"x":)" + nested(70) + "}}]}";
    row("jsonl deep", "c.jsonl", std::string(R"({"name":"a","versions":[)") + kVersion + "]}\n" + deepLine + "\n",
        "c.jsonl:2:" + nthContainer(deepLine, 65).substr(2)
            + ": prompts[1].versions[0].content.x[0][0][0][0][…][0][0]: nests deeper than 64 levels");
    row("promptfoo deep", "chat.json", "[" + nested(64) + "]",
        "chat.json:1:65: [0][0][0][0][0][0][0][0][…][0][0]: nests deeper than 64 levels");

    // Values: a DOM value costs ~16 bytes however short its text, so a document holds at most 4,000,000.
    std::string many = "[0";
    for (int k = 0; k < 4'000'000; ++k)
        many += ",0";
    row("promptfoo too many values", "chat.json", many + "]",
        "chat.json:1:8000000: [3999999]: holds more than 4000000 JSON values (arrays, objects, strings, numbers); "
        "split it into smaller files");

    // NUL bytes: in a CSV field, after a JSON document, inside a JSONL line, in a promptfoo text.
    row("csv nul", "c.csv", "name,template\r\nok,fine\r\nx,before\0after\r\n"s,
        "c.csv:3:9: template: a NUL byte (0x00) in the field");
    row("csv nul quoted", "c.csv", "name,template,folder\na,b,\"x\ny\0\"\n"s, "c.csv:3:2: folder: a NUL byte");
    const std::string json = kHead + ok + kTail;
    row("json trailing nul", "c.json", json + std::string(4096, '\0'),
        "c.json:8:1: a NUL byte (0x00) after the JSON value");
    row("json nul between", "c.json", kHead + ok + ",\0"s + kTail,
        "c.json:5:" + std::to_string(ok.size() + 2) + ": prompts[1]: a NUL byte (0x00)");
    row("jsonl nul", "c.jsonl", std::string(R"({"name":"a",)") + '\0' + R"("versions":[]})" + "\n",
        "c.jsonl:1:13: prompts[0]: a NUL byte");
    row("promptfoo nul", "p.txt", "Hello\n---\nWorld \0!\n"s, "p.txt:3:7: a NUL byte (0x00)");

    // The same key twice in an object: nlohmann keeps the last silently.
    const std::string twice = kHead + prompt("\"name\": \"a\", \"name\": \"b\"") + kTail;
    row("json duplicate key", "c.json", twice,
        "c.json:5:" + column(twice, "\"name\": \"b\"") + ": prompts[0].name: is a key twice in the same object");
    const std::string escapedTwice = kHead + prompt("\"name\": \"a\", \"n\\u0061me\": \"b\"") + kTail;
    row("json duplicate escaped key", "c.json", escapedTwice,
        "c.json:5:" + column(escapedTwice, "\"n\\u") + ": prompts[0].name: is a key twice");
    row("jsonl duplicate key", "c.jsonl", std::string(R"({"name":"a","versions":[)") + kVersion + R"(],"name":"b"})",
        "c.jsonl:1:" + std::to_string(std::string(R"({"name":"a","versions":[)").size() + std::strlen(kVersion) + 3)
            + ": prompts[0].name: is a key twice");
    row("promptfoo duplicate key", "chat.json", R"([{"role":"user","content":"a","role":"system"}])",
        "chat.json:1:31: [0].role: is a key twice");

    // Control characters in names, folders and tags (printed raw by catalog list before).
    row("json esc name", "c.json", kHead + prompt("\"name\": \"red\\u001b[31m\"") + kTail,
        "c.json:5:6: prompts[0].name: holds the control character U+001B (ESC)");
    row("json bel folder", "c.json", kHead + prompt("\"name\": \"a\", \"folder\": \"x\\u0007\"") + kTail,
        "c.json:5:19: prompts[0].folder: holds the control character U+0007 (BEL)");
    const std::string c1 = kHead + prompt("\"name\": \"a\", \"tags\": [\"ok\", \"\\u009b2J\"]") + kTail;
    row("json c1 tag", "c.json", c1,
        "c.json:5:" + column(c1, "\"\\u009b")
            + ": prompts[0].tags[1]: holds the control character U+009B (a C1 "
              "control)");
    row("jsonl tab name", "c.jsonl", std::string(R"({"name":"a\tb","versions":[)") + kVersion + "]}\n",
        "c.jsonl:1: prompts[0].name: holds the control character U+0009 (TAB)");
    row("csv esc name", "c.csv", "name,template\n\"x\x1b]0;title\x07\",t\n",
        "c.csv:2: name: holds the control character U+001B (ESC)");
    row("csv del tag", "c.csv", "name,template,tags\na,t,ok;b\x7f\n",
        "c.csv:2: tags: holds the control character U+007F");
    row("promptfoo esc file name", "p\x1b[2J.txt", "Hello\n",
        "p\x1b[2J.txt:1: prompts[0].name (from the file name): holds the control character U+001B (ESC)");

    // UTF-16 and UTF-32 (with and without a byte-order mark) are named, with how to convert them.
    const std::string text = "name,template\na,b\n";
    row("utf-16le bom", "c.csv", "\xFF\xFE" + wide(text, 2, true),
        "c.csv: the file is UTF-16, not UTF-8; convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8");
    row("utf-16be bom", "c.json", "\xFE\xFF" + wide(json, 2, false), "c.json: the file is UTF-16, not UTF-8");
    row("utf-16le no bom", "c.json", wide(json, 2, true),
        "c.json: the file is UTF-16, not UTF-8; convert it to UTF-8, e.g. iconv -f UTF-16LE -t UTF-8");
    row("utf-16be no bom", "c.jsonl", wide(text, 2, false),
        "c.jsonl: the file is UTF-16, not UTF-8; convert it to "
        "UTF-8, e.g. iconv -f UTF-16BE");
    row("utf-32le bom", "p.txt", std::string("\xFF\xFE\0\0", 4) + wide("Hello", 4, true),
        "p.txt: the file is UTF-32, not UTF-8; convert it to UTF-8, e.g. iconv -f UTF-32 -t UTF-8");
    row("utf-32be no bom", "c.json", wide(json, 4, false), "c.json: the file is UTF-32, not UTF-8");

    // A number beyond a double on a one-line file: line 1 and the field, not "2:1".
    const std::string oneLine = R"({"format":"assay-catalog","version":1e400,"prompts":[]})";
    row("json overflow", "c.json", oneLine + "\n",
        "c.json:1:" + column(oneLine, "1e400") + ": version: the number 1e400 is too large");
    const std::string longNumber = R"({"name":"a","versions":[{"number":)" + std::string(400, '9') + "}]}";
    row("jsonl overflow", "c.jsonl", longNumber + "\n",
        "c.jsonl:1:35: prompts[0].versions[0].number: the number 999999999999999999999999… is too large");

    // A message that quotes the file shows its CR (a lone-CR file: the header swallows the rows).
    row("csv raw cr", "c.csv", "name,template\rx,y\r", "c.csv:1: template\\rx: is not a known column");
}

void TestHostileInput::refusedWithFileLineField()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    Db db = newWorkspace(dir, "ws.assay");
    const std::string path = tempPath(dir, file.toUtf8().constData());
    writeBytes(path, content.toStdString());
    auto format = catalogFormatFromPath(path);
    ASSAY_VERIFY_OK(format);
    if (file == QStringLiteral("chat.json"))
        format = CatalogFormat::Promptfoo;
    auto r = CatalogImporter(db).importFrom(path, *format);
    ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    const std::string& got = r.error().message;
    const std::string want = dir.path().toStdString() + "/" + expected.toStdString();
    QVERIFY2(got.rfind(want, 0) == 0, (visibleText(got) + "\n   expected: " + visibleText(want)).c_str());
    // Nothing raw that a terminal would act on, whatever the file held (the file name is the caller's).
    const std::string afterName = got.substr(path.size());
    QVERIFY2(!firstControlCharacter(afterName), visibleText(got).c_str());
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt"), std::int64_t(0));
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), std::int64_t(0));
}

void TestHostileInput::deepBundleRowIsRefusedBeforeAnythingIsWritten()
{
    // The crafted bundle of the review: a dataset row 100,000 arrays deep, the manifest intact.
    QTemporaryDir dir;
    Db db = newWorkspace(dir, "ws.assay");
    const std::string bundle = tempPath(dir, "deep.bundle");
    const std::string line = R"({"name":"deep","rows":[{"inputs":{"x":)" + nested(100000) + "}}]}";
    BundleFiles files;
    files.catalog = std::string(R"({"format":"assay-catalog","version":1,"prompts":[{"name":"p","versions":[)")
        + kVersion + "]}]}";
    files.datasets = R"({"name":"fine","rows":[{"inputs":{"x":[[1]]}}]})"
                     "\n"
        + line + "\n";
    ASSAY_VERIFY_OK(writeBundle(bundle, files, false));
    auto r = CatalogImporter(db).importFrom(bundle, CatalogFormat::Bundle);
    ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    const std::string want = bundle + "/datasets.jsonl:2:" + std::to_string(line.find('[', 25) + 61)
        + ": datasets[1].rows[0].inputs.x[0][0][0][0][…][0][0]: nests deeper than 64 levels of arrays and objects";
    QCOMPARE(r.error().message, want);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt"), std::int64_t(0));
    QCOMPARE(count(db, "SELECT COUNT(*) FROM dataset"), std::int64_t(0));

    // 64 levels are fine, and are stored.
    files.datasets = R"({"name":"deep","rows":[{"inputs":{"x":)" + nested(60) + "}}]}\n";
    ASSAY_VERIFY_OK(writeBundle(bundle, files, true));
    auto ok = CatalogImporter(db).importFrom(bundle, CatalogFormat::Bundle);
    ASSAY_VERIFY_OK(ok);
    QCOMPARE(ok->rows, std::int64_t(1));
}

void TestHostileInput::deepValuesAreNeverDumped()
{
    // Parsing is iterative in nlohmann; dump(), copies and == are not. A value built in code is refused too.
    auto deep = nlohmann::json::parse(nested(100000)); // never copied: the copy would recurse as deep
    QVERIFY(jsonDeeperThan(deep));
    QVERIFY(!jsonDeeperThan(nlohmann::json::parse(nested(64))));
    QVERIFY(jsonDeeperThan(nlohmann::json::parse(nested(65))));
    auto dumped = sql::dumpJson(deep, "row 1 inputs");
    ASSAY_VERIFY_ERROR(dumped, ErrorCode::Invalid);
    QCOMPARE(dumped.error().message, std::string("row 1 inputs nests deeper than 64 levels of arrays and objects"));

    QTemporaryDir dir;
    Db db = newWorkspace(dir, "ws.assay");
    DatasetRepository repo(db);
    auto d = repo.create("d", "", {});
    ASSAY_VERIFY_OK(d);
    DatasetRow row;
    row.inputs = nlohmann::json::object();
    row.inputs["x"] = std::move(deep);
    std::vector<DatasetRow> rows;
    rows.push_back(std::move(row));
    ASSAY_VERIFY_ERROR(repo.addRows(d->id, std::move(rows)), ErrorCode::Invalid);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM dataset_row"), std::int64_t(0));

    // A stored column that deep (a hand-made workspace) reads as damaged, not as a crash later.
    QVERIFY(parseJsonBounded(nested(100000)).is_discarded());
    QVERIFY(!parseJsonBounded(nested(10)).is_discarded());
    ASSAY_VERIFY_ERROR(sql::parseJson(nested(65), "dataset_row", "inputs", "r1"), ErrorCode::Corrupt);
}

void TestHostileInput::controlCharactersInNamesAreRefusedByTheRepositories()
{
    // The GUI's paths go through the repositories: the same rule holds there.
    QTemporaryDir dir;
    Db db = newWorkspace(dir, "ws.assay");
    PromptRepository prompts(db);
    PromptContent c;
    c.messages.push_back({ "user", "Line one\n\tline two" }); // text keeps its line breaks and tabs
    Prompt meta;
    meta.name = "bell\a";
    ASSAY_VERIFY_ERROR(prompts.createPrompt(meta, c, "test"), ErrorCode::Invalid);
    meta.name = "ok";
    meta.folder = "a/\x1b[1mb";
    ASSAY_VERIFY_ERROR(prompts.createPrompt(meta, c, "test"), ErrorCode::Invalid);
    meta.folder = "a/b";
    meta.tags = { "fine",
        "\xC2\x9B"
        "2J" };
    auto bad = prompts.createPrompt(meta, c, "test");
    ASSAY_VERIFY_ERROR(bad, ErrorCode::Invalid);
    QVERIFY2(bad.error().message.find("U+009B") != std::string::npos, bad.error().message.c_str());
    meta.tags = { "fine" };
    ASSAY_VERIFY_OK(prompts.createPrompt(meta, c, "test"));
    DatasetRepository datasets(db);
    ASSAY_VERIFY_ERROR(datasets.create("esc\x1b", "", {}), ErrorCode::Invalid);
    auto d = datasets.create("plain", "", {});
    ASSAY_VERIFY_OK(d);
    ASSAY_VERIFY_ERROR(datasets.rename(d->id, "new\nline"), ErrorCode::Invalid);
}

void TestHostileInput::visibleTextEscapesControls()
{
    QCOMPARE(visibleText("a\x1b[31mb\a"), std::string("a\\x1b[31mb\\x07"));
    QCOMPARE(visibleText("x\r\n\ty\x7f"), std::string("x\\r\\n\\ty\\x7f"));
    QCOMPARE(visibleText("x\r\n\ty", true), std::string("x\\r\n\ty"));
    QCOMPARE(visibleText("c1 \xC2\x9B"
                         "2J, caf\xC3\xA9, \xE8\xAE\x8A"),
        std::string("c1 \\u009b2J, café, 變"));
    QCOMPARE(visibleText("bad \xFF byte"), std::string("bad \\xff byte"));
}

void TestHostileInput::validUtf8ReplacesInvalidSequences()
{
    QCOMPARE(validUtf8("ok caf\xC3\xA9"), std::string("ok caf\xC3\xA9"));
    QCOMPARE(validUtf8("a\xFF"
                       "b"),
        std::string("a\xEF\xBF\xBD"
                    "b"));
    QCOMPARE(validUtf8("\xC3"), std::string("\xEF\xBF\xBD"));
    QCOMPARE(validUtf8("\xED\xA0\x80"), std::string("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD")); // a surrogate
}

QTEST_GUILESS_MAIN(TestHostileInput)
#include "tst_hostileinput.moc"
