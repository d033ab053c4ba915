// SPDX-License-Identifier: MIT
// The prompt catalog against a real workspace file: versions, labels, references (search: tst_promptsearch).
#include "catalog/promptjson.h"
#include "prompttest.h"
#include "storage/auditlog.h"
#include "storage/promptrepository.h"
#include "storagetest.h"

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

class TestPromptRepository : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void createAndVersionsAreImmutable();
    void hashIsStableAndCanonical();
    void invalidContentWritesNothing_data();
    void invalidContentWritesNothing();
    void chainWithCycleRejectedAndNothingWritten();
    void chainSavedAndKindFollowsLatest();
    void updateMetaAndConflicts();
    void listFilters();
    void labelsMoveAndAreAudited();
    void resolveForms_data();
    void resolveForms();
};

void TestPromptRepository::createAndVersionsAreImmutable()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db, "alice");
    auto v1 = repo.createPrompt(meta("  uk-pm  ", "/evaluation/labeled/", { "qa", " qa", "" }, "Who was PM"),
        templ("Who was PM in {{year}}?", "Be brief."), "alice", "first");
    ASSAY_VERIFY_OK(v1);
    QCOMPARE(v1->number, 1);
    QVERIFY(isUuid(v1->id));
    auto p = repo.get(v1->promptId);
    ASSAY_VERIFY_OK(p);
    QCOMPARE(p->name, std::string("uk-pm"));
    QCOMPARE(p->folder, std::string("evaluation/labeled"));
    QCOMPARE(p->tags, std::vector<std::string> { "qa" });
    QVERIFY(!p->isChain);
    QCOMPARE(repo.getByName("uk-pm")->id, p->id);
    ASSAY_VERIFY_ERROR(repo.getByName("nope"), ErrorCode::NotFound);
    ASSAY_VERIFY_ERROR(repo.get(newUuid()), ErrorCode::NotFound);

    auto v2 = repo.saveVersion(p->id, templ("Who was prime minister in {{year}}?"), "bob", "clearer");
    ASSAY_VERIFY_OK(v2);
    QCOMPARE(v2->number, 2);
    auto v3 = repo.saveVersion(p->id, templ("PM in {{year}}?"), "bob");
    QCOMPARE(v3->number, 3);

    auto all = repo.versions(p->id);
    ASSAY_VERIFY_OK(all);
    QCOMPARE(all->size(), std::size_t(3));
    QCOMPARE(all->at(0).number, 1);
    QCOMPARE(all->at(0).content, templ("Who was PM in {{year}}?", "Be brief."));
    QCOMPARE(all->at(0).author, std::string("alice"));
    QCOMPARE(all->at(0).message, std::string("first"));
    QCOMPARE(all->at(1).contentHash, v2->contentHash);
    QCOMPARE(all->at(2).number, 3);
    QCOMPARE(repo.latestVersion(p->id)->number, 3);
    auto latest = repo.latestVersions();
    ASSAY_VERIFY_OK(latest);
    QCOMPARE(latest->size(), std::size_t(1)); // one per prompt
    QCOMPARE(latest->front().number, 3);
    QCOMPARE(latest->front().contentHash, all->at(2).contentHash);
    QCOMPARE(repo.version(p->id, 1)->contentHash, v1->contentHash);
    auto missing = repo.version(p->id, 7);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().message, std::string("'uk-pm' has no version 7"));

    // Stored versions cannot be edited, not even by raw SQL.
    QVERIFY(!db.exec("UPDATE prompt_version SET content = '{}' WHERE number = 1").ok());
    QCOMPARE(repo.version(p->id, 1)->content, v1->content);
    ASSAY_VERIFY_ERROR(repo.saveVersion(newUuid(), templ("x"), "a"), ErrorCode::NotFound);

    AuditLog audit(db);
    auto events = audit.list("prompt", p->id);
    QCOMPARE(events->size(), std::size_t(3));
    QCOMPARE(events->at(0).action, std::string("prompt.create"));
    QCOMPARE(events->at(0).actor, std::string("alice"));
    QCOMPARE(events->at(2).action, std::string("prompt.version.save"));
    ASSAY_VERIFY_OK(audit.verify());
}

