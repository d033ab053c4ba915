// SPDX-License-Identifier: MIT
// RunDefinition parsing (strict, names the field) and RunPlan expansion: counts, deterministic keys and request
// hashes, parameter overrides, pinned plans for resume.
#include "domain/run.h"
#include "prompttest.h"
#include "run/runplan.h"
#include "runfixture.h"
#include "storagetest.h"

#include <QtTest>

#include <set>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
json baseDefinition()
{
    return json { { "name", "r" }, { "prompts", { "p0@prod", "p1@prod" } }, { "endpoints", { "e0", "e1", "e2" } },
        { "dataset", "rows" } };
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}
} // namespace

class TestRunPlan : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseDefaults();
    void parseFull();
    void strictErrorsNameTheField_data();
    void strictErrorsNameTheField();
    void syntaxErrorHasLineAndColumn();
    void untrustedJsonIsRefusedWithItsPlace();
    void expandCountsAndOrder();
    void keysAreDeterministic();
    void requestHashIgnoresKeyAndStream();
    void parameterOverrides();
    void missingVariableFailsOnlyThatCell();
    void inlineRowsAndNoRows();
    void pinnedPlanSurvivesLabelMove();
    void resumeRefusesADifferentGrid();
    void unknownEndpointOrPrompt();
};

void TestRunPlan::parseDefaults()
{
    auto d = RunDefinition::parse(baseDefinition());
    QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
    QCOMPARE(d->repeats, 1);
    QCOMPARE(d->concurrency, 4);
    QCOMPARE(d->retries.maxAttempts, 3);
    QVERIFY(d->cache);
    QVERIFY(d->stream);
    QCOMPARE(d->concurrencyFor("e1"), 4);
    QVERIFY(d->rateLimitFor("e1") == RateLimit {});
}

void TestRunPlan::parseFull()
{
    json j = baseDefinition();
    j["repeats"] = 3;
    j["seed"] = 42;
    j["parameters"] = { { "temperature", 0.5 }, { "max_tokens", 32 }, { "stop", { "\n" } } };
    j["concurrency"] = { { "default", 8 }, { "e1", 2 } };
    j["rateLimits"] = { { "default", { { "rpm", 600 } } }, { "e2", { { "rpm", 60 }, { "tpm", 1000 } } } };
    j["retries"] = { { "maxAttempts", 5 }, { "baseBackoffMs", 100 }, { "maxBackoffMs", 2000 } };
    j["timeoutMs"] = 5000;
    j["cache"] = false;
    j["stream"] = false;
    auto d = RunDefinition::parse(j);
    QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
    QCOMPARE(d->concurrencyFor("e0"), 8);
    QCOMPARE(d->concurrencyFor("e1"), 2);
    QCOMPARE(d->rateLimitFor("e0").requestsPerMinute, 600.0);
    QCOMPARE(d->rateLimitFor("e2").tokensPerMinute, 1000.0);
    QCOMPARE(d->retries.maxAttempts, 5);
    QCOMPARE(d->timeoutMs, std::int64_t(5000));
    QCOMPARE(d->parameterOverrides().maxTokens, std::optional<std::int64_t>(32));
    // toJson() reads back as the same definition.
    auto again = RunDefinition::parse(d->toJson());
    QVERIFY(again.ok());
    QCOMPARE(again->toJson(), d->toJson());
}

void TestRunPlan::strictErrorsNameTheField_data()
{
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("field");
    QTest::newRow("unknown key") << R"({"concurency": 4})"
                                 << "concurency";
    QTest::newRow("prompts type") << R"({"prompts": "p0"})"
                                  << "prompts";
    QTest::newRow("prompt item") << R"({"prompts": ["p0", 3]})"
                                 << "prompts[1]";
    QTest::newRow("duplicate endpoint") << R"({"endpoints": ["e0", "e0"]})"
                                        << "endpoints";
    QTest::newRow("repeats range") << R"({"repeats": 0})"
                                   << "repeats";
    QTest::newRow("parameter") << R"({"parameters": {"temprature": 1}})"
                               << "parameters.temprature";
    QTest::newRow("top_p") << R"({"parameters": {"top_p": 2}})"
                           << "parameters.top_p";
    QTest::newRow("rate limit") << R"({"rateLimits": {"e1": {"rpm": -1}}})"
                                << "rateLimits.e1.rpm";
    QTest::newRow("rate limit unknown endpoint") << R"({"rateLimits": {"zz": {"rpm": 1}}})"
                                                 << "rateLimits.zz";
    QTest::newRow("concurrency") << R"({"concurrency": {"e0": 0}})"
                                 << "concurrency.e0";
    QTest::newRow("retries") << R"({"retries": {"maxAttempts": "3"}})"
                             << "retries.maxAttempts";
    QTest::newRow("retries key") << R"({"retries": {"attempts": 3}})"
                                 << "retries.attempts";
    QTest::newRow("cache") << R"({"cache": "yes"})"
                           << "cache";
    QTest::newRow("timeout") << R"({"timeoutMs": 0})"
                             << "timeoutMs";
    QTest::newRow("rows and dataset") << R"({"rows": [{"text": "a"}]})"
                                      << "dataset";
}

