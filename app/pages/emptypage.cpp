// SPDX-License-Identifier: MIT
#include "emptypage.h"

#include "emptystate.h"
#include "pageheader.h"

#include <QVBoxLayout>

namespace assay::app {

EmptyPage::EmptyPage(Texts texts, QIcon icon, QWidget* parent)
    : Page(parent)
    , m_texts(std::move(texts))
    , m_icon(std::move(icon))
    , m_empty(new widgets::EmptyState(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new widgets::PageHeader(m_texts.title, m_texts.subtitle, this));
    layout->addWidget(m_empty, 1);
    m_empty->setIcon(m_icon);
    showWorkspace(nullptr);
}

void EmptyPage::showWorkspace(const WorkspaceSnapshot* snapshot)
{
    if (!snapshot) {
        m_empty->setTitle(tr("No workspace is open"));
        m_empty->setBody(tr("Open a workspace with File → Open, or create one with File → New."));
        return;
    }
    m_empty->setTitle(m_texts.emptyTitle);
    QString body = m_texts.emptyBody;
    if (body.contains(QLatin1String("%1")))
        body = body.arg(snapshot->count("dataset")).arg(snapshot->count("model")).arg(snapshot->count("prompt"));
    m_empty->setBody(body);
}

} // namespace assay::app
