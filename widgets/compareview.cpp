// SPDX-License-Identifier: MIT
#include "compareview.h"

#include "comparedelegate.h"

#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QKeyEvent>
#include <QScrollBar>

#include <map>

namespace assay::widgets {

CompareView::CompareView(QWidget* parent)
    : QTableView(parent)
    , m_delegate(new CompareDelegate(this))
    , m_frozen(new QTableView(this))
{
    setItemDelegate(m_delegate);
    setWordWrap(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setSelectionBehavior(QAbstractItemView::SelectItems);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setTabKeyNavigation(false);
    horizontalHeader()->setSectionsMovable(true);
    horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setSortIndicatorShown(true);
    horizontalHeader()->setMinimumSectionSize(80);
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultAlignment(Qt::AlignRight | Qt::AlignTop);
    setSortingEnabled(false); // the page sorts on header clicks with its chosen key

    m_frozen->setItemDelegate(m_delegate);
    m_frozen->setFocusPolicy(Qt::NoFocus);
    m_frozen->verticalHeader()->hide();
    m_frozen->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_frozen->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_frozen->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_frozen->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_frozen->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_frozen->setFrameShape(QFrame::NoFrame);
    m_frozen->hide();
    viewport()->stackUnder(m_frozen);

    connect(horizontalHeader(), &QHeaderView::sectionResized, this, [this](int logical, int, int size) {
        if (logical == 0) {
            m_frozen->setColumnWidth(0, size);
            layoutFrozen();
        }
    });
    connect(horizontalHeader(), &QHeaderView::sectionMoved, this, [this] {
        if (m_frozenOn && horizontalHeader()->visualIndex(0) != 0)
            horizontalHeader()->moveSection(horizontalHeader()->visualIndex(0), 0);
    });
    connect(
        m_frozen->verticalScrollBar(), &QAbstractSlider::valueChanged, verticalScrollBar(), &QAbstractSlider::setValue);
    connect(
        verticalScrollBar(), &QAbstractSlider::valueChanged, m_frozen->verticalScrollBar(), &QAbstractSlider::setValue);

    m_fitTimer.setSingleShot(true);
    m_fitTimer.setInterval(0);
    connect(&m_fitTimer, &QTimer::timeout, this, &CompareView::fitVisibleRows);
    connect(verticalScrollBar(), &QAbstractSlider::valueChanged, this, &CompareView::scheduleFit);
    // A column resized, hidden (resized to 0) or shown changes what every row needs.
    connect(horizontalHeader(), &QHeaderView::sectionResized, this, &CompareView::invalidateFit);
    connect(verticalHeader(), &QHeaderView::sectionResized, this, [this](int row, int, int size) {
        if (!m_settingAllRows)
            m_frozen->setRowHeight(row, size);
    });
    setLinesPerRow(4);
}

void CompareView::setModel(QAbstractItemModel* model)
{
    QTableView::setModel(model);
    m_frozen->setModel(model);
    m_frozen->setSelectionModel(selectionModel());
    if (model) {
        connect(model, &QAbstractItemModel::columnsInserted, this, &CompareView::syncFrozenColumns);
        connect(model, &QAbstractItemModel::modelReset, this, &CompareView::syncFrozenColumns);
        connect(model, &QAbstractItemModel::layoutChanged, this, &CompareView::syncFrozenColumns);
        connect(model, &QAbstractItemModel::layoutChanged, this, &CompareView::invalidateFit);
        connect(model, &QAbstractItemModel::modelReset, this, &CompareView::invalidateFit);
        connect(model, &QAbstractItemModel::rowsInserted, this, &CompareView::invalidateFit);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &CompareView::invalidateFit);
        connect(model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& from, const QModelIndex& to) {
            // Streaming text: those rows may need more lines now.
            for (int r = from.row(); r <= to.row() && r < static_cast<int>(m_fitted.size()); ++r)
                m_fitted[static_cast<std::size_t>(r)] = 0;
            scheduleFit();
        });
    }
    invalidateFit();
    syncFrozenColumns();
}

void CompareView::invalidateFit()
{
    ++m_fitGeneration;
    m_fitted.assign(model() ? static_cast<std::size_t>(model()->rowCount()) : 0, 0);
    scheduleFit();
}

void CompareView::scheduleFit()
{
    if (!m_fitTimer.isActive())
        m_fitTimer.start();
}

void CompareView::fitVisibleRows()
{
    m_fitTimer.stop();
    if (!model())
        return;
    const int rows = model()->rowCount();
    const int columns = model()->columnCount();
    if (m_fitted.size() != static_cast<std::size_t>(rows))
        m_fitted.resize(static_cast<std::size_t>(rows), 0);
    int row = rowAt(0);
    if (row < 0)
        return;
    if (rowViewportPosition(row) < 0)
        ++row; // cut by the top edge: resizing it would move every row under the reader's eyes
    const QFont f = font();
    const int most = m_delegate->lines();
    // Rows that shrink bring more rows into view: the loop condition reads the positions as they change.
    for (; row < rows && rowViewportPosition(row) < viewport()->height(); ++row) {
        auto& fitted = m_fitted[static_cast<std::size_t>(row)];
        if (fitted == m_fitGeneration || isRowHidden(row))
            continue;
        int lines = 1;
        for (int c = 0; c < columns && lines < most; ++c)
            if (!isColumnHidden(c))
                lines = std::max(lines,
                    m_delegate->linesFor(model()->index(row, c).data(Qt::DisplayRole).toString(), f, columnWidth(c)));
        const int height = m_delegate->heightForLines(f, lines);
        if (rowHeight(row) != height)
            setRowHeight(row, height);
        fitted = m_fitGeneration;
    }
}

