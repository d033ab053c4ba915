// SPDX-License-Identifier: MIT
#pragma once

#include <QTableView>
#include <QTimer>

#include <cstdint>
#include <vector>

namespace assay::widgets {

class CompareDelegate;

/// The comparison grid's view: rows of wrapped text (CompareDelegate), each as tall as its longest visible cell needs
/// up to linesPerRow() lines (rows are fitted as they come into view, so a 10,000-row run costs what the screen
/// shows; a row cut by the top edge keeps its height until it is wholly in view, so nothing moves under the reader's
/// eyes), movable and hideable output
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
    /// The most lines of text a row shows; rows with less text are shorter.
    void setLinesPerRow(int lines);
    [[nodiscard]] int linesPerRow() const;
    /// Fits the rows in view now (it otherwise happens in the next pass of the event loop).
    void fitVisibleRows();
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
    /// Every row needs fitting again (column widths, hidden columns, lines, sorting or filtering changed).
    void invalidateFit();
    void scheduleFit();

    QTimer m_fitTimer;
    std::vector<std::uint32_t> m_fitted; ///< per view row: the fit generation it was fitted in
    std::uint32_t m_fitGeneration = 1;
    bool m_settingAllRows = false; ///< setLinesPerRow resets both headers itself

    CompareDelegate* m_delegate;
    QTableView* m_frozen;
    bool m_frozenOn = false;
};

} // namespace assay::widgets
