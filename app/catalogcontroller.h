// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"
#include "storage/promptrepository.h"

#include <QObject>
#include <QString>

#include <vector>

namespace assay::app {

class WorkspaceController;

/// A prompt's full history as the editor shows it.
struct PromptHistory {
    core::Prompt prompt;
    std::vector<core::PromptVersion> versions; ///< oldest first
    std::vector<core::PromptLabel> labels;
};

/// The Catalog page's link to the catalog: loads a prompt's history, saves versions, moves labels and creates
/// prompts, all on the workspace thread (WorkspaceController::call). Results come back as signals.
/// Thread affinity: GUI thread.
class CatalogController : public QObject {
    Q_OBJECT
public:
    explicit CatalogController(WorkspaceController& workspace, QObject* parent = nullptr);

    void loadHistory(const QString& promptId);
    /// Saves @p content as the next version of @p promptId. Near-duplicates of other prompts (similarity ≥ 0.8)
    /// come back with the saved version as a warning; they do not stop the save.
    void saveVersion(const QString& promptId, const core::PromptContent& content, const QString& message);
    void createPrompt(const QString& name, const QString& folder, bool chain);
    void setLabel(const QString& promptId, const QString& label, int versionNumber);
    /// Full-text search (FTS5, prefix matching) over names, texts, tags and descriptions. The latest request
    /// wins: results of an older query are dropped.
    void search(const QString& query);

    /// Who saves: the login name (recorded as the version's author).
    static QString author();

Q_SIGNALS:
    void historyLoaded(const assay::app::PromptHistory& history);
    void saved(const QString& promptId, int versionNumber, const QStringList& nearDuplicates);
    void labelMoved(const QString& promptId, const QString& label, int versionNumber);
    void failed(const QString& message);
    void searchFinished(const QString& query, const QStringList& promptIds);

private:
    WorkspaceController& m_workspace;
    quint64 m_searchSerial = 0;
};

} // namespace assay::app

Q_DECLARE_METATYPE(assay::app::PromptHistory)
