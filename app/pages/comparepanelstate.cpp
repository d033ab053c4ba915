// SPDX-License-Identifier: MIT
// ComparePanel's view state, saved per run in the settings: column order, widths and hidden columns (the header's
// state), row filter, text filter, sort key, lines per row and the frozen input column.
#include "comparepanel.h"

#include "compareview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>

namespace assay::app {

using RowFilter = widgets::CompareFilterModel::RowFilter;
using SortKey = widgets::CompareFilterModel::SortKey;

QString ComparePanel::settingsGroup() const
{
    return QStringLiteral("compare/runs/") + m_runId;
}

void ComparePanel::saveState()
{
    if (m_restoring || m_runId.isEmpty() || m_model->isEmpty())
        return;
    QSettings s;
    s.beginGroup(settingsGroup());
    s.setValue(QStringLiteral("header"), m_view->horizontalHeader()->saveState());
    s.setValue(QStringLiteral("show"), m_show->currentData());
    s.setValue(QStringLiteral("search"), m_search->text());
    s.setValue(QStringLiteral("regex"), m_regex->isChecked());
    s.setValue(QStringLiteral("sortKey"), m_sortBy->currentData());
    s.setValue(QStringLiteral("lines"), m_lines->value());
    s.setValue(QStringLiteral("frozen"), m_freeze->isChecked());
    s.setValue(QStringLiteral("columns"), m_model->columnCount());
}

void ComparePanel::restoreState()
{
    QSettings s;
    s.beginGroup(settingsGroup());
    QHeaderView* header = m_view->horizontalHeader();
    const bool saved = s.value(QStringLiteral("columns")).toInt() == m_model->columnCount();
    for (int c = 0; c < m_model->columnCount(); ++c)
        m_view->setColumnHidden(c, false);
    if (saved && header->restoreState(s.value(QStringLiteral("header")).toByteArray())) {
        m_filter->sort(header->sortIndicatorSection(), header->sortIndicatorOrder());
    } else {
        for (int v = 0; v < header->count(); ++v)
            header->moveSection(header->visualIndex(v), v);
        const int cols = std::max(1, m_model->columnCount() - 1);
        const int available = std::max(400, m_view->viewport()->width() - 240);
        m_view->setColumnWidth(0, 240);
        for (int c = 1; c < m_model->columnCount(); ++c)
            m_view->setColumnWidth(c, std::clamp(available / cols, 200, 520));
        header->setSortIndicator(-1, Qt::AscendingOrder);
        m_filter->sort(-1);
    }
    m_show->setCurrentIndex(std::max(0, m_show->findData(s.value(QStringLiteral("show"), 0))));
    m_filter->setRowFilter(static_cast<RowFilter>(m_show->currentData().toInt()));
    m_sortBy->setCurrentIndex(std::max(0, m_sortBy->findData(s.value(QStringLiteral("sortKey"), 0))));
    m_filter->setSortKey(static_cast<SortKey>(m_sortBy->currentData().toInt()));
    {
        const QSignalBlocker b1(m_search);
        const QSignalBlocker b2(m_regex);
        m_search->setText(s.value(QStringLiteral("search")).toString());
        m_regex->setChecked(s.value(QStringLiteral("regex"), false).toBool());
    }
    QString error;
    m_filter->setTextFilter(m_search->text(), m_regex->isChecked(), &error);
    m_searchError->setText(error);
    {
        const QSignalBlocker b(m_lines);
        m_lines->setValue(s.value(QStringLiteral("lines"), 4).toInt());
    }
    m_view->setLinesPerRow(m_lines->value());
    {
        const QSignalBlocker b(m_freeze);
        m_freeze->setChecked(s.value(QStringLiteral("frozen"), true).toBool());
    }
    m_view->setFrozenInput(m_freeze->isChecked());
    updateVisibleColumns(); // (saves nothing while restoring)
}

} // namespace assay::app
