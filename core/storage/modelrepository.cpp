// SPDX-License-Identifier: MIT
#include "storage/modelrepository.h"

#include "storage/auditlog.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"
#include "util/secretscan.h"

namespace assay::core {

namespace {
constexpr const char* kModelColumns
    = "id, name, provider, open_weights, licence, commercial_use, parameters_b, context_window, fine_tunable,"
      " training_data, languages, hardware, price_in_per_mtok, price_out_per_mtok, price_gpu_hour, notes,"
      " created_at";
constexpr const char* kEndpointColumns
    = "id, name, kind, base_url, model_id, remote_model, secret_ref, settings, created_at";

std::optional<std::int64_t> optBool(const std::optional<bool>& b)
{
    return b ? std::optional<std::int64_t>(*b ? 1 : 0) : std::nullopt;
}

std::optional<bool> readOptBool(const Statement& s, int col)
{
    auto v = s.optInt64(col);
    return v ? std::optional<bool>(*v != 0) : std::nullopt;
}

Error modelNameTaken(const std::string& name)
{
    return makeError(ErrorCode::Conflict, "A model named '" + name + "' already exists");
}

Error endpointNameTaken(const std::string& name)
{
    return makeError(ErrorCode::Conflict, "An endpoint named '" + name + "' already exists");
}

nlohmann::json endpointAudit(const Endpoint& e)
{
    // Safe to record: validateEndpoint() has already refused any secret.
    return { { "name", e.name }, { "kind", endpointKindName(e.kind) }, { "base_url", e.baseUrl },
        { "remote_model", e.remoteModel }, { "secret_ref", e.secretRef } };
}
} // namespace

Status ModelRepository::audit(
    const std::string& action, const std::string& entity, const std::string& id, const std::string& payload)
{
    AuditLog log(m_db);
    auto e = log.append(m_actor, action, entity, id, payload);
    if (!e)
        return e.error();
    return {};
}

// --- models ------------------------------------------------------------------------------------------------------

void ModelRepository::bindModel(Statement& st, const Model& m)
{
    st.bind(1, m.id).bind(2, m.name).bind(3, m.provider).bind(4, m.openWeights).bind(5, m.licence);
    st.bind(6, optBool(m.commercialUse)).bind(7, m.parametersB).bind(8, m.contextWindow);
    st.bind(9, optBool(m.fineTunable)).bind(10, m.trainingData).bind(11, m.languages).bind(12, m.hardware);
    st.bind(13, m.priceInPerMTok).bind(14, m.priceOutPerMTok).bind(15, m.priceGpuHour).bind(16, m.notes);
}

Result<Model> ModelRepository::createModel(Model m)
{
    m.name = sql::trimmed(m.name);
    if (m.name.empty())
        return makeError(ErrorCode::Invalid, "A model needs a name");
    if (m.id.empty())
        m.id = newUuid();
    if (m.createdAt == 0)
        m.createdAt = nowMs();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto ins = m_db.prepare(std::string("INSERT INTO model(") + kModelColumns
        + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
    if (!ins)
        return ins.error();
    bindModel(*ins, m);
    ins->bind(17, m.createdAt);
    if (auto st = ins->run(); !st)
        return sql::isUniqueViolation(st.error()) ? modelNameTaken(m.name) : st.error();
    ASSAY_TRY(audit("model.create", "model", m.id, sql::auditPayload({ { "name", m.name } })));
    ASSAY_TRY(tx.commit());
    return m;
}

Result<std::vector<Model>> ModelRepository::selectModels(const std::string& where, const std::string& arg)
{
    auto st = m_db.prepare(std::string("SELECT ") + kModelColumns + " FROM model " + where + " ORDER BY name");
    if (!st)
        return st.error();
    if (!where.empty())
        st->bind(1, arg);
    std::vector<Model> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) {
        Model m;
        m.id = s.text(0);
        m.name = s.text(1);
        m.provider = s.text(2);
        m.openWeights = s.int64(3) != 0;
        m.licence = s.text(4);
        m.commercialUse = readOptBool(s, 5);
        m.parametersB = s.optReal(6);
        m.contextWindow = s.optInt64(7);
        m.fineTunable = readOptBool(s, 8);
        m.trainingData = s.text(9);
        m.languages = s.text(10);
        m.hardware = s.text(11);
        m.priceInPerMTok = s.optReal(12);
        m.priceOutPerMTok = s.optReal(13);
        m.priceGpuHour = s.optReal(14);
        m.notes = s.text(15);
        m.createdAt = s.int64(16);
        out.push_back(std::move(m));
    }));
    return out;
}

