// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace assay::widgets {

/// Paints a comparison cell: the text wrapped over at most lines() lines (the last one elided when more follows)
/// and, under it, the badge line (latency, TTFT, tokens, cost, scores; the label for the input column) in a smaller
/// font. Failed cells are tinted red, cancelled grey, streaming ones with the highlight colour, all derived from the
/// palette so dark themes stay readable. Only the visible lines are laid out, whatever the text's length.
class CompareDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit CompareDelegate(QObject* parent = nullptr);

    void setLines(int lines);
    [[nodiscard]] int lines() const { return m_lines; }
    /// The row height for @p font with lines() lines of text: the text, the badge line, the padding and the grid line.
    [[nodiscard]] int rowHeight(const QFont& font) const;
    /// The row height that shows @p textLines lines of text.
    [[nodiscard]] int heightForLines(const QFont& font, int textLines) const;
    /// How many lines @p text wraps to in a cell @p cellWidth wide (the column width), at least 1 and at most
    /// lines(). Only as much text as lines() lines can hold is laid out.
    [[nodiscard]] int linesFor(const QString& text, const QFont& font, int cellWidth) const;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_lines = 4;
};

} // namespace assay::widgets