void TestPromptRepository::hashIsStableAndCanonical()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    PromptContent c = templ("Summarise {{text}}", "You summarise.");
    c.parameters.temperature = 0.5;
    c.parameters.maxTokens = 100;
    c.defaults = { { "text", "nothing" } };
    auto a = repo.createPrompt(meta("a"), c, "x");
    auto b = repo.createPrompt(meta("b"), c, "y", "same content, other prompt");
    auto a2 = repo.saveVersion(a->promptId, c, "z");
    QCOMPARE(a->contentHash, contentHash(c));
    QCOMPARE(b->contentHash, a->contentHash);
    QCOMPARE(a2->contentHash, a->contentHash);
    QCOMPARE(a->contentHash.size(), std::size_t(64));
    QCOMPARE(a->contentHash, sha256Hex(canonicalContentJson(c)));
    // The stored text is the canonical JSON, so the hash can be recomputed from the file alone.
    auto st = db.prepare("SELECT content, content_hash FROM prompt_version WHERE id = ?1");
    st->bind(1, a->id);
    QVERIFY(*st->step());
    QCOMPARE(sha256Hex(st->text(0)), st->text(1));
    PromptContent other = c;
    other.parameters.temperature = 0.6;
    QVERIFY(contentHash(other) != a->contentHash);
}

void TestPromptRepository::invalidContentWritesNothing_data()
{
    QTest::addColumn<QString>("contentJson");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("no messages") << R"({"messages":[]})"
                                 << "at least one message";
    QTest::newRow("bad template") << R"({"messages":[{"role":"user","content":"{{oops"}]})"
                                  << "line 1, column 1";
    QTest::newRow("bad role") << R"({"messages":[{"role":"robot","content":"x"}]})"
                              << "messages[0].role";
    QTest::newRow("messages and steps")
        << R"({"messages":[{"role":"user","content":"x"}],"steps":[{"name":"a","messages":[{"role":"user","content":"y"}]}]})"
        << "not both";
}

void TestPromptRepository::invalidContentWritesNothing()
{
    QFETCH(QString, contentJson);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    PromptContent c;
    const json j = json::parse(contentJson.toStdString());
    if (j.contains("messages"))
        for (const auto& m : j["messages"])
            c.messages.push_back({ m["role"].get<std::string>(), m["content"].get<std::string>() });
    if (j.contains("steps"))
        c.steps.push_back(ChainStep { "a", { { "user", "y" } }, {} });
    auto r = repo.createPrompt(meta("p"), c, "a");
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), int(ErrorCode::Invalid));
    QVERIFY2(QString::fromStdString(r.error().message).contains(mentions), r.error().message.c_str());
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt"), std::int64_t(0));
    ASSAY_VERIFY_ERROR(repo.createPrompt(meta("   "), templ("x"), "a"), ErrorCode::Invalid);
    auto ok = repo.createPrompt(meta("p"), templ("x"), "a");
    ASSAY_VERIFY_OK(ok);
    ASSAY_VERIFY_ERROR(repo.createPrompt(meta("p"), templ("y"), "a"), ErrorCode::Conflict);
    ASSAY_VERIFY_ERROR(repo.saveVersion(ok->promptId, c, "a"), ErrorCode::Invalid);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_version"), std::int64_t(1));
}

void TestPromptRepository::chainWithCycleRejectedAndNothingWritten()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    PromptContent chain;
    chain.steps = { ChainStep { "pm", { { "user", "Who? {{steps.place.output}}" } }, {} },
        ChainStep { "place", { { "user", "Where was {{steps.pm.output}} born?" } }, {} } };
    const auto before = count(db, "SELECT COUNT(*) FROM audit_event");
    auto r = repo.createPrompt(meta("cyclic"), chain, "a");
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().code), int(ErrorCode::Invalid));
    QVERIFY2(r.error().message.find("'pm'") != std::string::npos, r.error().message.c_str());
    QVERIFY2(r.error().message.find("'place'") != std::string::npos, r.error().message.c_str());
    for (const char* table : { "prompt", "prompt_version", "prompt_fts", "prompt_signature" })
        QCOMPARE(count(db, std::string("SELECT COUNT(*) FROM ") + table), std::int64_t(0));
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), before);

    // The same check guards saving a new version of an existing chain.
    std::swap(chain.steps[0], chain.steps[1]);
    chain.steps[1].messages[0].content = "Who?";
    chain.steps[0].messages[0].content = "Where was {{steps.ghost.output}} born?";
    auto unknown = repo.createPrompt(meta("chain"), chain, "a");
    QVERIFY(!unknown.ok());
    QVERIFY2(unknown.error().message.find("'ghost'") != std::string::npos, unknown.error().message.c_str());
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt"), std::int64_t(0));
}

