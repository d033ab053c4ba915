// SPDX-License-Identifier: MIT
// The template language: variable detection, filters, escapes, missing-variable and syntax errors.
#include "catalog/template.h"

#include <QtTest>

#include <map>
#include <string>
#include <vector>

using namespace assay::core;

namespace {
QStringList toList(const std::vector<std::string>& v)
{
    QStringList out;
    for (const auto& s : v)
        out << QString::fromStdString(s);
    return out;
}

/// "k=v;k2=v2" -> map (tests only; values may not contain ';').
std::map<std::string, std::string> values(const QString& spec)
{
    std::map<std::string, std::string> out;
    for (const QString& pair : spec.split(u';', Qt::SkipEmptyParts)) {
        const auto eq = pair.indexOf(u'=');
        out[pair.left(eq).toStdString()] = pair.mid(eq + 1).toStdString();
    }
    return out;
}
} // namespace

class TestTemplate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void variables_data();
    void variables();
    void render_data();
    void render();
    void missingVariablesAreAllNamed();
    void syntaxErrors_data();
    void syntaxErrors();
    void placeholdersCarryOffsetsAndFilters();
    void renderingIsDeterministic();
    void promptVariablesAndMessages();
    void templateValuesFromJson();
    void unicodeVariableNames_data();
    void unicodeVariableNames();
};

void TestTemplate::variables_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("none") << "plain text, no braces" << QStringList {};
    QTest::newRow("one") << "Hello {{name}}!" << QStringList { "name" };
    QTest::newRow("spaces inside") << "Hello {{  name  }}!" << QStringList { "name" };
    QTest::newRow("order of first use, no duplicates")
        << "{{b}} {{a}} {{b}} {{c | upper}}" << QStringList { "b", "a", "c" };
    QTest::newRow("dots dashes underscores")
        << "{{_x}} {{a-b}} {{steps.pm.output}}" << QStringList { "_x", "a-b", "steps.pm.output" };
    QTest::newRow("escaped is not a variable") << "\\{{name}} and {{real}}" << QStringList { "real" };
    QTest::newRow("single braces ignored") << "{name} {{n}} }}" << QStringList { "n" };
    QTest::newRow("with filters") << "{{q | trim | default(\"x|y\") | json}}" << QStringList { "q" };
    QTest::newRow("multi-line") << "line1\n{{a}}\nline3 {{b}}" << QStringList { "a", "b" };
}

void TestTemplate::variables()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    auto vars = templateVariables(text.toStdString());
    QVERIFY2(vars.ok(), vars.ok() ? "" : vars.error().message.c_str());
    QCOMPARE(toList(*vars), expected);
}