Result<Model> ModelRepository::model(const std::string& id)
{
    auto found = selectModels("WHERE id = ?1", id);
    if (!found)
        return found.error();
    if (found->empty())
        return makeError(ErrorCode::NotFound, "There is no model with id " + id);
    return std::move(found->front());
}

Result<std::optional<Model>> ModelRepository::findModelByName(const std::string& name)
{
    auto found = selectModels("WHERE name = ?1", sql::trimmed(name));
    if (!found)
        return found.error();
    if (found->empty())
        return std::optional<Model>();
    return std::optional<Model>(std::move(found->front()));
}

Result<std::vector<Model>> ModelRepository::models()
{
    return selectModels({}, {});
}

Status ModelRepository::updateModel(const Model& in)
{
    Model m = in;
    m.name = sql::trimmed(m.name);
    if (m.name.empty())
        return makeError(ErrorCode::Invalid, "A model needs a name");
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto up = m_db.prepare("UPDATE model SET name = ?2, provider = ?3, open_weights = ?4, licence = ?5,"
                           " commercial_use = ?6, parameters_b = ?7, context_window = ?8, fine_tunable = ?9,"
                           " training_data = ?10, languages = ?11, hardware = ?12, price_in_per_mtok = ?13,"
                           " price_out_per_mtok = ?14, price_gpu_hour = ?15, notes = ?16 WHERE id = ?1");
    if (!up)
        return up.error();
    bindModel(*up, m);
    if (auto st = up->run(); !st)
        return sql::isUniqueViolation(st.error()) ? modelNameTaken(m.name) : st.error();
    if (m_db.changes() == 0)
        return makeError(ErrorCode::NotFound, "There is no model with id " + m.id);
    ASSAY_TRY(audit("model.update", "model", m.id, sql::auditPayload({ { "name", m.name } })));
    return tx.commit();
}

Status ModelRepository::removeModel(const std::string& id)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto del = m_db.prepare("DELETE FROM model WHERE id = ?1 RETURNING name");
    if (!del)
        return del.error();
    del->bind(1, id);
    auto row = del->step();
    if (!row)
        return row.error();
    if (!*row)
        return makeError(ErrorCode::NotFound, "There is no model with id " + id);
    const std::string name = del->text(0);
    ASSAY_TRY(del->run());
    ASSAY_TRY(audit("model.delete", "model", id, sql::auditPayload({ { "name", name } })));
    return tx.commit();
}

// --- endpoints ---------------------------------------------------------------------------------------------------

Status ModelRepository::validateEndpoint(const Endpoint& e)
{
    const std::string where = "endpoint '" + e.name + "'";
    if (sql::trimmed(e.name).empty())
        return makeError(ErrorCode::Invalid, "An endpoint needs a name");
    if (!e.settings.is_object())
        return makeError(ErrorCode::Invalid, where + ": settings must be a JSON object");
    ASSAY_TRY(SecretScan::rejectSecrets(e.settings, where + " settings"));
    if (SecretScan::urlHasSecret(e.baseUrl) || SecretScan::looksLikeSecretValue(e.baseUrl))
        return makeError(ErrorCode::Invalid,
            where + ": the base URL carries a credential; keep keys in the key store and set secret_ref to its name");
    if (SecretScan::looksLikeSecretValue(e.secretRef) || e.secretRef.size() > 200)
        return makeError(ErrorCode::Invalid,
            where + ": secret_ref must be the NAME of a stored key (e.g. 'openai-prod'), not the key itself");
    return {};
}

Status ModelRepository::checkModelRef(const Endpoint& e)
{
    if (!e.modelId)
        return {};
    auto found = sql::exists(m_db, "model", *e.modelId);
    if (!found)
        return found.error();
    if (!*found)
        return makeError(ErrorCode::NotFound, "endpoint '" + e.name + "': there is no model with id " + *e.modelId);
    return {};
}

Result<Endpoint> ModelRepository::createEndpoint(Endpoint e)
{
    e.name = sql::trimmed(e.name);
    ASSAY_TRY(validateEndpoint(e));
    auto settings = sql::dumpJson(e.settings, "endpoint '" + e.name + "' settings");
    if (!settings)
        return settings.error();
    if (e.id.empty())
        e.id = newUuid();
    if (e.createdAt == 0)
        e.createdAt = nowMs();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    ASSAY_TRY(checkModelRef(e));
    auto ins = m_db.prepare(
        std::string("INSERT INTO endpoint(") + kEndpointColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!ins)
        return ins.error();
    ins->bind(1, e.id).bind(2, e.name).bind(3, endpointKindName(e.kind)).bind(4, e.baseUrl).bind(5, e.modelId);
    ins->bind(6, e.remoteModel).bind(7, e.secretRef).bind(8, *settings).bind(9, e.createdAt);
    if (auto st = ins->run(); !st)
        return sql::isUniqueViolation(st.error()) ? endpointNameTaken(e.name) : st.error();
    ASSAY_TRY(audit("endpoint.create", "endpoint", e.id, sql::auditPayload(endpointAudit(e))));
    ASSAY_TRY(tx.commit());
    return e;
}

