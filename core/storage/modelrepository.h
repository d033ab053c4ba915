// SPDX-License-Identifier: MIT
#pragma once

#include "domain/model.h"
#include "storage/db.h"

#include <optional>
#include <string>
#include <vector>

namespace assay::core {

/// The capability matrix (models) and how to reach them (endpoints). Each mutating call is its own transaction;
/// model and endpoint changes append an audit event in it. An endpoint never stores a secret: settings, base URL
/// and secret_ref are scanned (SecretScan) and a secret is refused with Invalid naming the field.
/// Thread affinity: the thread that owns @p db.
class ModelRepository {
public:
    explicit ModelRepository(Db& db, std::string actor = {})
        : m_db(db)
        , m_actor(std::move(actor))
    {
    }

    /// Stores @p model (id and createdAt assigned when empty). Conflict when the name is taken.
    Result<Model> createModel(Model model);
    Result<Model> model(const std::string& id);
    Result<std::optional<Model>> findModelByName(const std::string& name);
    Result<std::vector<Model>> models();
    /// Replaces every column but id and createdAt.
    Status updateModel(const Model& model);
    /// Deletes the model; endpoints that pointed at it keep working with no matrix row.
    Status removeModel(const std::string& id);

    Result<Endpoint> createEndpoint(Endpoint endpoint);
    Result<Endpoint> endpoint(const std::string& id);
    Result<std::optional<Endpoint>> findEndpointByName(const std::string& name);
    Result<std::vector<Endpoint>> endpoints();
    Status updateEndpoint(const Endpoint& endpoint);
    Status removeEndpoint(const std::string& id);

    /// The checks createEndpoint/updateEndpoint apply: a name, a known model, and no secret anywhere.
    static Status validateEndpoint(const Endpoint& endpoint);

private:
    Status audit(
        const std::string& action, const std::string& entity, const std::string& id, const std::string& payload);
    static void bindModel(Statement& st, const Model& m); ///< binds ?1…?16 (all but created_at)
    Result<std::vector<Model>> selectModels(const std::string& where, const std::string& arg);
    Result<std::vector<Endpoint>> selectEndpoints(const std::string& where, const std::string& arg);
    Status checkModelRef(const Endpoint& e);

    Db& m_db;
    std::string m_actor;
};

} // namespace assay::core
