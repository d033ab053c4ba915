// SPDX-License-Identifier: MIT
#pragma once

#include "runnersupervisor.h"

#include <QObject>
#include <QString>

namespace assay::core {
class LayeredSecretStore;
}

namespace assay::app {

class WorkspaceController;

/// Makes a model loaded on the local runner an endpoint like any other ("local: <name>", kind local), so runs,
/// Compare and judging use it unchanged. <name> is RunnerController::displayName: "model", "model + adapter" or
/// "model (embeddings)"; an embeddings instance gets settings.purpose = "embeddings" (ProviderFactory::makeEmbeddings,
/// never a chat call). The server's random key goes to the in-memory layer of the secret store only; the endpoint's
/// settings carry the runner provenance that every cell records (adapters included). Each load updates the endpoint
/// (new port); unloading forgets the key, and a run against it then fails with "… is not loaded". GUI thread only.
class LocalEndpoints : public QObject {
    Q_OBJECT
public:
    LocalEndpoints(WorkspaceController& workspace, core::LayeredSecretStore& secrets, QObject* parent = nullptr);

    void registerLoaded(const QString& displayName, const gpu::RunnerEndpoint& endpoint,
        const gpu::RunnerProvenance& provenance, const QString& quantizationLabel);
    void forget(const QString& displayName);

    static std::string endpointName(const QString& displayName);
    static std::string secretName(const QString& displayName);

Q_SIGNALS:
    void registered(const QString& endpointName);
    void failed(const QString& message);

private:
    WorkspaceController& m_workspace;
    core::LayeredSecretStore& m_secrets;
};

} // namespace assay::app