void TestTemplate::render_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("vals");
    QTest::addColumn<QString>("expected");

    QTest::newRow("plain") << "no variables"
                           << ""
                           << "no variables";
    QTest::newRow("substitute") << "Hi {{name}}, {{name}}."
                                << "name=Ada"
                                << "Hi Ada, Ada.";
    QTest::newRow("spaces in braces") << "[{{ name }}]"
                                      << "name=Ada"
                                      << "[Ada]";
    QTest::newRow("upper") << "{{n | upper}}"
                           << "n=Ada Lovelace"
                           << "ADA LOVELACE";
    QTest::newRow("lower") << "{{n|lower}}"
                           << "n=Ada Lovelace"
                           << "ada lovelace";
    QTest::newRow("trim") << "[{{n | trim}}]"
                          << "n=  padded \t"
                          << "[padded]";
    QTest::newRow("json quotes and escapes") << "{{n | json}}"
                                             << "n=say \"hi\"\\"
                                             << "\"say \\\"hi\\\"\\\\\"";
    QTest::newRow("json of newline") << "{{n | json}}"
                                     << "n=a\nb"
                                     << "\"a\\nb\"";
    QTest::newRow("default when missing") << "{{n | default(\"anon\")}}"
                                          << ""
                                          << "anon";
    QTest::newRow("default when empty") << "{{n | default(\"anon\")}}"
                                        << "n="
                                        << "anon";
    QTest::newRow("default unused when set") << "{{n | default(\"anon\")}}"
                                             << "n=Ada"
                                             << "Ada";
    QTest::newRow("default with pipe inside") << "{{n | default(\"a|b\")}}"
                                              << ""
                                              << "a|b";
    QTest::newRow("default with escaped quote") << "{{n | default(\"say \\\"x\\\"\")}}"
                                                << ""
                                                << "say \"x\"";
    QTest::newRow("filters left to right") << "{{n | trim | upper | json}}"
                                           << "n= ab "
                                           << "\"AB\"";
    QTest::newRow("default then upper") << "{{n | default(\"anon\") | upper}}"
                                        << ""
                                        << "ANON";
    QTest::newRow("escape") << "\\{{name}} is {{name}}"
                            << "name=x"
                            << "{{name}} is x";
    QTest::newRow("escape alone") << "a \\{{ b"
                                  << ""
                                  << "a {{ b";
    QTest::newRow("single braces kept") << "{a} }} {"
                                        << ""
                                        << "{a} }} {";
    QTest::newRow("dotted name") << "{{steps.pm.output}}"
                                 << "steps.pm.output=Walpole"
                                 << "Walpole";
    QTest::newRow("utf-8 kept") << "«{{n}}»"
                                << "n=Zoë"
                                << "«Zoë»";
    QTest::newRow("multi-line") << "a\n{{x}}\nb"
                                << "x=1"
                                << "a\n1\nb";
}

void TestTemplate::render()
{
    QFETCH(QString, text);
    QFETCH(QString, vals);
    QFETCH(QString, expected);
    auto out = renderTemplate(text.toStdString(), values(vals));
    QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
    QCOMPARE(QString::fromStdString(*out), expected);
}

void TestTemplate::missingVariablesAreAllNamed()
{
    auto one = renderTemplate("Hi {{name}}", {});
    QVERIFY(!one.ok());
    QCOMPARE(int(one.error().code), int(ErrorCode::Invalid));
    QVERIFY2(one.error().message.find("name") != std::string::npos, one.error().message.c_str());

    auto many = renderTemplate("{{a}} {{b}} {{a}} {{c | default(\"\")}} {{d}}", { { "b", "set" } });
    QVERIFY(!many.ok());
    const std::string& msg = many.error().message;
    QVERIFY2(msg.find("a, d") != std::string::npos, msg.c_str()); // each once, in order of use
    QVERIFY2(msg.find(" b") == std::string::npos, msg.c_str());
    QVERIFY2(msg.find(" c") == std::string::npos, msg.c_str()); // default() makes it optional

    PromptContent c;
    c.messages = { { "system", "You answer about {{topic}}." }, { "user", "{{question}} ({{topic}}, {{style}})" } };
    auto msgs = renderMessages(c, nlohmann::json { { "style", "brief" } });
    QVERIFY(!msgs.ok());
    QVERIFY2(msgs.error().message.find("topic, question") != std::string::npos, msgs.error().message.c_str());
}

void TestTemplate::syntaxErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("what");

    QTest::newRow("unclosed") << "Hello {{name"
                              << "line 1, column 7"
                              << "Unclosed";
    QTest::newRow("unclosed on line 3") << "a\nb\n  x {{y"
                                        << "line 3, column 5"
                                        << "Unclosed";
    QTest::newRow("nested open") << "{{a {{b}}"
                                 << "line 1, column 1"
                                 << "Unclosed";
    QTest::newRow("empty name") << "ok {{}}"
                                << "line 1, column 4"
                                << "not a valid variable name";
    QTest::newRow("bad name") << "x\n{{1abc}}"
                              << "line 2, column 1"
                              << "not a valid variable name";
    QTest::newRow("space in name") << "{{first name}}"
                                   << "line 1, column 1"
                                   << "not a valid variable name";
    QTest::newRow("unknown filter") << "line\n\t{{a | shout}}"
                                    << "line 2, column 2"
                                    << "Unknown filter 'shout'";
    QTest::newRow("default without quotes") << "{{a | default(x)}}"
                                            << "line 1, column 1"
                                            << "Unknown filter";
    QTest::newRow("empty filter") << "{{a | }}"
                                  << "line 1, column 1"
                                  << "Unknown filter";
}

