// SPDX-License-Identifier: MIT
#include "localendpoints.h"

#include "workspacecontroller.h"

#include "secrets/layeredsecretstore.h"
#include "storage/modelrepository.h"

namespace assay::app {

LocalEndpoints::LocalEndpoints(WorkspaceController& workspace, core::LayeredSecretStore& secrets, QObject* parent)
    : QObject(parent)
    , m_workspace(workspace)
    , m_secrets(secrets)
{
}

std::string LocalEndpoints::endpointName(const QString& displayName)
{
    return "local: " + displayName.toStdString();
}

std::string LocalEndpoints::secretName(const QString& displayName)
{
    std::string name = "runner-";
    for (const QChar c : displayName)
        name += c.isLetterOrNumber() ? static_cast<char>(c.toLower().toLatin1()) : '-';
    return name;
}

void LocalEndpoints::registerLoaded(const QString& displayName, const gpu::RunnerEndpoint& endpoint,
    const gpu::RunnerProvenance& p, const QString& quantizationLabel)
{
    core::Endpoint e;
    e.name = endpointName(displayName);
    e.kind = core::EndpointKind::Local;
    e.baseUrl = endpoint.baseUrl;
    e.remoteModel = endpoint.modelId;
    e.secretRef = secretName(displayName);
    e.settings["runner"] = { { "modelPath", p.modelPath }, { "modelSha256", p.modelSha256 },
        { "quantization", p.quantization.empty() ? quantizationLabel.toStdString() : p.quantization },
        { "runnerBuild", p.runnerBuild }, { "devices", p.devices }, { "computeDevices", p.computeDevices },
        { "loraPaths", p.loraPaths }, { "embeddings", p.embeddings }, { "gpuLayers", p.gpuLayers },
        { "contextSize", p.contextSize }, { "parallel", p.parallel }, { "threads", p.threads },
        { "cacheType", p.cacheType } };
    // ProviderFactory::servesEmbeddings: the embeddings endpoint for cosine similarity, never offered a chat call.
    if (p.embeddings)
        e.settings["purpose"] = "embeddings";
    m_secrets.setEphemeral(e.secretRef, endpoint.apiKey); // memory only, for as long as the server lives
    m_workspace.call<std::string>(
        this,
        [e](core::Db& db) mutable -> core::Result<std::string> {
            core::ModelRepository repo(db, "assay-runner");
            auto existing = repo.findEndpointByName(e.name);
            if (!existing)
                return existing.error();
            if (*existing) {
                e.id = (*existing)->id;
                e.modelId = (*existing)->modelId;
                if (auto updated = repo.updateEndpoint(e); !updated)
                    return updated.error();
                return e.name;
            }
            auto created = repo.createEndpoint(e);
            if (!created)
                return created.error();
            return e.name;
        },
        [this](core::Result<std::string> r) {
            if (!r) {
                Q_EMIT failed(tr("The loaded model could not be registered as an endpoint. %1")
                                  .arg(QString::fromStdString(r.error().message)));
                return;
            }
            Q_EMIT registered(QString::fromStdString(*r));
            m_workspace.refresh();
        });
}

void LocalEndpoints::forget(const QString& displayName)
{
    m_secrets.removeEphemeral(secretName(displayName));
}

} // namespace assay::app