void TestPromptRepository::chainSavedAndKindFollowsLatest()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    PromptContent chain;
    chain.steps = { ChainStep { "pm", { { "user", "Who is PM?" } }, {} },
        ChainStep { "place", { { "user", "Where was {{steps.pm.output}} born?" } }, {} } };
    auto v1 = repo.createPrompt(meta("pm-chain"), chain, "a");
    ASSAY_VERIFY_OK(v1);
    QVERIFY(repo.get(v1->promptId)->isChain);
    QCOMPARE(repo.version(v1->promptId, 1)->content, chain);
    PromptContent cyclic = chain;
    cyclic.steps[0].messages[0].content = "{{steps.place.output}}";
    ASSAY_VERIFY_ERROR(repo.saveVersion(v1->promptId, cyclic, "a"), ErrorCode::Invalid);
    QCOMPARE(repo.versions(v1->promptId)->size(), std::size_t(1));
    ASSAY_VERIFY_OK(repo.saveVersion(v1->promptId, templ("Who is PM?"), "a"));
    QVERIFY(!repo.get(v1->promptId)->isChain);
}

void TestPromptRepository::updateMetaAndConflicts()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    auto a = repo.createPrompt(meta("alpha", "x"), templ("hello"), "u");
    ASSAY_VERIFY_OK(repo.createPrompt(meta("beta"), templ("hello"), "u"));
    Prompt m = *repo.get(a->promptId);
    m.name = "gamma";
    m.folder = "y/z";
    m.tags = { "greeting" };
    m.description = "says hello";
    ASSAY_VERIFY_OK(repo.updateMeta(m));
    auto got = repo.get(a->promptId);
    QCOMPARE(got->name, std::string("gamma"));
    QCOMPARE(got->folder, std::string("y/z"));
    QCOMPARE(got->tags, std::vector<std::string> { "greeting" });
    QCOMPARE(repo.versions(a->promptId)->size(), std::size_t(1)); // meta is not a version
    QCOMPARE(names(*repo.search("gamm")), std::vector<std::string> { "gamma" });
    QVERIFY(repo.search("alpha")->empty());
    QCOMPARE(names(*repo.search("greet")), std::vector<std::string> { "gamma" });
    m.name = "beta";
    ASSAY_VERIFY_ERROR(repo.updateMeta(m), ErrorCode::Conflict);
    m.name = " ";
    ASSAY_VERIFY_ERROR(repo.updateMeta(m), ErrorCode::Invalid);
    m.id = newUuid();
    m.name = "delta";
    ASSAY_VERIFY_ERROR(repo.updateMeta(m), ErrorCode::NotFound);
    QCOMPARE(repo.get(a->promptId)->name, std::string("gamma"));
}

void TestPromptRepository::listFilters()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    auto a = repo.createPrompt(meta("a", "evaluation/labeled", { "qa" }), templ("x"), "u");
    auto b = repo.createPrompt(meta("b", "evaluation", { "qa", "facts" }), templ("y"), "u");
    ASSAY_VERIFY_OK(repo.createPrompt(meta("c", "evaluations", { "facts" }), templ("z"), "u"));
    ASSAY_VERIFY_OK(repo.createPrompt(meta("d"), templ("w"), "u"));
    ASSAY_VERIFY_OK(repo.saveVersion(a->promptId, templ("x2"), "u"));
    ASSAY_VERIFY_OK(repo.setLabel(b->promptId, "prod", 1));

    auto all = repo.list();
    ASSAY_VERIFY_OK(all);
    QCOMPARE(names(*all), (std::vector<std::string> { "d", "b", "a", "c" })); // by folder, then name
    QCOMPARE(all->at(2).latestVersion, 2);
    QCOMPARE(all->at(1).labels.size(), std::size_t(1));
    QCOMPARE(all->at(1).labels.front().label, std::string("prod"));
    QCOMPARE(all->at(1).labels.front().versionNumber, 1);

    QCOMPARE(names(*repo.list({ "evaluation", {}, {} })), (std::vector<std::string> { "b", "a" }));
    QCOMPARE(names(*repo.list({ "/evaluation/labeled/", {}, {} })), std::vector<std::string> { "a" });
    QVERIFY(repo.list({ "eval", {}, {} })->empty()); // whole folder names only
    QCOMPARE(names(*repo.list({ {}, "facts", {} })), (std::vector<std::string> { "b", "c" }));
    QCOMPARE(names(*repo.list({ {}, "qa", "prod" })), std::vector<std::string> { "b" });
    QVERIFY(repo.list({ {}, "q", {} })->empty()); // tags match exactly
}

