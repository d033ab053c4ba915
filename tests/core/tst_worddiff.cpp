// SPDX-License-Identifier: MIT
// Word-level diff of texts and of whole prompt versions.
#include "catalog/worddiff.h"

#include <QtTest>

#include <random>

using namespace assay::core;
using Kind = DiffSegment::Kind;

namespace {
QString show(const std::vector<DiffSegment>& s)
{
    QString out;
    for (const auto& d : s)
        out += QString(d.kind == Kind::Equal   ? u'='
                       : d.kind == Kind::Added ? u'+'
                                               : u'-')
            + QString::fromStdString(d.text) + u'|';
    return out;
}

/// The old and new texts a diff describes.
std::pair<std::string, std::string> sides(const std::vector<DiffSegment>& s)
{
    std::string a;
    std::string b;
    for (const auto& d : s) {
        if (d.kind != Kind::Added)
            a += d.text;
        if (d.kind != Kind::Removed)
            b += d.text;
    }
    return { a, b };
}
} // namespace

class TestWordDiff : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokens();
    void diff_data();
    void diff();
    void randomEditsReconstruct();
    void versionsTextsAndParameters();
    void chainStepsAndIdentical();
};

void TestWordDiff::tokens()
{
    const auto t = diffTokens("Hi,  {{name}}!\nZoë's 42nd");
    const std::vector<std::string> expected { "Hi", ",", "  ", "{", "{", "name", "}", "}", "!", "\n", "Zoë", "'", "s",
        " ", "42nd" };
    QCOMPARE(t, expected);
    QVERIFY(diffTokens("").empty());
}

void TestWordDiff::diff_data()
{
    QTest::addColumn<QString>("before");
    QTest::addColumn<QString>("after");
    QTest::addColumn<QString>("expected");

    QTest::newRow("identical") << "Same text."
                               << "Same text."
                               << "=Same text.|";
    QTest::newRow("both empty") << ""
                                << ""
                                << "";
    QTest::newRow("all added") << ""
                               << "new words"
                               << "+new words|";
    QTest::newRow("all removed") << "old words"
                                 << ""
                                 << "-old words|";
    QTest::newRow("one word replaced") << "Answer in a formal tone."
                                       << "Answer in a friendly tone."
                                       << "=Answer in a |-formal|+friendly|= tone.|";
    QTest::newRow("word inserted") << "Be brief."
                                   << "Be very brief."
                                   << "=Be |+very |=brief.|";
    QTest::newRow("word deleted") << "Be very brief."
                                  << "Be brief."
                                  << "=Be |-very |=brief.|";
    QTest::newRow("punctuation only") << "Hello, world"
                                      << "Hello world!"
                                      << "=Hello|-,|= world|+!|";
    QTest::newRow("whitespace change") << "a b"
                                       << "a\n\nb"
                                       << "=a|- |+\n\n|=b|";
    QTest::newRow("phrase rewritten reads as one change") << "Use the short answer format."
                                                          << "Use a long detailed format."
                                                          << "=Use |-the short answer|+a long detailed|= format.|";
    QTest::newRow("placeholder renamed") << "Q: {{question}}"
                                         << "Q: {{query}}"
                                         << "=Q: {{|-question|+query|=}}|";
    QTest::newRow("utf-8 words") << "Zoë a dit bonjour"
                                 << "Zoë a dit au revoir"
                                 << "=Zoë a dit |-bonjour|+au revoir|";
}

void TestWordDiff::diff()
{
    QFETCH(QString, before);
    QFETCH(QString, after);
    QFETCH(QString, expected);
    const auto d = wordDiff(before.toStdString(), after.toStdString());
    QCOMPARE(show(d), expected);
    QCOMPARE(sides(d), std::make_pair(before.toStdString(), after.toStdString()));
}

