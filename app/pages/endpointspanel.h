// SPDX-License-Identifier: MIT
#pragma once

#include "workspacesnapshot.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace assay::app {

class RunController;
class WorkspaceController;

/// The endpoint editor: how to reach each model (kind, base URL, remote model name, capability-matrix row) and the
/// NAME of its API key. The key itself goes to the secret store (a 0600 file in the user's config folder), never
/// into the workspace. "Test Connection" sends a tiny request. GUI thread only.
class EndpointsPanel : public QWidget {
    Q_OBJECT
public:
    EndpointsPanel(WorkspaceController& workspace, RunController& runs, QWidget* parent = nullptr);

    void showWorkspace(const WorkspaceSnapshot* snapshot);
    /// Fills the form (tests and "New").
    void edit(const core::Endpoint& endpoint);
    void setApiKey(const QString& key);
    void save();
    void testConnection();
    QString statusText() const;
    QListWidget* list() const { return m_list; }
    /// Where keys are kept (the OS keyring or the 0600 file), shown under the form.
    void setSecretsDescription(const QString& text);

private:
    core::Endpoint formEndpoint() const;
    void setStatus(const QString& text, bool error);

    WorkspaceController& m_workspace;
    RunController& m_runs;
    std::vector<core::Endpoint> m_endpoints;
    std::vector<core::Model> m_models;
    QString m_editingId;
    QListWidget* m_list;
    QLineEdit* m_name;
    QComboBox* m_kind;
    QLineEdit* m_baseUrl;
    QLineEdit* m_remoteModel;
    QComboBox* m_model;
    QLineEdit* m_region;
    QLineEdit* m_secretName;
    QLineEdit* m_apiKey;
    QPushButton* m_save;
    QPushButton* m_test;
    QLabel* m_status;
    QLabel* m_secretsInfo;
};

} // namespace assay::app
