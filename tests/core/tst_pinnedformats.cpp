// SPDX-License-Identifier: MIT
// Stored formats pinned to literals written down once (issue 10, §3): the cell key that drives `--resume`, the
// normalized request and its hash (the cache key), a prompt version's canonical JSON and content hash, and the audit
// chain's hashes. Each literal was computed OUTSIDE the code under test, from the documented preimage, with Python's
// hashlib (sha256 of the UTF-8 bytes; `printf '%s' TEXT | sha256sum` gives the same) — never copied from this code's
// own output. A change to any of these formats breaks every workspace written before it, so it must fail here first;
// if a change is intended, it needs a migration, not new literals.
#include "catalog/promptjson.h"
#include "run/runplan.h"
#include "storage/auditlog.h"
#include "storage/promptrepository.h"
#include "storagetest.h"

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
const char* const kVersionId = "7d3c2b1a-0000-4000-8000-000000000001";
const char* const kEndpointId = "e0e0e0e0-0000-4000-8000-000000000002";
const char* const kRowId = "40404040-0000-4000-8000-000000000003";

// sha256("7d3c2b1a-0000-4000-8000-000000000001|e0e0e0e0-0000-4000-8000-000000000002|40404040-0000-4000-8000-000000000003|0")
const char* const kKeyRow0 = "99bd68727da8f72ab1be4b4b698c29590bda56bf56142671317145b8addf2397";
// ... the same with "|1" (the second repeat)
const char* const kKeyRow1 = "a5855423be7549b313aa403cf9424f568de7fd366cd4ca75a868d70fbcbeb9a4";
// ... with the row part "inline:0", repeat 0 (a definition with inline rows)
const char* const kKeyInline = "b5a21345920d28fb1a4bbbac2b34142e78ddaa98b934bbe93a370ed1bd8ee898";
// ... with an empty row part, repeat 0 (a definition with neither dataset nor rows)
const char* const kKeyNoRows = "e5e9e1620e29e778587b1464f940004b7581c89349ce609de6dab99d40d0a5eb";

// The normalized request of the planned cell below (repeat 0), byte for byte; sha256 of these bytes follows.
const char* const kNormalized0
    = R"({"messages":[{"content":"Answer with a full name only.","role":"system"},)"
      R"({"content":"Who was the first prime minister of Österreich?","role":"user"}],)"
      R"("model":"gpt-4o-mini","parameters":{"max_tokens":32,"seed":7,"stop":["\n\n"],)"
      R"("temperature":0.2},"servedBy":{"baseUrl":"https://api.example.com/v1","kind":"openai"}})";
const char* const kRequestHash0 = "bd176fe2a3aa51c79e0289f2697dfd4184488e50605662f3e0a756efe72bd5eb";
// The same request with "repeat":1 between "parameters" and "servedBy" (keys sorted).
const char* const kRequestHash1 = "a559f7f877610eb77d7b1927746c563ec87ac8850abc0c605ec8aaeb0c28a252";

PromptContent fullContent()
{
    PromptContent c;
    c.messages = { { "system", "You are terse. Tone: {{tone}}." }, { "user", "Résumé: {{text}}" } };
    c.fewShot = { { "user", "Ping" }, { "assistant", "Pong" } };
    c.defaults = { { "tone", "formal" } };
    c.parameters.temperature = 0.7;
    c.parameters.topP = 0.9;
    c.parameters.maxTokens = 256;
    c.parameters.stop = { "###" };
    c.parameters.seed = 42;
    c.output.kind = OutputFormat::Kind::Json;
    c.output.jsonSchema = R"({"type":"object"})";
    return c;
}

PromptContent minimalContent()
{
    PromptContent c;
    c.messages = { { "user", "Hi" } };
    return c;
}

PromptContent chainContent()
{
    PromptContent c;
    ChainStep summary;
    summary.name = "summary";
    summary.messages = { { "user", "Summarize: {{text}}" } };
    ChainStep french;
    french.name = "french";
    french.messages = { { "user", "Translate to French: {{summary}}" } };
    french.parameters.temperature = 0.0;
    c.steps = { summary, french };
    return c;
}

struct PinnedEvent {
    AuditEvent event;
    const char*
        hash; ///< hashlib.sha256("\x1f".join([prev, id, actor, action, entity, entity_id, payload]) + "\x1f" + str(at))
};