void TestRunPlan::strictErrorsNameTheField()
{
    QFETCH(QString, patch);
    QFETCH(QString, field);
    json j = baseDefinition();
    j.merge_patch(json::parse(patch.toStdString()));
    auto d = RunDefinition::parse(j);
    QVERIFY(!d.ok());
    QCOMPARE(d.error().code, ErrorCode::Invalid);
    QVERIFY2(contains(d.error().message, "run definition: " + field.toStdString() + " "), d.error().message.c_str());
}

void TestRunPlan::syntaxErrorHasLineAndColumn()
{
    auto d = RunDefinition::parseText("{\n  \"name\": \"r\",\n  \"prompts\": [\"a\",]\n}");
    QVERIFY(!d.ok());
    QVERIFY2(contains(d.error().message, "line 3"), d.error().message.c_str());
}

void TestRunPlan::untrustedJsonIsRefusedWithItsPlace()
{
    // 100,000 levels deep would overflow nlohmann's recursion when the value is copied or destroyed.
    const std::string deep
        = "{\n  \"name\": \"r\",\n  \"x\": " + std::string(100'000, '[') + std::string(100'000, ']') + "\n}";
    auto d = RunDefinition::parseText(deep);
    QVERIFY(!d.ok());
    QVERIFY2(contains(d.error().message, "line 3"), d.error().message.c_str());
    QVERIFY2(contains(d.error().message, "(x"), d.error().message.c_str());
    auto twice = RunDefinition::parseText("{\"name\": \"r\",\n\"name\": \"s\"}");
    QVERIFY(!twice.ok());
    QVERIFY2(contains(twice.error().message, "line 2"), twice.error().message.c_str());
    QVERIFY2(contains(twice.error().message, "twice"), twice.error().message.c_str());
}

void TestRunPlan::expandCountsAndOrder()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 2, 3, 5, {}, "rows" }).ok());
    json j = baseDefinition();
    j["repeats"] = 2;
    auto plan = RunPlan::resolve(*RunDefinition::parse(j), db);
    QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
    QCOMPARE(plan->cells().size(), std::size_t(2 * 3 * 5 * 2));
    std::set<std::string> keys;
    std::set<std::string> hashes;
    for (const auto& c : plan->cells()) {
        keys.insert(c.key);
        hashes.insert(c.requestHash);
        QCOMPARE(c.key.size(), std::size_t(64));
        QVERIFY(!c.renderError);
        QCOMPARE(c.request.model, "model-" + std::to_string(c.endpointIndex));
        QVERIFY(contains(c.request.messages.back().content, "review number " + std::to_string(c.rowIndex) + " "));
    }
    QCOMPARE(keys.size(), plan->cells().size());
    QCOMPARE(hashes.size(), plan->cells().size()); // model, row, prompt or repeat differ
    // Fixed order: prompt, endpoint, row, repeat.
    const auto& c = plan->cells();
    QCOMPARE(c[0].repeat, 0);
    QCOMPARE(c[1].repeat, 1);
    QCOMPARE(c[2].rowIndex, std::size_t(1));
    QCOMPARE(c[10].endpointIndex, std::size_t(1));
    QCOMPARE(c[30].promptIndex, std::size_t(1));
}

void TestRunPlan::keysAreDeterministic()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 2, 3, 4, {}, "rows" }).ok());
    const auto def = *RunDefinition::parse(baseDefinition());
    auto a = RunPlan::resolve(def, db);
    auto b = RunPlan::resolve(def, db);
    QVERIFY(a.ok() && b.ok());
    QCOMPARE(a->keys(), b->keys());
    const auto& c = a->cells()[5];
    const std::string expected = sha256Hex(RunCell::makeKey(a->prompts()[c.promptIndex].version.id,
        a->endpoints()[c.endpointIndex].id, *a->rows()[c.rowIndex].id, c.repeat));
    QCOMPARE(c.key, expected);
    QCOMPARE(RunPlan::cellKey("v", "e", "r", 0), RunPlan::cellKey("v", "e", "r", 0));
    QVERIFY(RunPlan::cellKey("v", "e", "r", 0) != RunPlan::cellKey("v", "e", "r", 1));
    QCOMPARE(a->indexOf(c.key), std::optional<std::size_t>(5));
    QVERIFY(!a->indexOf("nope"));
}

