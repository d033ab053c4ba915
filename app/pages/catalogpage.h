// SPDX-License-Identifier: MIT
#pragma once

#include "page.h"

class QLabel;
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

class PromptFilterModel;

/// Catalog: the workspace's prompts by folder, with search-as-you-type, and the selected prompt's latest
/// version (template with highlighted {{variables}}, labels, tags).
class CatalogPage : public Page {
    Q_OBJECT
public:
    explicit CatalogPage(QWidget* parent = nullptr);
    ~CatalogPage() override;

    QString title() const override;
    QIcon icon() const override;
    void showWorkspace(const WorkspaceSnapshot* snapshot) override;

    QLineEdit* searchField() const { return m_search; }
    QTableView* listView() const { return m_list; }
    void selectPrompt(const QString& name);
    int visiblePromptCount() const;

private:
    void rebuildFolders();
    void showDetails();

    widgets::PromptListModel* m_model;
    PromptFilterModel* m_filter;
    QLineEdit* m_search;
    QTreeWidget* m_folders;
    QTableView* m_list;
    QLabel* m_detailTitle;
    QLabel* m_detailMeta;
    QLabel* m_detailDescription;
    QPlainTextEdit* m_template;
    widgets::EmptyState* m_empty;
    QStackedWidget* m_stack;
};

} // namespace assay::app
