// SPDX-License-Identifier: MIT
#pragma once

#include <QTableView>

namespace assay::widgets {

class CompareDelegate;

/// The comparison grid's view: fixed-height rows of wrapped text (CompareDelegate), movable and hideable output
/// columns, the input column optionally frozen at the left edge while the outputs scroll (an overlaid view of
/// column 0 sharing the model and selection, after Qt's "Frozen Column" example), keyboard navigation, and Copy
/// (Ctrl+C) of the selected cells as text: one cell as it is, several as tab-separated rows.
class CompareView : public QTableView {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    void setModel(QAbstractItemModel* model) override;
    void setFrozenInput(bool frozen);
    [[nodiscard]] bool frozenInput() const { return m_frozenOn; }
    void setLinesPerRow(int lines);
    [[nodiscard]] int linesPerRow() const;
    /// The selected cells' text in row, then visual column order.
    [[nodiscard]] QString selectedText() const;
    void copySelection();
    [[nodiscard]] CompareDelegate* compareDelegate() const { return m_delegate; }

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    QModelIndex moveCursor(CursorAction cursorAction, Qt::KeyboardModifiers modifiers) override;
    void scrollTo(const QModelIndex& index, ScrollHint hint = EnsureVisible) override;
    void updateGeometries() override;

private:
    void layoutFrozen();
    void syncFrozenColumns();

    CompareDelegate* m_delegate;
    QTableView* m_frozen;
    bool m_frozenOn = false;
};

} // namespace assay::widgets