/// Three events chained from the genesis hash (the third with empty actor and entity, as workspace-wide events are).
std::vector<PinnedEvent> pinnedChain()
{
    auto event = [](const char* id, std::int64_t at, const char* actor, const char* action, const char* entity,
                     const char* entityId, const char* payload) {
        AuditEvent e;
        e.id = id;
        e.at = at;
        e.actor = actor;
        e.action = action;
        e.entity = entity;
        e.entityId = entityId;
        e.payload = payload;
        return e;
    };
    return {
        { event("a0000000-0000-4000-8000-000000000001", 1764000000000, "ada", "prompt.create", "prompt",
              "11111111-0000-4000-8000-000000000001", R"({"name":"Zoë","version":1})"),
            "4bf1213f30eeaad9426bf4dfdec17151b4b04595fecee426b86c1e3bb5f17e88" },
        { event("a0000000-0000-4000-8000-000000000002", 1764000000001, "ada", "prompt.label.move", "prompt",
              "11111111-0000-4000-8000-000000000001", R"({"label":"prod","version":1})"),
            "eb4c4132753c3923dc4cbcac73b3b92d018adb4fa652060fd2307226d8798b02" },
        { event("a0000000-0000-4000-8000-000000000003", 1764000060000, "", "workspace.note", "", "", "{}"),
            "01b5030d461074cd8408ca10800065b80068e4e5adcef583ddda234e64006b21" },
    };
}
} // namespace

class TestPinnedFormats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cellKeyIsPinned();
    void plannedCellIsPinned();
    void canonicalPromptJsonIsPinned_data();
    void canonicalPromptJsonIsPinned();
    void storedPromptVersionIsPinned();
    void auditChainHashIsPinned();
    void handWrittenAuditChainVerifies();
};

void TestPinnedFormats::cellKeyIsPinned()
{
    QCOMPARE(RunPlan::cellKey(kVersionId, kEndpointId, kRowId, 0), std::string(kKeyRow0));
    QCOMPARE(RunPlan::cellKey(kVersionId, kEndpointId, kRowId, 1), std::string(kKeyRow1));
    QCOMPARE(RunPlan::cellKey(kVersionId, kEndpointId, "inline:0", 0), std::string(kKeyInline));
    QCOMPARE(RunPlan::cellKey(kVersionId, kEndpointId, "", 0), std::string(kKeyNoRows));
}

void TestPinnedFormats::plannedCellIsPinned()
{
    // A fully specified cell: version, endpoint, dataset row, two repeats, the definition's seed.
    auto definition = RunDefinition::parse(json { { "name", "pinned" }, { "prompts", { "quiz@prod" } },
        { "endpoints", { "api" } }, { "dataset", "history" }, { "repeats", 2 }, { "seed", 7 } });
    ASSAY_VERIFY_OK(definition);
    PlannedPrompt prompt;
    prompt.reference = "quiz@prod";
    prompt.version.id = kVersionId;
    prompt.version.promptId = "11111111-0000-4000-8000-000000000001";
    prompt.version.number = 3;
    prompt.version.content.messages = { { "system", "Answer with a full name only." },
        { "user", "Who was the first prime minister of {{country}}?" } };
    prompt.version.content.parameters.temperature = 0.2;
    prompt.version.content.parameters.maxTokens = 32;
    prompt.version.content.parameters.stop = { "\n\n" };
    Endpoint endpoint;
    endpoint.id = kEndpointId;
    endpoint.name = "api";
    endpoint.kind = EndpointKind::OpenAi;
    endpoint.baseUrl = "https://api.example.com/v1";
    endpoint.remoteModel = "gpt-4o-mini";
    endpoint.secretRef = "openai-prod"; // a key's name is never part of the request
    PlannedRow row { std::string(kRowId), json { { "country", "Österreich" } } };
    auto plan = RunPlan::expand(*definition, { prompt }, { endpoint }, { row });
    ASSAY_VERIFY_OK(plan);
    QCOMPARE(plan->cells().size(), std::size_t(2));
    const PlannedCell& first = plan->cells()[0];
    const PlannedCell& second = plan->cells()[1];
    QCOMPARE(first.key, std::string(kKeyRow0));
    QCOMPARE(second.key, std::string(kKeyRow1));
    QCOMPARE(first.normalized.dump(), std::string(kNormalized0));
    QCOMPARE(first.requestHash, std::string(kRequestHash0));
    QCOMPARE(second.requestHash, std::string(kRequestHash1));
}