void CompareView::syncFrozenColumns()
{
    if (!model())
        return;
    for (int c = 1; c < model()->columnCount(); ++c)
        m_frozen->setColumnHidden(c, true);
    m_frozen->setColumnWidth(0, columnWidth(0));
    layoutFrozen();
}

void CompareView::setFrozenInput(bool frozen)
{
    m_frozenOn = frozen;
    if (frozen && horizontalHeader()->visualIndex(0) > 0)
        horizontalHeader()->moveSection(horizontalHeader()->visualIndex(0), 0);
    m_frozen->setVisible(frozen && !isColumnHidden(0));
    syncFrozenColumns();
}

void CompareView::setLinesPerRow(int lines)
{
    m_delegate->setLines(lines);
    const int h = m_delegate->rowHeight(font());
    // Both headers reset every row to the default (one sectionResized per row: not mirrored one by one).
    m_settingAllRows = true;
    verticalHeader()->setDefaultSectionSize(h);
    m_settingAllRows = false;
    const int one = m_delegate->heightForLines(font(), 1);
    verticalHeader()->setMinimumSectionSize(std::min(one, verticalHeader()->minimumSectionSize()));
    m_frozen->verticalHeader()->setMinimumSectionSize(std::min(one, m_frozen->verticalHeader()->minimumSectionSize()));
    m_frozen->verticalHeader()->setDefaultSectionSize(h);
    invalidateFit();
    viewport()->update();
    m_frozen->viewport()->update();
}

int CompareView::linesPerRow() const
{
    return m_delegate->lines();
}

void CompareView::layoutFrozen()
{
    if (!m_frozenOn)
        return;
    m_frozen->setGeometry(verticalHeader()->width() + frameWidth(), frameWidth(), columnWidth(0),
        viewport()->height() + horizontalHeader()->height());
    m_frozen->horizontalHeader()->setFixedHeight(horizontalHeader()->height());
    m_frozen->verticalScrollBar()->setValue(verticalScrollBar()->value());
}

void CompareView::resizeEvent(QResizeEvent* event)
{
    QTableView::resizeEvent(event);
    layoutFrozen();
    scheduleFit(); // a taller view shows more rows
}

void CompareView::updateGeometries()
{
    QTableView::updateGeometries();
    layoutFrozen();
}

QModelIndex CompareView::moveCursor(CursorAction cursorAction, Qt::KeyboardModifiers modifiers)
{
    QModelIndex current = QTableView::moveCursor(cursorAction, modifiers);
    if (m_frozenOn && cursorAction == MoveLeft && current.column() > 0
        && visualRect(current).topLeft().x() < columnWidth(0)) {
        const int newValue = horizontalScrollBar()->value() + visualRect(current).topLeft().x() - columnWidth(0);
        horizontalScrollBar()->setValue(newValue);
    }
    return current;
}

void CompareView::scrollTo(const QModelIndex& index, ScrollHint hint)
{
    if (!m_frozenOn || index.column() > 0) {
        QTableView::scrollTo(index, hint);
        return;
    }
    // Column 0 is always visible when frozen: scroll vertically only.
    QTableView::scrollTo(model()->index(index.row(), currentIndex().isValid() ? currentIndex().column() : 1), hint);
}

QString CompareView::selectedText() const
{
    const QModelIndexList indexes = selectionModel() ? selectionModel()->selectedIndexes() : QModelIndexList();
    if (indexes.isEmpty())
        return currentIndex().isValid() ? currentIndex().data(Qt::DisplayRole).toString() : QString();
    if (indexes.size() == 1)
        return indexes.first().data(Qt::DisplayRole).toString();
    std::map<int, std::map<int, QString>> rows; // row -> visual column -> text
    for (const QModelIndex& i : indexes)
        if (!isColumnHidden(i.column()))
            rows[i.row()][horizontalHeader()->visualIndex(i.column())] = i.data(Qt::DisplayRole).toString();
    QStringList lines;
    for (const auto& [row, cells] : rows) {
        QStringList fields;
        for (const auto& [column, text] : cells) {
            QString t = text;
            t.replace(QLatin1Char('\t'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' '));
            fields << t;
        }
        lines << fields.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n'));
}

void CompareView::copySelection()
{
    QApplication::clipboard()->setText(selectedText());
}

void CompareView::keyPressEvent(QKeyEvent* event)
{
    if (event == QKeySequence::Copy) {
        copySelection();
        event->accept();
        return;
    }
    QTableView::keyPressEvent(event);
}

} // namespace assay::widgets
