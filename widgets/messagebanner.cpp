// SPDX-License-Identifier: MIT
#include "messagebanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace assay::widgets {

MessageBanner::MessageBanner(QWidget* parent)
    : QWidget(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_close(new QToolButton(this))
{
    setObjectName(QStringLiteral("messageBanner"));
    setAutoFillBackground(true);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close->setText(tr("Dismiss"));
    m_close->setToolTip(tr("Hide this message"));
    m_close->setAutoRaise(true);
    connect(m_close, &QToolButton::clicked, this, [this] {
        hide();
        Q_EMIT dismissed();
    });
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_close, 0, Qt::AlignTop);
    hide();
}

void MessageBanner::showMessage(Kind kind, const QString& text)
{
    m_kind = kind;
    m_text->setText(text);
    const QStyle::StandardPixmap pixmap = kind == Kind::Error ? QStyle::SP_MessageBoxCritical
        : kind == Kind::Warning                               ? QStyle::SP_MessageBoxWarning
                                                              : QStyle::SP_MessageBoxInformation;
    m_icon->setPixmap(style()->standardIcon(pixmap).pixmap(QSize(20, 20)));
    applyColors();
    show();
}

QString MessageBanner::text() const
{
    return m_text->text();
}

void MessageBanner::applyColors()
{
    // Tinted from the current palette so the banner reads well in light and dark themes alike.
    const QPalette base = palette();
    const QColor accent = m_kind == Kind::Error ? QColor(0xd3, 0x2f, 0x2f)
        : m_kind == Kind::Warning               ? QColor(0xe0, 0x9a, 0x00)
                                                : QColor(0x1e, 0x78, 0xc8);
    const QColor window = base.color(QPalette::Window);
    QColor mixed;
    mixed.setRgbF(window.redF() * 0.82f + accent.redF() * 0.18f, window.greenF() * 0.82f + accent.greenF() * 0.18f,
        window.blueF() * 0.82f + accent.blueF() * 0.18f);
    QPalette p = base;
    p.setColor(QPalette::Window, mixed);
    setPalette(p);
}

} // namespace assay::widgets
