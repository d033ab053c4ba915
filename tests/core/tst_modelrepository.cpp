// SPDX-License-Identifier: MIT
#include "storage/auditlog.h"
#include "storage/modelrepository.h"
#include "storagetest.h"

#include <QFile>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

class TestModelRepository : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelRoundTrip();
    void modelUnknownsStayNull();
    void modelConflictsAndMissing();
    void endpointRoundTripAndAudit();
    void endpointSettingsSecrets_data();
    void endpointSettingsSecrets();
    void endpointUrlAndSecretRef_data();
    void endpointUrlAndSecretRef();
    void endpointUpdateRejectsSecretAndKeepsOld();
    void endpointModelLink();
};

namespace {
Model sampleModel()
{
    Model m;
    m.name = "TII Falcon-7B-Instruct";
    m.provider = "TII";
    m.openWeights = true;
    m.licence = "Apache-2.0";
    m.commercialUse = true;
    m.parametersB = 7.0;
    m.contextWindow = 2048;
    m.fineTunable = false;
    m.trainingData = "Internet data, code, instructions";
    m.languages = "English, French";
    m.hardware = "g5.xlarge";
    m.priceInPerMTok = 0.25;
    m.priceOutPerMTok = 1.5;
    m.priceGpuHour = 1.006;
    m.notes = "JumpStart";
    return m;
}

/// The whole file, WAL included, as bytes: a secret must not appear anywhere.
QByteArray fileBytes(const std::string& path)
{
    QByteArray all;
    for (const char* suffix : { "", "-wal" }) {
        QFile f(QString::fromStdString(path + suffix));
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}
} // namespace

void TestModelRepository::modelRoundTrip()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    ModelRepository repo(db, "carol");
    auto created = repo.createModel(sampleModel());
    ASSAY_VERIFY_OK(created);
    QVERIFY(isUuid(created->id));
    auto m = repo.model(created->id);
    ASSAY_VERIFY_OK(m);
    const Model s = sampleModel();
    QCOMPARE(m->name, s.name);
    QCOMPARE(m->provider, s.provider);
    QCOMPARE(m->openWeights, true);
    QCOMPARE(m->licence, s.licence);
    QCOMPARE(m->commercialUse, std::optional<bool>(true));
    QCOMPARE(m->parametersB, std::optional<double>(7.0));
    QCOMPARE(m->contextWindow, std::optional<std::int64_t>(2048));
    QCOMPARE(m->fineTunable, std::optional<bool>(false));
    QCOMPARE(m->trainingData, s.trainingData);
    QCOMPARE(m->languages, s.languages);
    QCOMPARE(m->hardware, s.hardware);
    QCOMPARE(m->priceInPerMTok, s.priceInPerMTok);
    QCOMPARE(m->priceOutPerMTok, s.priceOutPerMTok);
    QCOMPARE(m->priceGpuHour, s.priceGpuHour);
    QCOMPARE(m->notes, s.notes);
    QCOMPARE(m->createdAt, created->createdAt);

    Model changed = *m;
    changed.priceInPerMTok.reset();
    changed.notes = "self-hosted";
    ASSAY_VERIFY_OK(repo.updateModel(changed));
    auto again = repo.model(m->id);
    QVERIFY(!again->priceInPerMTok.has_value());
    QCOMPARE(again->notes, std::string("self-hosted"));
    QCOMPARE(again->createdAt, created->createdAt);

    auto byName = repo.findModelByName(s.name);
    QVERIFY(byName->has_value());
    ASSAY_VERIFY_OK(repo.removeModel(m->id));
    QVERIFY(repo.models()->empty());
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event WHERE entity = 'model'"), std::int64_t(3));
}

void TestModelRepository::modelUnknownsStayNull()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    ModelRepository repo(db);
    Model bare;
    bare.name = "Amazon Titan Text Large";
    auto created = repo.createModel(bare);
    ASSAY_VERIFY_OK(created);
    auto m = repo.model(created->id);
    QVERIFY(!m->commercialUse && !m->parametersB && !m->contextWindow && !m->fineTunable);
    QVERIFY(!m->priceInPerMTok && !m->priceOutPerMTok && !m->priceGpuHour);
    QCOMPARE(
        count(db, "SELECT COUNT(*) FROM model WHERE commercial_use IS NULL AND parameters_b IS NULL"), std::int64_t(1));
}

void TestModelRepository::modelConflictsAndMissing()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    ModelRepository repo(db);
    auto a = repo.createModel(sampleModel());
    auto dup = repo.createModel(sampleModel());
    ASSAY_VERIFY_ERROR(dup, ErrorCode::Conflict);
    QCOMPARE(dup.error().message, std::string("A model named 'TII Falcon-7B-Instruct' already exists"));
    Model other;
    other.name = "other";
    auto b = repo.createModel(other);
    Model renamed = *b;
    renamed.name = sampleModel().name;
    ASSAY_VERIFY_ERROR(repo.updateModel(renamed), ErrorCode::Conflict);
    Model ghost = sampleModel();
    ghost.id = newUuid();
    ghost.name = "ghost";
    ASSAY_VERIFY_ERROR(repo.updateModel(ghost), ErrorCode::NotFound);
    ASSAY_VERIFY_ERROR(repo.removeModel(newUuid()), ErrorCode::NotFound);
    Model unnamed;
    ASSAY_VERIFY_ERROR(repo.createModel(unnamed), ErrorCode::Invalid);
    QCOMPARE(repo.models()->size(), std::size_t(2));
}

