// SPDX-License-Identifier: MIT
#include "catalogcontroller.h"

#include "workspacecontroller.h"

#include "util/ids.h"

#include <QLocale>

namespace assay::app {

namespace {
struct SaveResult {
    int number = 0;
    QStringList nearDuplicates;
};
} // namespace

CatalogController::CatalogController(WorkspaceController& workspace, QObject* parent)
    : QObject(parent)
    , m_workspace(workspace)
{
    qRegisterMetaType<PromptHistory>();
}

QString CatalogController::author()
{
    QString name = qEnvironmentVariable("USER");
    if (name.isEmpty())
        name = qEnvironmentVariable("USERNAME");
    return name.isEmpty() ? QStringLiteral("unknown") : name;
}

void CatalogController::loadHistory(const QString& promptId)
{
    const std::string id = promptId.toStdString();
    m_workspace.call<PromptHistory>(
        this,
        [id](core::Db& db) -> core::Result<PromptHistory> {
            core::PromptRepository repo(db);
            PromptHistory h;
            auto prompt = repo.get(id);
            if (!prompt)
                return prompt.error();
            h.prompt = std::move(*prompt);
            auto versions = repo.versions(id);
            if (!versions)
                return versions.error();
            h.versions = std::move(*versions);
            auto labels = repo.labels(id);
            if (!labels)
                return labels.error();
            h.labels = std::move(*labels);
            return h;
        },
        [this](core::Result<PromptHistory> r) {
            if (r)
                Q_EMIT historyLoaded(*r);
            else
                Q_EMIT failed(
                    tr("Could not read the prompt's history. %1").arg(QString::fromStdString(r.error().message)));
        });
}

void CatalogController::saveVersion(const QString& promptId, const core::PromptContent& content, const QString& message)
{
    const std::string id = promptId.toStdString();
    const std::string who = author().toStdString();
    m_workspace.call<SaveResult>(
        this,
        [id, content, who, msg = message.toStdString()](core::Db& db) -> core::Result<SaveResult> {
            core::PromptRepository repo(db, who);
            auto version = repo.saveVersion(id, content, who, msg);
            if (!version)
                return version.error();
            SaveResult result { version->number, {} };
            // The seeds' "avoid replications": warn when another prompt says nearly the same thing.
            if (auto dups = repo.nearDuplicates(content, id, 0.8))
                for (const core::NearDuplicate& d : *dups)
                    result.nearDuplicates
                        << tr("%1 (%2% similar)").arg(QString::fromStdString(d.name)).arg(qRound(d.similarity * 100));
            return result;
        },
        [this, promptId](core::Result<SaveResult> r) {
            if (!r) {
                Q_EMIT failed(tr("The version was not saved. %1").arg(QString::fromStdString(r.error().message)));
                return;
            }
            Q_EMIT saved(promptId, r->number, r->nearDuplicates);
            m_workspace.refresh();
            loadHistory(promptId);
        });
}

void CatalogController::createPrompt(const QString& name, const QString& folder, bool chain)
{
    const std::string who = author().toStdString();
    m_workspace.call<std::string>(
        this,
        [n = name.trimmed().toStdString(), f = folder.trimmed().toStdString(), chain, who](
            core::Db& db) -> core::Result<std::string> {
            core::Prompt meta;
            meta.name = n;
            meta.folder = f;
            meta.isChain = chain;
            core::PromptContent content;
            if (chain) {
                content.steps.push_back({ "first", { { "user", "{{question}}" } }, {} });
            } else {
                content.messages = { { "system", "You are a helpful assistant." }, { "user", "{{input}}" } };
            }
            auto v = core::PromptRepository(db, who).createPrompt(meta, content, who, "created");
            if (!v)
                return v.error();
            return v->promptId;
        },
        [this](core::Result<std::string> r) {
            if (!r) {
                Q_EMIT failed(tr("The prompt was not created. %1").arg(QString::fromStdString(r.error().message)));
                return;
            }
            const QString id = QString::fromStdString(*r);
            Q_EMIT saved(id, 1, {});
            m_workspace.refresh();
        });
}

void CatalogController::setLabel(const QString& promptId, const QString& label, int versionNumber)
{
    m_workspace.call<int>(
        this,
        [id = promptId.toStdString(), l = label.trimmed().toStdString(), versionNumber, who = author().toStdString()](
            core::Db& db) -> core::Result<int> {
            auto moved = core::PromptRepository(db, who).setLabel(id, l, versionNumber);
            if (!moved)
                return moved.error();
            return moved->versionNumber;
        },
        [this, promptId, label](core::Result<int> r) {
            if (!r) {
                Q_EMIT failed(tr("The label was not moved. %1").arg(QString::fromStdString(r.error().message)));
                return;
            }
            Q_EMIT labelMoved(promptId, label, *r);
            m_workspace.refresh();
            loadHistory(promptId);
        });
}

void CatalogController::search(const QString& query)
{
    const quint64 serial = ++m_searchSerial;
    m_workspace.call<std::vector<std::string>>(
        this,
        [q = query.toStdString()](core::Db& db) -> core::Result<std::vector<std::string>> {
            return core::PromptRepository(db).searchIds(q);
        },
        [this, serial, query](core::Result<std::vector<std::string>> r) {
            if (serial != m_searchSerial)
                return; // a newer query is on its way
            if (!r) {
                Q_EMIT failed(tr("Search failed. %1").arg(QString::fromStdString(r.error().message)));
                return;
            }
            QStringList ids;
            for (const std::string& id : *r)
                ids << QString::fromStdString(id);
            Q_EMIT searchFinished(query, ids);
        });
}

} // namespace assay::app