Result<std::vector<Endpoint>> ModelRepository::selectEndpoints(const std::string& where, const std::string& arg)
{
    auto st = m_db.prepare(std::string("SELECT ") + kEndpointColumns + " FROM endpoint " + where + " ORDER BY name");
    if (!st)
        return st.error();
    if (!where.empty())
        st->bind(1, arg);
    std::vector<Endpoint> out;
    Error bad;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) {
        Endpoint e;
        e.id = s.text(0);
        e.name = s.text(1);
        e.kind = parseEndpointKind(s.text(2)).value_or(EndpointKind::OpenAi); // CHECK constraint keeps it valid
        e.baseUrl = s.text(3);
        e.modelId = s.optText(4);
        e.remoteModel = s.text(5);
        e.secretRef = s.text(6);
        if (auto settings = sql::parseJson(s.text(7), "endpoint", "settings", e.id))
            e.settings = std::move(*settings);
        else if (bad.code == ErrorCode::Ok)
            bad = settings.error();
        e.createdAt = s.int64(8);
        out.push_back(std::move(e));
    }));
    if (bad.code != ErrorCode::Ok)
        return bad;
    return out;
}

Result<Endpoint> ModelRepository::endpoint(const std::string& id)
{
    auto found = selectEndpoints("WHERE id = ?1", id);
    if (!found)
        return found.error();
    if (found->empty())
        return makeError(ErrorCode::NotFound, "There is no endpoint with id " + id);
    return std::move(found->front());
}

Result<std::optional<Endpoint>> ModelRepository::findEndpointByName(const std::string& name)
{
    auto found = selectEndpoints("WHERE name = ?1", sql::trimmed(name));
    if (!found)
        return found.error();
    if (found->empty())
        return std::optional<Endpoint>();
    return std::optional<Endpoint>(std::move(found->front()));
}

Result<std::vector<Endpoint>> ModelRepository::endpoints()
{
    return selectEndpoints({}, {});
}

Status ModelRepository::updateEndpoint(const Endpoint& in)
{
    Endpoint e = in;
    e.name = sql::trimmed(e.name);
    ASSAY_TRY(validateEndpoint(e));
    auto settings = sql::dumpJson(e.settings, "endpoint '" + e.name + "' settings");
    if (!settings)
        return settings.error();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    ASSAY_TRY(checkModelRef(e));
    auto up = m_db.prepare("UPDATE endpoint SET name = ?2, kind = ?3, base_url = ?4, model_id = ?5,"
                           " remote_model = ?6, secret_ref = ?7, settings = ?8 WHERE id = ?1");
    if (!up)
        return up.error();
    up->bind(1, e.id).bind(2, e.name).bind(3, endpointKindName(e.kind)).bind(4, e.baseUrl).bind(5, e.modelId);
    up->bind(6, e.remoteModel).bind(7, e.secretRef).bind(8, *settings);
    if (auto st = up->run(); !st)
        return sql::isUniqueViolation(st.error()) ? endpointNameTaken(e.name) : st.error();
    if (m_db.changes() == 0)
        return makeError(ErrorCode::NotFound, "There is no endpoint with id " + e.id);
    ASSAY_TRY(audit("endpoint.update", "endpoint", e.id, sql::auditPayload(endpointAudit(e))));
    return tx.commit();
}

Status ModelRepository::removeEndpoint(const std::string& id)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto del = m_db.prepare("DELETE FROM endpoint WHERE id = ?1 RETURNING name");
    if (!del)
        return del.error();
    del->bind(1, id);
    auto row = del->step();
    if (!row)
        return row.error();
    if (!*row)
        return makeError(ErrorCode::NotFound, "There is no endpoint with id " + id);
    const std::string name = del->text(0);
    ASSAY_TRY(del->run());
    ASSAY_TRY(audit("endpoint.delete", "endpoint", id, sql::auditPayload({ { "name", name } })));
    return tx.commit();
}

} // namespace assay::core