void TestPromptRepository::labelsMoveAndAreAudited()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db, "release-bot");
    auto v1 = repo.createPrompt(meta("p"), templ("one"), "u");
    const std::string id = v1->promptId;
    ASSAY_VERIFY_OK(repo.saveVersion(id, templ("two"), "u"));
    auto set = repo.setLabel(id, "prod", 1);
    ASSAY_VERIFY_OK(set);
    QCOMPARE(set->versionId, v1->id);
    ASSAY_VERIFY_OK(repo.setLabel(id, "dev", 2));
    ASSAY_VERIFY_OK(repo.setLabel(id, "prod", 2)); // moves
    ASSAY_VERIFY_OK(repo.setLabel(id, "prod", 2)); // already there: no event
    auto labels = repo.labels(id);
    QCOMPARE(labels->size(), std::size_t(2));
    QCOMPARE(labels->at(0).label, std::string("dev"));
    QCOMPARE(labels->at(1).label, std::string("prod"));
    QCOMPARE(labels->at(1).versionNumber, 2);

    for (const char* bad : { "", "Prod", "pr od", "prod!", "é", "a234567890123456789012345678901234" })
        ASSAY_VERIFY_ERROR(repo.setLabel(id, bad, 1), ErrorCode::Invalid);
    QVERIFY(PromptRepository::isValidLabel("pre-prod_2"));
    QVERIFY(PromptRepository::isValidLabel(std::string(32, 'a')));
    auto noVersion = repo.setLabel(id, "prod", 9);
    QVERIFY(!noVersion.ok());
    QCOMPARE(noVersion.error().message, std::string("'p' has no version 9"));

    ASSAY_VERIFY_OK(repo.removeLabel(id, "dev"));
    ASSAY_VERIFY_ERROR(repo.removeLabel(id, "dev"), ErrorCode::NotFound);
    QCOMPARE(repo.labels(id)->size(), std::size_t(1));

    AuditLog audit(db);
    std::vector<json> moves;
    auto events = audit.list("prompt", id);
    ASSAY_VERIFY_OK(events);
    for (const auto& e : *events) {
        QCOMPARE(e.actor, std::string("release-bot"));
        if (e.action == "prompt.label.move" || e.action == "prompt.label.remove")
            moves.push_back(json::parse(e.payload));
    }
    QCOMPARE(moves.size(), std::size_t(4));
    QCOMPARE(moves[0], (json { { "label", "prod" }, { "from", nullptr }, { "to", 1 } }));
    QCOMPARE(moves[1], (json { { "label", "dev" }, { "from", nullptr }, { "to", 2 } }));
    QCOMPARE(moves[2], (json { { "label", "prod" }, { "from", 1 }, { "to", 2 } }));
    QCOMPARE(moves[3], (json { { "label", "dev" }, { "from", 2 }, { "to", nullptr } }));
    ASSAY_VERIFY_OK(audit.verify());
}

void TestPromptRepository::resolveForms_data()
{
    QTest::addColumn<QString>("reference");
    QTest::addColumn<int>("number"); // 0 = error expected
    QTest::addColumn<QString>("error");
    QTest::newRow("name = latest") << "uk-pm" << 3 << "";
    QTest::newRow("trimmed") << "  uk-pm  " << 3 << "";
    QTest::newRow("version") << "uk-pm@1" << 1 << "";
    QTest::newRow("label") << "uk-pm@prod" << 2 << "";
    QTest::newRow("name with @") << "ops@home" << 1 << "";
    QTest::newRow("name with @ and version") << "ops@home@1" << 1 << "";
    QTest::newRow("unknown name") << "nope" << 0 << "There is no prompt named 'nope'";
    QTest::newRow("unknown name with version") << "nope@2" << 0 << "There is no prompt named 'nope'";
    QTest::newRow("no such version") << "uk-pm@7" << 0 << "'uk-pm' has no version 7";
    QTest::newRow("no such label") << "uk-pm@staging" << 0 << "'uk-pm' has no label 'staging'";
    QTest::newRow("bad label") << "uk-pm@Prod!" << 0 << "not a valid label";
    QTest::newRow("nothing after @") << "uk-pm@" << 0 << "nothing after '@'";
    QTest::newRow("empty") << "" << 0 << "Name a prompt";
}

void TestPromptRepository::resolveForms()
{
    QFETCH(QString, reference);
    QFETCH(int, number);
    QFETCH(QString, error);
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    auto v1 = repo.createPrompt(meta("uk-pm"), templ("one"), "u");
    ASSAY_VERIFY_OK(repo.saveVersion(v1->promptId, templ("two"), "u"));
    ASSAY_VERIFY_OK(repo.saveVersion(v1->promptId, templ("three"), "u"));
    ASSAY_VERIFY_OK(repo.setLabel(v1->promptId, "prod", 2));
    ASSAY_VERIFY_OK(repo.createPrompt(meta("ops@home"), templ("x"), "u"));

    auto r = repo.resolve(reference.toStdString());
    if (number > 0) {
        ASSAY_VERIFY_OK(r);
        QCOMPARE(r->number, number);
    } else {
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(error), r.error().message.c_str());
    }
}

QTEST_GUILESS_MAIN(TestPromptRepository)
#include "tst_promptrepository.moc"