void TestModelRepository::endpointRoundTripAndAudit()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    ModelRepository repo(db, "dave");
    Endpoint e;
    e.name = "claude via bedrock";
    e.kind = EndpointKind::Bedrock;
    e.baseUrl = "https://bedrock-runtime.eu-west-1.amazonaws.com";
    e.remoteModel = "anthropic.claude-3-haiku-20240307-v1:0";
    e.secretRef = "aws-prod";
    e.settings = json { { "region", "eu-west-1" }, { "max_tokens", 512 }, { "tokens_per_minute", 40000 },
        { "headers", { { "X-Trace", "on" } } }, { "timeout_s", 60 } };
    auto created = repo.createEndpoint(e);
    ASSAY_VERIFY_OK(created);
    auto got = repo.endpoint(created->id);
    ASSAY_VERIFY_OK(got);
    QCOMPARE(got->name, e.name);
    QCOMPARE(int(got->kind), int(EndpointKind::Bedrock));
    QCOMPARE(got->baseUrl, e.baseUrl);
    QCOMPARE(got->remoteModel, e.remoteModel);
    QCOMPARE(got->secretRef, std::string("aws-prod"));
    QCOMPARE(got->settings, e.settings);
    QVERIFY(!got->modelId.has_value());

    Endpoint changed = *got;
    changed.kind = EndpointKind::Local;
    changed.baseUrl = "http://127.0.0.1:8080";
    ASSAY_VERIFY_OK(repo.updateEndpoint(changed));
    QCOMPARE(int(repo.endpoint(created->id)->kind), int(EndpointKind::Local));
    auto dup = repo.createEndpoint(e);
    ASSAY_VERIFY_ERROR(dup, ErrorCode::Conflict);
    QCOMPARE(dup.error().message, std::string("An endpoint named 'claude via bedrock' already exists"));
    ASSAY_VERIFY_OK(repo.removeEndpoint(created->id));
    ASSAY_VERIFY_ERROR(repo.endpoint(created->id), ErrorCode::NotFound);

    AuditLog audit(db);
    auto events = audit.list("endpoint", created->id);
    QCOMPARE(events->size(), std::size_t(3));
    QCOMPARE(events->at(0).action, std::string("endpoint.create"));
    QCOMPARE(events->at(1).action, std::string("endpoint.update"));
    QCOMPARE(events->at(2).action, std::string("endpoint.delete"));
    QCOMPARE(json::parse(events->at(1).payload)["base_url"].get<std::string>(), std::string("http://127.0.0.1:8080"));
    ASSAY_VERIFY_OK(audit.verify());
}

void TestModelRepository::endpointSettingsSecrets_data()
{
    QTest::addColumn<QByteArray>("settings");
    QTest::addColumn<bool>("rejected");
    QTest::addColumn<QString>("field");
    auto row = [](const char* name, const char* js, bool rejected, const char* field) {
        QTest::newRow(name) << QByteArray(js) << rejected << QString::fromUtf8(field);
    };
    row("api_key", R"({"api_key":"abc123"})", true, "api_key");
    row("apiKey camel", R"({"apiKey":"abc123"})", true, "apiKey");
    row("x-api-key header", R"({"headers":{"x-api-key":"abc"}})", true, "headers.x-api-key");
    row("Authorization header", R"({"headers":{"Authorization":"xyz"}})", true, "headers.Authorization");
    row("client_secret", R"({"oauth":{"client_secret":"s"}})", true, "oauth.client_secret");
    row("password", R"({"proxy":{"password":"hunter2"}})", true, "proxy.password");
    row("access_token", R"({"access_token":"t"})", true, "access_token");
    row("token", R"({"token":"t"})", true, "token");
    row("aws secret", R"({"aws_secret_access_key":"k"})", true, "aws_secret_access_key");
    row("in array", R"({"extra":[{"ok":1},{"api_key":"k"}]})", true, "extra[1].api_key");
    row("bearer value", R"({"note":"Bearer abcdefghijklmnop"})", true, "note");
    row("sk- value", R"({"x":"sk-ant-api03-abcdefghijklmnopqrstuvwxyz"})", true, "x");
    row("AKIA value", R"({"id":"AKIAIOSFODNN7EXAMPLE"})", true, "id");
    row("empty api_key", R"({"api_key":""})", false, "");
    row("null token", R"({"token":null})", false, "");
    row("max_tokens", R"({"max_tokens":1024,"tokens_per_minute":9000})", false, "");
    row("token_limit", R"({"token_limit":4096})", false, "");
    row("secret_ref-like name", R"({"key_name":"openai-prod","region":"us-east-1"})", false, "");
    row("short sk", R"({"prefix":"sk-1"})", false, "");
}

