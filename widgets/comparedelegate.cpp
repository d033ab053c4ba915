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

/// How many characters @p lines lines of @p width hold at the average glyph width.
qsizetype charsFor(const QFontMetrics& fm, int width, int lines)
{
    return static_cast<qsizetype>(lines) * (width / std::max(1, fm.averageCharWidth()) + 1);
}

/// The start of @p full that @p lines lines of @p width can show (twice what they hold at the average glyph width,
/// for short words and wide glyphs), laid out with word wrap; line breaks become line separators, tabs spaces.
/// Returns how many lines it takes, at most @p lines; @p more is set when text remains after them.
int layOut(QTextLayout& layout, const QString& full, int width, int lines, int lineSpacing, bool* more)
{
    QString text = full.left(charsFor(QFontMetrics(layout.font()), width, lines) * 2);
    const bool cut = text.size() < full.size();
    text.replace(QLatin1Char('\n'), QChar::LineSeparator);
    text.replace(QLatin1Char('\t'), QLatin1Char(' '));
    layout.setText(text);
    QTextOption to;
    to.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(to);
    layout.beginLayout();
    int shown = 0;
    bool beyond = false;
    for (;;) {
        QTextLine line = layout.createLine();
        if (!line.isValid())
            break;
        line.setLineWidth(width);
        if (shown == lines) {
            beyond = true;
            break;
        }
        line.setPosition(QPointF(0, shown * lineSpacing));
        ++shown;
    }
    layout.endLayout();
    if (more)
        *more = beyond || cut;
    return shown;
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
    // Three times what the lines hold at the average glyph width cannot fit in them, whatever the glyphs (the long
    // outputs of a big run take this path: no layout). At worst a row of very narrow glyphs gets a line to spare.
    if (full.size() >= charsFor(fm, width, m_lines) * 3)
        return m_lines;
    QTextLayout layout(QString(), font);
    return std::max(1, layOut(layout, full, width, m_lines, fm.lineSpacing(), nullptr));
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

    // Only as much text as the visible lines can hold is laid out.
    const QString full = index.data(Qt::DisplayRole).toString();
    const int maxLines = std::max(1, textRect.height() / fm.lineSpacing());
    QTextLayout layout(QString(), font);
    bool more = false;
    const int shown = layOut(layout, full, textRect.width(), maxLines, fm.lineSpacing(), &more);
    const QString text = layout.text();
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