void TestRunPlan::requestHashIgnoresKeyAndStream()
{
    ProviderRequest r;
    r.model = "m";
    r.messages = { { "user", "hi" } };
    r.parameters.temperature = 0.0;
    const json n = RunPlan::normalizeRequest(r, 0);
    QCOMPARE(n,
        (json { { "model", "m" }, { "messages", { { { "role", "user" }, { "content", "hi" } } } },
            { "parameters", { { "temperature", 0.0 } } } }));
    const std::string h = RunPlan::requestHash(n);
    QCOMPARE(h, sha256Hex(n.dump()));
    ProviderRequest streamed = r;
    streamed.stream = !r.stream;
    QCOMPARE(RunPlan::requestHash(RunPlan::normalizeRequest(streamed, 0)), h);
    ProviderRequest hotter = r;
    hotter.parameters.temperature = 1.0;
    QVERIFY(RunPlan::requestHash(RunPlan::normalizeRequest(hotter, 0)) != h);
    QVERIFY(RunPlan::requestHash(RunPlan::normalizeRequest(r, 1)) != h); // repeats never share a cache entry
    // Same request on an endpoint with another key: same hash (the key is not part of it).
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 1, 1, 1, "key-a", "rows" }).ok());
    Endpoint other = *ModelRepository(db).findEndpointByName("e0").value();
    other.id = newUuid();
    other.secretRef = "key-b";
    auto def = *RunDefinition::parse(
        json { { "name", "r" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0" } }, { "dataset", "rows" } });
    auto plan = RunPlan::resolve(def, db);
    QVERIFY(plan.ok());
    auto plan2 = RunPlan::expand(def, plan->prompts(), { other }, plan->rows());
    QVERIFY(plan2.ok());
    QCOMPARE(plan2->cells()[0].requestHash, plan->cells()[0].requestHash);
    QVERIFY(plan2->cells()[0].key != plan->cells()[0].key);
    QVERIFY(!contains(plan->cells()[0].normalized.dump(), "key-a"));
    // Another service that calls its model the same: another cache entry.
    Endpoint elsewhere = other;
    elsewhere.baseUrl = "https://api.example.com/v1";
    auto plan3 = RunPlan::expand(def, plan->prompts(), { elsewhere }, plan->rows());
    QVERIFY(plan3.ok());
    QVERIFY(plan3->cells()[0].requestHash != plan->cells()[0].requestHash);
    // The local runner: the model file decides, not the port it listens on today.
    Endpoint local = other;
    local.kind = EndpointKind::Local;
    local.settings["runner"] = { { "modelSha256", "ab12" }, { "loraPaths", json::array() } };
    Endpoint relaunched = local;
    relaunched.baseUrl = "http://127.0.0.1:41234/v1";
    Endpoint withLora = local;
    withLora.settings["runner"]["loraPaths"] = { "/m/tiny-lora.gguf" };
    auto hashOf = [&](const Endpoint& e) {
        return RunPlan::expand(def, plan->prompts(), { e }, plan->rows())->cells()[0].requestHash;
    };
    QCOMPARE(hashOf(relaunched), hashOf(local));
    QVERIFY(hashOf(withLora) != hashOf(local));
    QVERIFY(hashOf(local) != plan->cells()[0].requestHash);
}

void TestRunPlan::parameterOverrides()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 1, 1, 1, {}, "rows" }).ok());
    json j { { "name", "r" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0" } }, { "dataset", "rows" },
        { "parameters", { { "temperature", 0.25 } } }, { "seed", 7 } };
    auto plan = RunPlan::resolve(*RunDefinition::parse(j), db);
    QVERIFY(plan.ok());
    const ModelParameters& p = plan->cells()[0].request.parameters;
    QCOMPARE(p.temperature, std::optional<double>(0.25));
    QCOMPARE(p.maxTokens, std::optional<std::int64_t>(16)); // from the prompt version
    QCOMPARE(p.seed, std::optional<std::int64_t>(7)); // the run's seed when the parameters have none
    j["parameters"]["seed"] = 3;
    j["parameters"]["max_tokens"] = 99;
    plan = RunPlan::resolve(*RunDefinition::parse(j), db);
    QCOMPARE(plan->cells()[0].request.parameters.seed, std::optional<std::int64_t>(3));
    QCOMPARE(plan->cells()[0].request.parameters.maxTokens, std::optional<std::int64_t>(99));
    QCOMPARE(plan->cells()[0].normalized["parameters"]["max_tokens"].get<int>(), 99);
}