void TestTemplate::syntaxErrors()
{
    QFETCH(QString, text);
    QFETCH(QString, where);
    QFETCH(QString, what);
    for (bool render : { false, true }) {
        const Error e
            = render ? renderTemplate(text.toStdString(), {}).error() : parseTemplate(text.toStdString()).error();
        QCOMPARE(int(e.code), int(ErrorCode::Invalid));
        const QString msg = QString::fromStdString(e.message);
        QVERIFY2(msg.contains(where), qPrintable(msg));
        QVERIFY2(msg.contains(what), qPrintable(msg));
    }
}

void TestTemplate::placeholdersCarryOffsetsAndFilters()
{
    auto ps = parseTemplate("ab {{ x | upper }} \\{{no}} {{y | default(\"z\")}}");
    QVERIFY(ps.ok());
    QCOMPARE(ps->size(), std::size_t(2));
    QCOMPARE(ps->at(0).name, std::string("x"));
    QCOMPARE(ps->at(0).offset, std::size_t(3));
    QCOMPARE(ps->at(0).length, std::string("{{ x | upper }}").size());
    QCOMPARE(ps->at(0).filters, std::vector<std::string> { "upper" });
    QVERIFY(!ps->at(0).hasDefault);
    QCOMPARE(ps->at(1).name, std::string("y"));
    QVERIFY(ps->at(1).hasDefault);
}

void TestTemplate::renderingIsDeterministic()
{
    const std::string text = "{{b}}|{{a | json}}|{{c | default(\"d\") | upper}}|\\{{a}}";
    const std::map<std::string, std::string> vals { { "a", "x\"y" }, { "b", "Zoë" } };
    auto first = renderTemplate(text, vals);
    QVERIFY(first.ok());
    for (int i = 0; i < 20; ++i)
        QCOMPARE(*renderTemplate(text, vals), *first);
    QCOMPARE(*first, std::string("Zoë|\"x\\\"y\"|D|{{a}}"));
}

void TestTemplate::promptVariablesAndMessages()
{
    PromptContent c;
    c.messages = { { "user", "Q: {{question}}" }, { "system", "Be {{tone | default(\"kind\")}}." } };
    c.fewShot = { { "user", "Q: {{example}}" }, { "assistant", "A." } };
    c.defaults = { { "example", "2+2?" } };
    auto vars = promptVariables(c);
    QVERIFY(vars.ok());
    QCOMPARE(toList(*vars), (QStringList { "question", "tone", "example" }));

    auto msgs = renderMessages(c, nlohmann::json { { "question", "Who?" } });
    QVERIFY2(msgs.ok(), msgs.ok() ? "" : msgs.error().message.c_str());
    QCOMPARE(msgs->size(), std::size_t(4)); // system first, then few-shot, then the rest
    QCOMPARE(msgs->at(0), (ChatMessage { "system", "Be kind." }));
    QCOMPARE(msgs->at(1), (ChatMessage { "user", "Q: 2+2?" }));
    QCOMPARE(msgs->at(2), (ChatMessage { "assistant", "A." }));
    QCOMPARE(msgs->at(3), (ChatMessage { "user", "Q: Who?" }));

    PromptContent bad;
    bad.messages = { { "user", "{{oops" } };
    QVERIFY(!promptVariables(bad).ok());
    QVERIFY(!renderMessages(bad, nlohmann::json::object()).ok());
}