void TestPinnedFormats::canonicalPromptJsonIsPinned_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("canonical");
    QTest::addColumn<QString>("hash");
    // Every field set: keys sorted at every level, numbers as nlohmann writes them, UTF-8 unescaped.
    QTest::newRow("every field")
        << 0
        << QString::fromUtf8(R"({"defaults":{"tone":"formal"},"few_shot":[{"content":"Ping","role":"user"},)"
                             R"({"content":"Pong","role":"assistant"}],"messages":[{"content":"You are terse. )"
                             R"(Tone: {{tone}}.","role":"system"},{"content":"Résumé: {{text}}","role":"user"}],)"
                             R"("output":{"json_schema":"{\"type\":\"object\"}","kind":"json"},"parameters":)"
                             R"({"max_tokens":256,"seed":42,"stop":["###"],"temperature":0.7,"top_p":0.9}})")
        << "e5b8e4791e0f29660305495c895e3502f146b5866cf7c8cb2f79fbe0ea659bed";
    // Unset fields are omitted (no empty few_shot, parameters or plain output).
    QTest::newRow("minimal") << 1 << QString::fromUtf8(R"({"messages":[{"content":"Hi","role":"user"}]})")
                             << "c690133a69ad78b589d329d9333c8ddb024a3247626bb1cd01f1fca29f29004c";
    // A chain: messages stay (empty), steps keep their order, a double 0 is written "0.0".
    QTest::newRow("chain") << 2
                           << QString::fromUtf8(R"({"messages":[],"steps":[{"messages":[{"content":"Summarize: )"
                                                R"({{text}}","role":"user"}],"name":"summary"},{"messages":)"
                                                R"([{"content":"Translate to French: {{summary}}","role":"user"}],)"
                                                R"("name":"french","parameters":{"temperature":0.0}}]})")
                           << "21445b7d2b8a8fa1395e544ad5d4c592e5427ad53769770ee53886476f1ff2ee";
}

void TestPinnedFormats::canonicalPromptJsonIsPinned()
{
    QFETCH(int, which);
    QFETCH(QString, canonical);
    QFETCH(QString, hash);
    const PromptContent content = which == 0 ? fullContent() : which == 1 ? minimalContent() : chainContent();
    const std::string expected = canonical.toStdString();
    QCOMPARE(canonicalContentJson(content), expected);
    QCOMPARE(contentHash(content), hash.toStdString());
    // The stored text reads back as the same content, and hashes the same again.
    auto parsed = promptContentFromJson(json::parse(expected));
    ASSAY_VERIFY_OK(parsed);
    QCOMPARE(canonicalContentJson(*parsed), expected);
}

void TestPinnedFormats::storedPromptVersionIsPinned()
{
    // What the repository writes into the workspace file: the canonical text and its hash, as pinned above.
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db, "tester");
    Prompt meta;
    meta.name = "pinned";
    auto v = repo.createPrompt(meta, fullContent(), "first");
    ASSAY_VERIFY_OK(v);
    QCOMPARE(v->contentHash, std::string("e5b8e4791e0f29660305495c895e3502f146b5866cf7c8cb2f79fbe0ea659bed"));
    auto st = db.prepare("SELECT content, content_hash FROM prompt_version WHERE id = ?1");
    ASSAY_VERIFY_OK(st);
    st->bind(1, v->id);
    QVERIFY(*st->step());
    QCOMPARE(sha256Hex(st->text(0)), std::string("e5b8e4791e0f29660305495c895e3502f146b5866cf7c8cb2f79fbe0ea659bed"));
    QCOMPARE(st->text(1), std::string("e5b8e4791e0f29660305495c895e3502f146b5866cf7c8cb2f79fbe0ea659bed"));
}

void TestPinnedFormats::auditChainHashIsPinned()
{
    std::string prev = AuditLog::kGenesis;
    QCOMPARE(prev, std::string(64, '0'));
    for (auto& [event, hash] : pinnedChain()) {
        event.prevHash = prev;
        QCOMPARE(AuditLog::chainHash(event), std::string(hash));
        prev = hash;
    }
}

void TestPinnedFormats::handWrittenAuditChainVerifies()
{
    // The chain above, written into a workspace by plain SQL with the literal hashes: the code accepts it, check
    // reports it intact, and the next append links to the last literal.
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "chain.assay");
    {
        Db db = newWorkspace(dir, "chain.assay");
        auto ins = db.prepare("INSERT INTO audit_event(id, at, actor, action, entity, entity_id, payload, prev_hash,"
                              " hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        ASSAY_VERIFY_OK(ins);
        std::string prev = std::string(64, '0');
        for (const auto& [e, hash] : pinnedChain()) {
            ins->reset();
            ins->bind(1, e.id).bind(2, e.at).bind(3, e.actor).bind(4, e.action).bind(5, e.entity);
            ins->bind(6, e.entityId).bind(7, e.payload).bind(8, prev).bind(9, std::string(hash));
            ASSAY_VERIFY_OK(ins->run());
            prev = hash;
        }
        AuditLog log(db);
        ASSAY_VERIFY_OK(log.verify());
        auto next = log.append("tester", "dataset.create", "dataset", "d1");
        ASSAY_VERIFY_OK(next);
        QCOMPARE(next->prevHash, std::string("01b5030d461074cd8408ca10800065b80068e4e5adcef583ddda234e64006b21"));
        ASSAY_VERIFY_OK(log.verify());
    }
    auto report = Workspace::check(path);
    ASSAY_VERIFY_OK(report);
    QVERIFY2(report->auditChainOk, report->auditChainProblem.c_str());
    QCOMPARE(report->counts.at("audit_event"), std::int64_t(4));
}

QTEST_GUILESS_MAIN(TestPinnedFormats)
#include "tst_pinnedformats.moc"