void TestRunPlan::missingVariableFailsOnlyThatCell()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 1, 1, 0, {}, "rows" }).ok());
    json j { { "name", "r" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0" } },
        { "rows", { { { "text", "a" } }, { { "other", "b" } } } } };
    auto plan = RunPlan::resolve(*RunDefinition::parse(j), db);
    QVERIFY(plan.ok());
    QCOMPARE(plan->cells().size(), std::size_t(2));
    QVERIFY(!plan->cells()[0].renderError);
    QVERIFY(plan->cells()[1].renderError);
    QVERIFY2(contains(plan->cells()[1].renderError->message, "text"), plan->cells()[1].renderError->message.c_str());
}

void TestRunPlan::inlineRowsAndNoRows()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 1, 2, 0, {}, "rows" }).ok());
    json j { { "name", "r" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0", "e1" } },
        { "rows", { { { "text", "a" } }, { { "text", "b" } }, { { "text", "c" } } } }, { "repeats", 2 } };
    auto plan = RunPlan::resolve(*RunDefinition::parse(j), db);
    QVERIFY(plan.ok());
    QCOMPARE(plan->cells().size(), std::size_t(12));
    QVERIFY(!plan->rows()[0].id);
}

void TestRunPlan::pinnedPlanSurvivesLabelMove()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 2, 1, 3, {}, "rows" }).ok());
    const auto def = *RunDefinition::parse(
        json { { "name", "r" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0" } }, { "dataset", "rows" } });
    auto plan = RunPlan::resolve(def, db);
    QVERIFY(plan.ok());
    const json pinned = plan->pinned();
    // The label moves to a new version and a row is added: the resumed plan still has the original cells.
    PromptRepository prompts(db);
    auto p0 = prompts.getByName("p0");
    auto v2 = prompts.saveVersion(p0->id, templ("Changed {{text}}"), "test");
    QVERIFY(v2.ok());
    QVERIFY(prompts.setLabel(p0->id, "prod", 2).ok());
    DatasetRepository datasets(db);
    auto ds = datasets.findByName("rows");
    DatasetRow extra;
    extra.inputs = { { "text", "new" } };
    QVERIFY(datasets.addRows((*ds)->id, { extra }).ok());
    auto resumed = RunPlan::fromPinned(def, pinned, db);
    QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
    QCOMPARE(resumed->keys(), plan->keys());
    auto fresh = RunPlan::resolve(def, db);
    QVERIFY(fresh->keys() != plan->keys());
}

void TestRunPlan::resumeRefusesADifferentGrid()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 2, 1, 3, {}, "rows" }).ok());
    json j { { "name", "r" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0" } }, { "dataset", "rows" } };
    auto plan = RunPlan::resolve(*RunDefinition::parse(j), db);
    j["concurrency"] = 9; // execution settings may change on resume
    QVERIFY(RunPlan::fromPinned(*RunDefinition::parse(j), plan->pinned(), db).ok());
    j["repeats"] = 2; // the grid may not
    auto bad = RunPlan::fromPinned(*RunDefinition::parse(j), plan->pinned(), db);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().code, ErrorCode::Invalid);
}

void TestRunPlan::unknownEndpointOrPrompt()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    QVERIFY(seedRunFixture(db, { "http://127.0.0.1:9", 1, 1, 1, {}, "rows" }).ok());
    auto def = *RunDefinition::parse(
        json { { "name", "r" }, { "prompts", { "p0@prod" } }, { "endpoints", { "nope" } }, { "dataset", "rows" } });
    auto plan = RunPlan::resolve(def, db);
    QVERIFY(!plan.ok());
    QVERIFY2(contains(plan.error().message, "'nope'"), plan.error().message.c_str());
    def.endpoints = { "e0" };
    def.prompts = { "p0@staging" };
    plan = RunPlan::resolve(def, db);
    QVERIFY(!plan.ok());
    QVERIFY2(contains(plan.error().message, "prompts"), plan.error().message.c_str());
    def.prompts = { "p0" };
    def.dataset = "missing";
    plan = RunPlan::resolve(def, db);
    QVERIFY(!plan.ok());
    QVERIFY2(contains(plan.error().message, "'missing'"), plan.error().message.c_str());
}

QTEST_GUILESS_MAIN(TestRunPlan)
#include "tst_runplan.moc"
