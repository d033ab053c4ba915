// SPDX-License-Identifier: MIT
#include "endpointspanel.h"

#include "runcontroller.h"
#include "workspacecontroller.h"

#include "storage/modelrepository.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace assay::app {

namespace {
QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}
} // namespace

EndpointsPanel::EndpointsPanel(WorkspaceController& workspace, RunController& runs, QWidget* parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_runs(runs)
    , m_list(new QListWidget(this))
    , m_name(new QLineEdit(this))
    , m_kind(new QComboBox(this))
    , m_baseUrl(new QLineEdit(this))
    , m_remoteModel(new QLineEdit(this))
    , m_model(new QComboBox(this))
    , m_region(new QLineEdit(this))
    , m_secretName(new QLineEdit(this))
    , m_apiKey(new QLineEdit(this))
    , m_save(new QPushButton(tr("Save Endpoint"), this))
    , m_test(new QPushButton(tr("Test Connection"), this))
    , m_status(new QLabel(this))
    , m_secretsInfo(new QLabel(this))
{
    m_secretsInfo->setWordWrap(true);
    m_secretsInfo->setForegroundRole(QPalette::PlaceholderText);
    m_list->setObjectName(QStringLiteral("endpointList"));
    m_list->setMaximumWidth(280);
    m_kind->addItem(
        tr("OpenAI-compatible (OpenAI, Azure, vLLM, TGI, Ollama, LM Studio, llama.cpp)"), QStringLiteral("openai"));
    m_kind->addItem(tr("Anthropic Messages"), QStringLiteral("anthropic"));
    m_kind->addItem(tr("AWS Bedrock Converse"), QStringLiteral("bedrock"));
    m_baseUrl->setPlaceholderText(QStringLiteral("https://api.openai.com/v1"));
    m_remoteModel->setPlaceholderText(tr("the model name the API expects, e.g. gpt-4o-mini"));
    m_region->setPlaceholderText(tr("Bedrock only, e.g. us-east-1"));
    m_secretName->setPlaceholderText(tr("name of the API key, e.g. openai-prod (not the key)"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(tr("leave empty to keep the stored key"));
    m_apiKey->setToolTip(tr("Stored in the secret store (%1), never in the workspace, an export or a log.")
                             .arg(QStringLiteral("~/.config/assay/secrets.json, mode 0600")));

    auto* form = new QFormLayout;
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("API"), m_kind);
    form->addRow(tr("Base URL"), m_baseUrl);
    form->addRow(tr("Remote model"), m_remoteModel);
    form->addRow(tr("Capability matrix row"), m_model);
    form->addRow(tr("Region"), m_region);
    form->addRow(tr("API key name"), m_secretName);
    form->addRow(tr("API key"), m_apiKey);
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton(tr("New"), this);
    buttons->addWidget(add);
    buttons->addStretch(1);
    buttons->addWidget(m_test);
    buttons->addWidget(m_save);
    m_status->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("endpointStatus"));
    auto* right = new QVBoxLayout;
    right->addLayout(form);
    right->addLayout(buttons);
    right->addWidget(m_status);
    right->addStretch(1);
    right->addWidget(m_secretsInfo);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(m_list);
    layout->addLayout(right, 1);

    connect(add, &QPushButton::clicked, this, [this] {
        core::Endpoint e;
        e.baseUrl = "https://api.openai.com/v1";
        edit(e);
        m_status->clear();
    });
    connect(m_save, &QPushButton::clicked, this, &EndpointsPanel::save);
    connect(m_test, &QPushButton::clicked, this, &EndpointsPanel::testConnection);
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row < static_cast<int>(m_endpoints.size())) {
            edit(m_endpoints[static_cast<std::size_t>(row)]);
            m_status->clear();
        }
    });
    connect(
        &m_runs, &RunController::connectionTested, this, [this](const QString& name, bool ok, const QString& message) {
            m_test->setEnabled(true);
            setStatus(tr("%1: %2").arg(name, message), !ok);
        });
    edit({});
}

void EndpointsPanel::showWorkspace(const WorkspaceSnapshot* snapshot)
{
    m_endpoints = snapshot ? snapshot->endpoints : std::vector<core::Endpoint> {};
    m_models = snapshot ? snapshot->models : std::vector<core::Model> {};
    m_model->clear();
    m_model->addItem(tr("(none)"), QString());
    for (const core::Model& m : m_models)
        m_model->addItem(qs(m.name), qs(m.id));
    QSignalBlocker block(m_list);
    m_list->clear();
    int current = -1;
    for (const core::Endpoint& e : m_endpoints) {
        m_list->addItem(tr("%1  ·  %2").arg(qs(e.name), QString::fromLatin1(core::endpointKindName(e.kind))));
        if (qs(e.id) == m_editingId)
            current = m_list->count() - 1;
    }
    if (current >= 0) {
        m_list->setCurrentRow(current); // signals blocked: the status line stays
        edit(m_endpoints[static_cast<std::size_t>(current)]);
    } else if (m_endpoints.empty()) {
        setStatus(snapshot ? tr("No endpoints yet: describe how to reach a model, then Save.") : QString(), false);
    }
    setEnabled(snapshot != nullptr);
}

