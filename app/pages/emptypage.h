// SPDX-License-Identifier: MIT
#pragma once

#include "page.h"

namespace assay::widgets {
class EmptyState;
class PageHeader;
} // namespace assay::widgets

namespace assay::app {

/// A page whose feature holds nothing yet in this workspace: a header and an honest empty state that says what
/// will appear here and where it comes from. Used by Compare, Evaluate, Review and Decide until they have content.
class EmptyPage : public Page {
    Q_OBJECT
public:
    struct Texts {
        QString title;
        QString subtitle;
        QString emptyTitle;
        QString emptyBody; ///< may use %1 = datasets, %2 = models, %3 = prompts in the workspace
    };

    EmptyPage(Texts texts, QIcon icon, QWidget* parent = nullptr);

    QString title() const override { return m_texts.title; }
    QIcon icon() const override { return m_icon; }
    void showWorkspace(const WorkspaceSnapshot* snapshot) override;

private:
    Texts m_texts;
    QIcon m_icon;
    widgets::EmptyState* m_empty;
};

} // namespace assay::app