void TestTemplate::templateValuesFromJson()
{
    PromptContent c;
    c.defaults = { { "a", "default-a" }, { "b", "default-b" } };
    auto vals = templateValues(c, nlohmann::json { { "b", "given" }, { "n", 3 }, { "o", { { "k", true } } } });
    QCOMPARE(vals.at("a"), std::string("default-a"));
    QCOMPARE(vals.at("b"), std::string("given"));
    QCOMPARE(vals.at("n"), std::string("3"));
    QCOMPARE(vals.at("o"), std::string("{\"k\":true}"));
}

void TestTemplate::unicodeVariableNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    // A letter of any script (XID_Start) or '_' first; then letters, marks, digits of any script, '_', '-', '.'.
    QTest::newRow("CJK") << QStringLiteral("變數") << true;
    QTest::newRow("Japanese") << QStringLiteral("名前_かな") << true;
    QTest::newRow("Cyrillic") << QStringLiteral("имя") << true;
    QTest::newRow("Greek") << QStringLiteral("όνομα") << true;
    QTest::newRow("accented Latin") << QStringLiteral("café.prénom") << true;
    QTest::newRow("combining mark after a letter") << QStringLiteral("cafe\u0301") << true;
    QTest::newRow("Arabic with Arabic-Indic digit") << QStringLiteral("اسم\u0661") << true;
    QTest::newRow("Devanagari") << QStringLiteral("नाम") << true;
    QTest::newRow("Hangul with ASCII") << QStringLiteral("이름-2") << true;
    QTest::newRow("underscore first") << QStringLiteral("_變數") << true;
    QTest::newRow("emoji") << QStringLiteral("😀") << false;
    QTest::newRow("emoji after a letter") << QStringLiteral("a😀") << false;
    QTest::newRow("CJK punctuation") << QStringLiteral("變數。") << false;
    QTest::newRow("fullwidth exclamation") << QStringLiteral("名！") << false;
    QTest::newRow("ASCII digit first") << QStringLiteral("1名") << false;
    QTest::newRow("Arabic-Indic digit first") << QStringLiteral("\u0661اسم") << false;
    QTest::newRow("combining mark first") << QStringLiteral("\u0301a") << false;
    QTest::newRow("ideographic space inside") << QStringLiteral("變\u3000數") << false;
    QTest::newRow("no-break space inside") << QStringLiteral("a\u00a0b") << false;
    QTest::newRow("symbol") << QStringLiteral("price€") << false;
    QTest::newRow("dash first") << QStringLiteral("-名") << false;
}

void TestTemplate::unicodeVariableNames()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    const std::string n = name.toStdString();
    const std::string text = "前 {{" + n + "}} 後 {{ " + n + " | upper }}";
    auto vars = templateVariables(text);
    if (!valid) {
        QVERIFY2(!vars.ok(), qPrintable(name));
        QVERIFY2(QString::fromStdString(vars.error().message).contains(QStringLiteral("not a valid variable name")),
            vars.error().message.c_str());
        return;
    }
    QVERIFY2(vars.ok(), vars.ok() ? "" : vars.error().message.c_str());
    QCOMPARE(toList(*vars), QStringList { name });
    // Rendering fills them, from a map and from a dataset row's JSON inputs.
    auto rendered = renderTemplate(text, { { n, "値x" } });
    QVERIFY2(rendered.ok(), rendered.ok() ? "" : rendered.error().message.c_str());
    QCOMPARE(QString::fromStdString(*rendered), QStringLiteral("前 値x 後 値X"));
    PromptContent c;
    c.messages.push_back({ "user", "{{" + n + "}}!" });
    auto messages = renderMessages(c, nlohmann::json { { n, "ok" } });
    QVERIFY(messages.ok());
    QCOMPARE(messages->at(0).content, std::string("ok!"));
    auto missing = renderTemplate(text, {});
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().message, "Missing value for variable " + n);
}

QTEST_GUILESS_MAIN(TestTemplate)
#include "tst_template.moc"
