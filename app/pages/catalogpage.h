// SPDX-License-Identifier: MIT
#pragma once

#include "page.h"

#include <QMessageBox>

#include <functional>

class QLabel;
class QTabWidget;
class QLineEdit;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;
class QTreeWidget;

namespace assay::widgets {
class EmptyState;
class PromptListModel;
} // namespace assay::widgets

namespace assay::app {

class CatalogController;
class PromptEditor;
class PromptFilterModel;
class PromptPreview;
class VersionHistory;
struct PromptHistory;

/// Catalog: the workspace's prompts by folder, with search-as-you-type, and the selected prompt's latest
/// version in an editor ({{variable}} highlighting, live validation), a variables panel with the rendered
/// preview, and the version history with a side-by-side diff and label management.
/// Shortcuts: Ctrl+Shift+N new prompt, Ctrl+S save, Ctrl+F find, Alt+Down / Alt+Up next / previous prompt.
class CatalogPage : public Page {
    Q_OBJECT
public:
    CatalogPage(CatalogController& controller, QWidget* parent = nullptr);
    ~CatalogPage() override;

    QString title() const override;
    QIcon icon() const override;
    void showWorkspace(const WorkspaceSnapshot* snapshot) override;

    QLineEdit* searchField() const { return m_search; }
    QTableView* listView() const { return m_list; }
    void selectPrompt(const QString& name);
    QString selectedPromptId() const { return m_currentId; }
    /// The prompt whose history the editor shows (empty while it loads).
    QString loadedPromptId() const { return m_loadedId; }
    int visiblePromptCount() const;
    void selectNext(int delta);
    /// Shows only the prompts in @p scope: "" (all), "folder:<path>", "tag:<tag>" or "label:<label>".
    void setScope(const QString& scope);
    /// Creates a prompt (a dialog asks for the name when @p name is empty) in the selected folder.
    void newPrompt(const QString& name = {}, bool chain = false);
    void save();

    PromptEditor* editor() const { return m_editor; }
    PromptPreview* preview() const { return m_preview; }
    VersionHistory* history() const { return m_history; }
    QTabWidget* tabs() const { return m_tabs; }
    QString notice() const;

    /// Asks what to do with unsaved edits (Save, Discard or Cancel); tests replace the dialog.
    using UnsavedQuestion = std::function<QMessageBox::StandardButton(const QString& promptName)>;
    void setUnsavedQuestion(UnsavedQuestion question) { m_askUnsaved = std::move(question); }
    /// True when it is fine to leave the current prompt (saved, discarded, or nothing changed).
    bool maybeLeavePrompt();

Q_SIGNALS:
    /// A search-as-you-type result is shown (benchmarks and tests wait for it).
    void searchApplied(const QString& query, int visible);

private:
    void rebuildFolders();
    void showDetails();
    void onCurrentChanged(const QModelIndex& current, const QModelIndex& previous);
    void onHistoryLoaded(const PromptHistory& history);
    void setNotice(const QString& text, bool error);
    QString currentFolder() const;
    QString currentScope() const;

    CatalogController& m_controller;
    QString m_currentId;
    QString m_loadedId;
    UnsavedQuestion m_askUnsaved;
    bool m_reverting = false;
    widgets::PromptListModel* m_model;
    PromptFilterModel* m_filter;
    QLineEdit* m_search;
    QTreeWidget* m_folders;
    QTableView* m_list;
    QLabel* m_detailTitle;
    QLabel* m_detailMeta;
    QLabel* m_detailDescription;
    QLabel* m_notice;
    QTabWidget* m_tabs;
    PromptEditor* m_editor;
    PromptPreview* m_preview;
    VersionHistory* m_history;
    widgets::EmptyState* m_empty;
    QStackedWidget* m_stack;
};

} // namespace assay::app
