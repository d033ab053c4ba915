// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace assay::widgets {

/// Paints a comparison cell: the text wrapped over a fixed number of lines (the last one elided when more follows)
/// and, under it, the badge line (latency, TTFT, tokens, cost, scores; the label for the input column) in a smaller
/// font. Failed cells are tinted red, cancelled grey, streaming ones with the highlight colour, all derived from the
/// palette so dark themes stay readable. Only the visible lines are laid out, whatever the text's length.
class CompareDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit CompareDelegate(QObject* parent = nullptr);

    void setLines(int lines);
    [[nodiscard]] int lines() const { return m_lines; }
    /// The row height for @p font: the text lines, the badge line and the padding.
    [[nodiscard]] int rowHeight(const QFont& font) const;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_lines = 4;
};

} // namespace assay::widgets
