// SPDX-License-Identifier: MIT
#include "emptystate.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace assay::widgets {

EmptyState::EmptyState(QWidget* parent)
    : QWidget(parent)
    , m_icon(new QLabel(this))
    , m_title(new QLabel(this))
    , m_body(new QLabel(this))
    , m_action(new QPushButton(this))
{
    setObjectName(QStringLiteral("emptyState"));
    m_icon->setAlignment(Qt::AlignCenter);
    m_title->setAlignment(Qt::AlignCenter);
    m_title->setWordWrap(true);
    m_title->setObjectName(QStringLiteral("emptyStateTitle"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_body->setAlignment(Qt::AlignCenter);
    m_body->setWordWrap(true);
    m_body->setTextFormat(Qt::PlainText);
    m_body->setForegroundRole(QPalette::PlaceholderText);
    m_action->hide();
    connect(m_action, &QPushButton::clicked, this, &EmptyState::actionTriggered);

    // The texts sit in a column of bounded width, centred; wrapped labels inside a layout without alignment
    // flags get their height for the column's width (with alignment flags they would be clipped).
    auto* column = new QWidget(this);
    column->setMaximumWidth(540);
    column->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    auto* texts = new QVBoxLayout(column);
    texts->setContentsMargins(0, 0, 0, 0);
    texts->addWidget(m_icon);
    texts->addSpacing(8);
    texts->addWidget(m_title);
    texts->addWidget(m_body);
    texts->addSpacing(12);
    texts->addWidget(m_action, 0, Qt::AlignHCenter);

    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 4);
    row->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addLayout(row);
    layout->addStretch(3);
}

void EmptyState::setIcon(const QIcon& icon)
{
    m_icon->setPixmap(icon.pixmap(QSize(64, 64)));
}
void EmptyState::setTitle(const QString& title)
{
    m_title->setText(title);
}
void EmptyState::setBody(const QString& body)
{
    m_body->setText(body);
}

void EmptyState::setActionText(const QString& text)
{
    m_action->setText(text);
    m_action->setVisible(!text.isEmpty());
}

QString EmptyState::title() const
{
    return m_title->text();
}
QString EmptyState::body() const
{
    return m_body->text();
}

} // namespace assay::widgets
