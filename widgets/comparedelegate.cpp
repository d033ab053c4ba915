// SPDX-License-Identifier: MIT
#include "comparedelegate.h"

#include "models/comparemodel.h"

#include <QApplication>
#include <QPainter>
#include <QTextLayout>

namespace assay::widgets {

namespace {
constexpr int kPadX = 6;
constexpr int kPadY = 4;

QFont badgeFont(const QFont& base)
{
    QFont f = base;
    if (base.pointSizeF() > 0)
        f.setPointSizeF(base.pointSizeF() * 0.85);
    else
        f.setPixelSize(std::max(8, base.pixelSize() * 85 / 100));
    return f;
}

QColor mix(const QColor& a, const QColor& b, double t)
{
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1 - t) + b.redF() * t),
        static_cast<float>(a.greenF() * (1 - t) + b.greenF() * t),
        static_cast<float>(a.blueF() * (1 - t) + b.blueF() * t));
}
} // namespace

CompareDelegate::CompareDelegate(QObject* parent)
    : QStyledItemDelegate(parent)
{
}

void CompareDelegate::setLines(int lines)
{
    m_lines = std::clamp(lines, 1, 40);
}

int CompareDelegate::rowHeight(const QFont& font) const
{
    return heightForLines(font, m_lines);
}

int CompareDelegate::heightForLines(const QFont& font, int textLines) const
{
    // The table gives a cell its row height less the grid line; paint() fits whole lines into what remains.
    return std::max(1, textLines) * QFontMetrics(font).lineSpacing() + QFontMetrics(badgeFont(font)).height() + 2
        + 2 * kPadY + 1;
}

int CompareDelegate::linesFor(const QString& full, const QFont& font, int cellWidth) const
{
    if (full.isEmpty())
        return 1;
    const QFontMetrics fm(font);
    const int width = std::max(1, cellWidth - 1 - 2 * kPadX);
    const qsizetype perLine = width / std::max(1, fm.averageCharWidth()) + 1;
    // Three times what the lines hold at the average glyph width cannot fit in them, whatever the glyphs (the long
    // outputs of a big run take this path: no layout). At worst a row of very narrow glyphs gets a line to spare.
    if (full.size() >= static_cast<qsizetype>(m_lines) * perLine * 3)
        return m_lines;
    const qsizetype budget = static_cast<qsizetype>(m_lines) * perLine * 2;
    QString text = full.left(budget);
    text.replace(QLatin1Char('\n'), QChar::LineSeparator);
    text.replace(QLatin1Char('\t'), QLatin1Char(' '));
    QTextLayout layout(text, font);
    QTextOption to;
    to.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(to);
    layout.beginLayout();
    int lines = 0;
    while (lines < m_lines) {
        QTextLine line = layout.createLine();
        if (!line.isValid())
            break;
        line.setLineWidth(width);
        ++lines;
    }
    layout.endLayout();
    return std::max(1, lines);
}

QSize CompareDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const
{
    return { 40 * QFontMetrics(option.font).averageCharWidth(), rowHeight(option.font) };
}

void CompareDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QPalette& pal = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    const QString status = index.data(CompareModel::StatusRole).toString();
    QColor background = pal.color(QPalette::Base);
    if (status == QLatin1String("failed"))
        background = mix(background, QColor(220, 50, 47), 0.16);
    else if (status == QLatin1String("cancelled") || status == QLatin1String("pending"))
        background = mix(background, pal.color(QPalette::Mid), 0.18);
    else if (status == QLatin1String("streaming"))
        background = mix(background, pal.color(QPalette::Highlight), 0.10);
    if (selected)
        background = pal.color(QPalette::Highlight);
    painter->save();
    painter->fillRect(option.rect, background);
    if (option.state & QStyle::State_HasFocus) {
        painter->setPen(QPen(pal.color(selected ? QPalette::HighlightedText : QPalette::Highlight), 1, Qt::DotLine));
        painter->drawRect(option.rect.adjusted(1, 1, -2, -2));
    }

    const QFont font = option.font;
    const QFont small = badgeFont(font);
    const QFontMetrics fm(font);
    const QFontMetrics sfm(small);
    const QRect area = option.rect.adjusted(kPadX, kPadY, -kPadX, -kPadY);
    const QRect textRect(area.left(), area.top(), area.width(), area.height() - sfm.height() - 2);
    const QColor fg = pal.color(selected ? QPalette::HighlightedText : QPalette::Text);

    // Only as much text as the visible lines can hold is laid out (twice that, for short words and wide glyphs).
    const QString full = index.data(Qt::DisplayRole).toString();
    const int maxLines = std::max(1, textRect.height() / fm.lineSpacing());
    const qsizetype budget
        = static_cast<qsizetype>(maxLines) * (textRect.width() / std::max(1, fm.averageCharWidth()) + 1) * 2;
    QString text = full.left(budget);
    text.replace(QLatin1Char('\n'), QChar::LineSeparator);
    text.replace(QLatin1Char('\t'), QLatin1Char(' '));
    QTextLayout layout(text, font);
    QTextOption to;
    to.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(to);
    layout.beginLayout();
    int y = 0;
    int shown = 0;
    bool more = false;
    for (;;) {
        QTextLine line = layout.createLine();
        if (!line.isValid())
            break;
        line.setLineWidth(textRect.width());
        if (shown == maxLines) {
            more = true;
            break;
        }
        line.setPosition(QPointF(0, y));
        y += fm.lineSpacing();
        ++shown;
    }
    layout.endLayout();
    more = more || text.size() < full.size();
    painter->setPen(fg);
    painter->setFont(font);
    for (int i = 0; i < layout.lineCount() && i < shown; ++i) {
        const QTextLine line = layout.lineAt(i);
        const QPointF at(textRect.left(), textRect.top() + line.y());
        if (more && i == shown - 1) {
            QString rest = text.mid(line.textStart());
            rest.replace(QChar::LineSeparator, QLatin1Char(' '));
            painter->drawText(QRectF(at, QSizeF(textRect.width(), fm.lineSpacing())),
                Qt::AlignLeft | Qt::TextSingleLine,
                fm.elidedText(rest + QStringLiteral("…"), Qt::ElideRight, textRect.width()));
        } else {
            line.draw(painter, textRect.topLeft()); // draw() adds the line's own position
        }
    }

    const QString badge = index.data(CompareModel::BadgeRole).toString();
    if (!badge.isEmpty()) {
        QColor badgeColor = selected ? pal.color(QPalette::HighlightedText) : pal.color(QPalette::PlaceholderText);
        if (!selected && status == QLatin1String("failed"))
            badgeColor = mix(pal.color(QPalette::Text), QColor(220, 50, 47), 0.7);
        painter->setFont(small);
        painter->setPen(badgeColor);
        const QRect badgeRect(area.left(), area.bottom() - sfm.height() + 1, area.width(), sfm.height());
        painter->drawText(badgeRect, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
            sfm.elidedText(badge, Qt::ElideRight, area.width()));
    }
    painter->restore();
}

} // namespace assay::widgets