void TestModelRepository::endpointSettingsSecrets()
{
    QFETCH(QByteArray, settings);
    QFETCH(bool, rejected);
    QFETCH(QString, field);
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "s.assay");
    Db db = newWorkspace(dir, "s.assay");
    ModelRepository repo(db);
    Endpoint e;
    e.name = "ep";
    e.settings = json::parse(settings.constData());
    auto r = repo.createEndpoint(e);
    if (!rejected) {
        ASSAY_VERIFY_OK(r);
        return;
    }
    ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    const std::string& msg = r.error().message;
    QVERIFY2(msg.find("'" + field.toStdString() + "'") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("endpoint 'ep'") != std::string::npos, msg.c_str());
    QCOMPARE(count(db, "SELECT COUNT(*) FROM endpoint"), std::int64_t(0));
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event"), std::int64_t(0));
    // Nothing of the secret reached the file or its WAL.
    QVERIFY(!fileBytes(path).contains(settings));
}

void TestModelRepository::endpointUrlAndSecretRef_data()
{
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<QString>("secretRef");
    QTest::addColumn<bool>("rejected");
    QTest::newRow("plain") << QStringLiteral("https://api.openai.com/v1") << QStringLiteral("openai") << false;
    QTest::newRow("loopback") << QStringLiteral("http://127.0.0.1:8080/v1") << QString() << false;
    QTest::newRow("user only") << QStringLiteral("https://me@host/v1") << QString() << false;
    QTest::newRow("user:pass") << QStringLiteral("https://me:pw@host/v1") << QString() << true;
    QTest::newRow("key query") << QStringLiteral("https://host/v1?key=AIzaSy123") << QString() << true;
    QTest::newRow("api_key query") << QStringLiteral("https://host/v1?x=1&api_key=zz") << QString() << true;
    QTest::newRow("key in ref") << QString() << QStringLiteral("sk-proj-abcdefghijklmnopqrstuvwxyz0123") << true;
    QTest::newRow("huge ref") << QString() << QString(300, QLatin1Char('a')) << true;
}

void TestModelRepository::endpointUrlAndSecretRef()
{
    QFETCH(QString, baseUrl);
    QFETCH(QString, secretRef);
    QFETCH(bool, rejected);
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    ModelRepository repo(db);
    Endpoint e;
    e.name = "ep";
    e.baseUrl = baseUrl.toStdString();
    e.secretRef = secretRef.toStdString();
    auto r = repo.createEndpoint(e);
    if (rejected)
        ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    else
        ASSAY_VERIFY_OK(r);
}

void TestModelRepository::endpointUpdateRejectsSecretAndKeepsOld()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    ModelRepository repo(db);
    Endpoint e;
    e.name = "openai";
    e.settings = json { { "timeout_s", 30 } };
    auto created = repo.createEndpoint(e);
    Endpoint bad = *created;
    bad.settings["headers"] = json { { "Authorization", "Bearer sk-live-abcdefghijklmnopqrstuvwxyz" } };
    auto r = repo.updateEndpoint(bad);
    ASSAY_VERIFY_ERROR(r, ErrorCode::Invalid);
    QVERIFY(r.error().message.find("headers.Authorization") != std::string::npos);
    QCOMPARE(repo.endpoint(created->id)->settings, e.settings);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM audit_event WHERE action = 'endpoint.update'"), std::int64_t(0));
    ASSAY_VERIFY_ERROR(repo.updateEndpoint([] {
        Endpoint ghost;
        ghost.id = newUuid();
        ghost.name = "ghost";
        return ghost;
    }()),
        ErrorCode::NotFound);
}

void TestModelRepository::endpointModelLink()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    ModelRepository repo(db);
    auto m = repo.createModel(sampleModel());
    Endpoint e;
    e.name = "falcon local";
    e.kind = EndpointKind::Local;
    e.modelId = m->id;
    auto created = repo.createEndpoint(e);
    ASSAY_VERIFY_OK(created);
    QCOMPARE(repo.endpoint(created->id)->modelId, std::optional<std::string>(m->id));
    Endpoint dangling = e;
    dangling.name = "dangling";
    dangling.modelId = newUuid();
    auto r = repo.createEndpoint(dangling);
    ASSAY_VERIFY_ERROR(r, ErrorCode::NotFound);
    QVERIFY(r.error().message.find("dangling") != std::string::npos);
    // Deleting the model keeps the endpoint and clears its link.
    ASSAY_VERIFY_OK(repo.removeModel(m->id));
    auto after = repo.endpoint(created->id);
    ASSAY_VERIFY_OK(after);
    QVERIFY(!after->modelId.has_value());
}

QTEST_GUILESS_MAIN(TestModelRepository)
#include "tst_modelrepository.moc"