void EndpointsPanel::edit(const core::Endpoint& e)
{
    m_editingId = qs(e.id);
    m_name->setText(qs(e.name));
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(QString::fromLatin1(core::endpointKindName(e.kind)))));
    m_baseUrl->setText(qs(e.baseUrl));
    m_remoteModel->setText(qs(e.remoteModel));
    m_model->setCurrentIndex(std::max(0, m_model->findData(e.modelId ? qs(*e.modelId) : QString())));
    m_region->setText(e.settings.contains("region") && e.settings["region"].is_string()
            ? qs(e.settings["region"].get<std::string>())
            : QString());
    m_secretName->setText(qs(e.secretRef));
    m_apiKey->clear();
}

void EndpointsPanel::setApiKey(const QString& key)
{
    m_apiKey->setText(key);
}

core::Endpoint EndpointsPanel::formEndpoint() const
{
    core::Endpoint e;
    for (const core::Endpoint& existing : m_endpoints)
        if (qs(existing.id) == m_editingId)
            e = existing;
    e.name = m_name->text().trimmed().toStdString();
    e.kind
        = core::parseEndpointKind(m_kind->currentData().toString().toStdString()).value_or(core::EndpointKind::OpenAi);
    e.baseUrl = m_baseUrl->text().trimmed().toStdString();
    e.remoteModel = m_remoteModel->text().trimmed().toStdString();
    const QString modelId = m_model->currentData().toString();
    e.modelId = modelId.isEmpty() ? std::nullopt : std::optional<std::string>(modelId.toStdString());
    e.secretRef = m_secretName->text().trimmed().toStdString();
    if (!e.settings.is_object()) // stored JSON of any shape: operator[] and erase() would throw on it
        e.settings = nlohmann::json::object();
    if (!m_region->text().trimmed().isEmpty())
        e.settings["region"] = m_region->text().trimmed().toStdString();
    else
        e.settings.erase("region");
    return e;
}

void EndpointsPanel::save()
{
    const core::Endpoint e = formEndpoint();
    const std::string key = m_apiKey->text().toStdString();
    if (!key.empty() && e.secretRef.empty()) {
        setStatus(tr("Give the API key a name first: the workspace stores only that name."), true);
        return;
    }
    core::SecretStore* secrets = &m_runs.secrets();
    m_apiKey->clear(); // the key does not stay in the form
    m_workspace.call<std::string>(
        this,
        [e, key, secrets](core::Db& db) -> core::Result<std::string> {
            core::ModelRepository repo(db, "assay-gui");
            std::string id = e.id;
            if (id.empty()) {
                auto created = repo.createEndpoint(e);
                if (!created)
                    return created.error();
                id = created->id;
            } else if (auto updated = repo.updateEndpoint(e); !updated) {
                return updated.error();
            }
            if (!key.empty())
                if (auto stored = secrets->set(e.secretRef, key); !stored)
                    return stored.error();
            return id;
        },
        [this, name = qs(e.name)](core::Result<std::string> r) {
            if (!r) {
                setStatus(tr("Not saved. %1").arg(qs(r.error().message)), true);
                return;
            }
            m_editingId = qs(*r);
            setStatus(tr("Saved %1.").arg(name), false);
            m_workspace.refresh();
        });
}

void EndpointsPanel::testConnection()
{
    const core::Endpoint e = formEndpoint();
    if (e.name.empty()) {
        setStatus(tr("Name the endpoint first."), true);
        return;
    }
    if (!m_apiKey->text().isEmpty()) {
        setStatus(tr("Save the endpoint first: its key is stored then, and the test uses the stored key."), true);
        return;
    }
    m_test->setEnabled(false);
    setStatus(tr("Testing %1…").arg(qs(e.name)), false);
    m_runs.testConnection(e);
}

void EndpointsPanel::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, error ? QColor(0xc6, 0x28, 0x28) : palette().color(QPalette::WindowText));
    m_status->setPalette(pal);
}

void EndpointsPanel::setSecretsDescription(const QString& text)
{
    m_secretsInfo->setText(tr("%1. The workspace stores only each key's name.").arg(text));
}

QString EndpointsPanel::statusText() const
{
    return m_status->text();
}

} // namespace assay::app
