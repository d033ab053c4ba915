// SPDX-License-Identifier: MIT
// Chains: step references are checked at save time; steps render with the outputs of earlier steps.
#include "catalog/chain.h"
#include "catalog/template.h"

#include <QtTest>

#include <string>
#include <vector>

using namespace assay::core;

namespace {
ChainStep step(const std::string& name, const std::string& user, const std::string& system = {})
{
    ChainStep s;
    s.name = name;
    if (!system.empty())
        s.messages.push_back({ "system", system });
    s.messages.push_back({ "user", user });
    return s;
}

/// "name:user text" per entry.
PromptContent chain(const QStringList& steps)
{
    PromptContent c;
    for (const QString& s : steps) {
        const auto colon = s.indexOf(u':');
        c.steps.push_back(step(s.left(colon).toStdString(), s.mid(colon + 1).toStdString()));
    }
    return c;
}
} // namespace

class TestChain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void valid_data();
    void valid();
    void rejected_data();
    void rejected();
    void dependencyOrder();
    void renderStepWithEarlierOutputs();
    void renderStepMissingOutputIsNamed();
};

void TestChain::valid_data()
{
    QTest::addColumn<QStringList>("steps");
    QTest::newRow("one step") << QStringList { "ask:{{question}}" };
    QTest::newRow("linear") << QStringList { "a:{{q}}", "b:{{steps.a.output}}", "c:{{steps.b.output}}" };
    QTest::newRow("fan in") << QStringList { "a:{{q}}", "b:{{q}}", "c:{{steps.a.output}} {{steps.b.output}}" };
    QTest::newRow("filters on outputs") << QStringList { "a:x", "b:{{steps.a.output | trim | upper}}" };
}

void TestChain::valid()
{
    QFETCH(QStringList, steps);
    const Status st = validateChain(chain(steps));
    QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
}

void TestChain::rejected_data()
{
    QTest::addColumn<QStringList>("steps");
    QTest::addColumn<QStringList>("mentions");

    QTest::newRow("no steps") << QStringList {} << QStringList { "at least one step" };
    QTest::newRow("unknown step") << QStringList { "a:{{q}}", "b:{{steps.ghost.output}}" }
                                  << QStringList { "'b'", "unknown step 'ghost'" };
    QTest::newRow("self reference") << QStringList { "a:{{steps.a.output}}" } << QStringList { "'a'", "cycle" };
    QTest::newRow("forward reference") << QStringList { "a:{{steps.b.output}}", "b:{{q}}" }
                                       << QStringList { "'a'", "'b'", "runs later" };
    QTest::newRow("two-step cycle") << QStringList { "a:{{steps.b.output}}", "b:{{steps.a.output}}" }
                                    << QStringList { "'a'", "'b'", "cycle" };
    QTest::newRow("malformed reference") << QStringList { "a:x", "b:{{steps.a}}" }
                                         << QStringList { "'b'", "steps.<step>.output" };
    QTest::newRow("wrong field") << QStringList { "a:x", "b:{{steps.a.input}}" } << QStringList { "'b'" };
    QTest::newRow("duplicate names") << QStringList { "a:x", "a:y" } << QStringList { "'a'", "unique" };
    QTest::newRow("dot in name") << QStringList { "a.b:x" } << QStringList { "'a.b'" };
    QTest::newRow("empty name") << QStringList { ":x" } << QStringList { "''" };
    QTest::newRow("bad template") << QStringList { "a:x", "b:{{oops" } << QStringList { "'b'", "line 1, column 1" };
}

void TestChain::rejected()
{
    QFETCH(QStringList, steps);
    QFETCH(QStringList, mentions);
    const Status st = validateChain(chain(steps));
    QVERIFY(!st.ok());
    QCOMPARE(int(st.error().code), int(ErrorCode::Invalid));
    const QString msg = QString::fromStdString(st.error().message);
    for (const QString& m : mentions)
        QVERIFY2(msg.contains(m), qPrintable(msg + " should mention " + m));
}

void TestChain::dependencyOrder()
{
    PromptContent c = chain(
        { "a:{{q}}", "b:{{steps.a.output}}", "c:{{steps.b.output}} {{steps.a.output}} {{steps.b.output}}", "d:{{q}}" });
    QVERIFY(validateChain(c).ok());
    auto deps = chainDependencies(c);
    QCOMPARE(deps.size(), std::size_t(4));
    QVERIFY(deps.at("a").empty());
    QCOMPARE(deps.at("b"), std::vector<std::string> { "a" });
    QCOMPARE(deps.at("c"), (std::vector<std::string> { "b", "a" })); // order of reference, no duplicates
    QVERIFY(deps.at("d").empty());
    // Every dependency runs before the step that reads it.
    for (std::size_t i = 0; i < c.steps.size(); ++i)
        for (const auto& dep : deps.at(c.steps[i].name)) {
            std::size_t j = 0;
            while (c.steps[j].name != dep)
                ++j;
            QVERIFY(j < i);
        }
    // Step variables of a chain exclude steps.* references.
    auto vars = promptVariables(c);
    QVERIFY(vars.ok());
    QCOMPARE(*vars, std::vector<std::string> { "q" });
}

void TestChain::renderStepWithEarlierOutputs()
{
    PromptContent c;
    c.defaults = { { "tone", "formal" } };
    c.steps = { step("pm", "Who was the first UK prime minister?", "Answer in a {{tone}} tone."),
        step("bio", "Write two lines about {{steps.pm.output | trim}} for {{audience}}.") };
    QVERIFY(validateChain(c).ok());

    auto first = renderChainStep(c, 0, nlohmann::json::object(), {});
    QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
    QCOMPARE(first->size(), std::size_t(2));
    QCOMPARE(first->at(0).content, std::string("Answer in a formal tone."));

    auto second = renderChainStep(c, 1, nlohmann::json { { "audience", "pupils" } }, { { "pm", " Robert Walpole\n" } });
    QVERIFY2(second.ok(), second.ok() ? "" : second.error().message.c_str());
    QCOMPARE(second->size(), std::size_t(1));
    QCOMPARE(second->at(0), (ChatMessage { "user", "Write two lines about Robert Walpole for pupils." }));

    QVERIFY(!renderChainStep(c, 2, nlohmann::json::object(), {}).ok());
}

void TestChain::renderStepMissingOutputIsNamed()
{
    PromptContent c = chain({ "a:{{q}}", "b:{{steps.a.output}} {{extra}}" });
    auto r = renderChainStep(c, 1, nlohmann::json::object(), {});
    QVERIFY(!r.ok());
    const std::string& msg = r.error().message;
    QVERIFY2(msg.find("'b'") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("steps.a.output, extra") != std::string::npos, msg.c_str());
}

QTEST_GUILESS_MAIN(TestChain)
#include "tst_chain.moc"