void TestWordDiff::randomEditsReconstruct()
{
    // Whatever the edit, the segments give both texts back, adjacent segments differ in kind, and unchanged
    // text is mostly kept as Equal.
    std::mt19937 rng(11);
    const char* words[] = { "the", "a", "prime", "minister", ",", ".", " ", "\n", "story", "json", "{{x}}" };
    std::uniform_int_distribution<int> pick(0, int(std::size(words)) - 1);
    for (int round = 0; round < 200; ++round) {
        std::string a;
        for (int i = 0; i < 60; ++i)
            a += std::string(words[pick(rng)]) + " ";
        std::string b = a;
        for (int e = 0; e < round % 8; ++e) {
            const std::size_t pos = std::uniform_int_distribution<std::size_t>(0, b.size())(rng);
            if (e % 2)
                b.insert(pos, words[pick(rng)]);
            else if (pos < b.size())
                b.erase(pos, 3);
        }
        const auto d = wordDiff(a, b);
        QCOMPARE(sides(d), std::make_pair(a, b));
        for (std::size_t i = 1; i < d.size(); ++i)
            QVERIFY(d[i].kind != d[i - 1].kind);
        std::size_t equal = 0;
        for (const auto& s : d)
            equal += s.kind == Kind::Equal ? s.text.size() : 0;
        QVERIFY2(equal + 24 * std::size_t(round % 8) + 8 >= a.size(), qPrintable(show(d)));
        if (a == b)
            QCOMPARE(d.size(), std::size_t(1));
    }
}

void TestWordDiff::versionsTextsAndParameters()
{
    PromptContent a;
    a.messages = { { "system", "Answer briefly." }, { "user", "Who was PM in {{year}}?" } };
    a.parameters.temperature = 0.2;
    a.parameters.maxTokens = 32;
    a.defaults = { { "year", "1721" } };
    PromptContent b = a;
    b.messages[1].content = "Who was prime minister in {{year}}?";
    b.messages.push_back({ "assistant", "Walpole" });
    b.parameters.temperature = 0.7;
    b.parameters.maxTokens.reset();
    b.parameters.seed = 42;
    b.output.kind = OutputFormat::Kind::Label;
    b.output.labels = { "yes", "no" };

    const VersionDiff d = diffVersions(a, b);
    QVERIFY(!d.identical());
    QCOMPARE(d.texts.size(), std::size_t(3));
    QCOMPARE(d.texts[0].where, std::string("messages[0] (system)"));
    QVERIFY(!d.texts[0].changed);
    QCOMPARE(d.texts[1].where, std::string("messages[1] (user)"));
    QVERIFY(d.texts[1].changed);
    QCOMPARE(show(d.texts[1].segments), QStringLiteral("=Who was |-PM|+prime minister|= in {{year}}?|"));
    QCOMPARE(show(d.texts[2].segments), QStringLiteral("+Walpole|"));

    const std::vector<FieldChange> expected {
        { "parameters.max_tokens", "32", std::nullopt },
        { "parameters.seed", std::nullopt, "42" },
        { "parameters.temperature", "0.2", "0.7" },
        { "output.kind", "plain", "label" },
        { "output.labels", std::nullopt, "[\"yes\",\"no\"]" },
    };
    QCOMPARE(d.fields, expected);

    PromptContent c = a;
    c.messages[0].role = "user";
    c.defaults[0].value = "1801";
    const VersionDiff roles = diffVersions(a, c);
    const std::vector<FieldChange> changes { { "messages[0].role", "system", "user" },
        { "defaults.year", "1721", "1801" } };
    QCOMPARE(roles.fields, changes);
}

void TestWordDiff::chainStepsAndIdentical()
{
    PromptContent a;
    a.steps = { ChainStep { "pm", { { "user", "Who is PM?" } }, {} },
        ChainStep { "place", { { "user", "Where was {{steps.pm.output}} born?" } }, {} } };
    QVERIFY(diffVersions(a, a).identical());
    PromptContent b = a;
    b.steps[1].messages[0].content = "Where was {{steps.pm.output}} raised?";
    b.steps[1].parameters.maxTokens = 24;
    const VersionDiff d = diffVersions(a, b);
    QCOMPARE(d.texts.size(), std::size_t(2));
    QCOMPARE(d.texts[1].where, std::string("steps.place.messages[0] (user)"));
    QCOMPARE(show(d.texts[1].segments), QStringLiteral("=Where was {{steps.pm.output}} |-born|+raised|=?|"));
    QCOMPARE(d.fields, (std::vector<FieldChange> { { "steps.place.parameters.max_tokens", std::nullopt, "24" } }));
}

QTEST_GUILESS_MAIN(TestWordDiff)
#include "tst_worddiff.moc"
