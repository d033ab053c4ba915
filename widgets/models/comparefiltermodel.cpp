// SPDX-License-Identifier: MIT
#include "comparefiltermodel.h"

#include "comparemodel.h"

namespace assay::widgets {

CompareFilterModel::CompareFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(CompareModel::GridRowRole);
}

void CompareFilterModel::setSourceModel(QAbstractItemModel* model)
{
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    m_compare = qobject_cast<CompareModel*>(model);
    m_flags.clear();
    QSortFilterProxyModel::setSourceModel(model);
    if (!model)
        return;
    connect(model, &QAbstractItemModel::modelReset, this, [this] { m_flags.clear(); });
    connect(model, &QAbstractItemModel::dataChanged, this,
        [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
            forgetFlags(topLeft.row(), bottomRight.row());
        });
}

void CompareFilterModel::forgetFlags(int first, int last)
{
    for (int r = std::max(0, first); r <= last && r < static_cast<int>(m_flags.size()); ++r)
        m_flags[static_cast<std::size_t>(r)].reset();
}

void CompareFilterModel::setRowFilter(RowFilter filter)
{
    if (filter == m_rowFilter)
        return;
    m_rowFilter = filter;
    invalidateFilter();
}

bool CompareFilterModel::setTextFilter(const QString& text, bool regex, QString* error)
{
    if (regex && !text.isEmpty()) {
        QRegularExpression re(text, QRegularExpression::CaseInsensitiveOption);
        if (!re.isValid()) {
            if (error)
                *error = tr("Not a valid regular expression: %1 (at character %2)")
                             .arg(re.errorString())
                             .arg(re.patternErrorOffset() + 1);
            return false;
        }
        re.optimize();
        m_regex = std::move(re);
    }
    if (text == m_text && regex == m_isRegex)
        return true;
    m_text = text;
    m_isRegex = regex;
    invalidateFilter();
    return true;
}

void CompareFilterModel::setVisibleGridColumns(std::vector<std::size_t> columns)
{
    if (columns == m_columns)
        return;
    m_columns = std::move(columns);
    m_flags.clear();
    if (m_rowFilter != RowFilter::All || !m_text.isEmpty())
        invalidateFilter();
}

void CompareFilterModel::setSortKey(SortKey key)
{
    m_sortKey = key;
    if (sortColumn() >= 0)
        invalidate();
}

const core::RowFlags& CompareFilterModel::flagsOf(int sourceRow) const
{
    if (m_flags.size() != static_cast<std::size_t>(m_compare->rowCount()))
        m_flags.assign(static_cast<std::size_t>(m_compare->rowCount()), std::nullopt);
    auto& f = m_flags[static_cast<std::size_t>(sourceRow)];
    if (!f)
        f = core::rowFlags(m_compare->grid(), static_cast<std::size_t>(sourceRow), m_columns);
    return *f;
}

bool CompareFilterModel::matchesText(int sourceRow) const
{
    auto hit = [&](const QString& t) {
        return m_isRegex ? m_regex.match(t).hasMatch() : t.contains(m_text, Qt::CaseInsensitive);
    };
    if (hit(m_compare->text(sourceRow, 0)))
        return true;
    if (m_columns.empty()) {
        for (int c = 1; c < m_compare->columnCount(); ++c)
            if (hit(m_compare->text(sourceRow, c)))
                return true;
        return false;
    }
    for (std::size_t c : m_columns)
        if (hit(m_compare->text(sourceRow, static_cast<int>(c) + 1)))
            return true;
    return false;
}

bool CompareFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (!m_compare || sourceParent.isValid())
        return true;
    switch (m_rowFilter) {
    case RowFilter::All:
        break;
    case RowFilter::Differ:
        if (!flagsOf(sourceRow).differ)
            return false;
        break;
    case RowFilter::Failed:
        if (!flagsOf(sourceRow).failed)
            return false;
        break;
    case RowFilter::Disagree:
        if (!flagsOf(sourceRow).disagree)
            return false;
        break;
    }
    return m_text.isEmpty() || matchesText(sourceRow);
}

bool CompareFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    auto value = [&](const QModelIndex& i) -> QVariant {
        switch (m_sortKey) {
        case SortKey::Row:
            return i.row();
        case SortKey::Status:
            return i.data(CompareModel::StatusRole);
        case SortKey::Latency:
            return i.data(CompareModel::LatencyRole);
        case SortKey::Ttft:
            return i.data(CompareModel::TtftRole);
        case SortKey::TokensIn:
            return i.data(CompareModel::TokensInRole);
        case SortKey::TokensOut:
            return i.data(CompareModel::TokensOutRole);
        case SortKey::Cost:
            return i.data(CompareModel::CostRole);
        case SortKey::Length:
            return i.data(CompareModel::LengthRole);
        case SortKey::Text:
            return i.data(Qt::DisplayRole);
        }
        return {};
    };
    const QVariant a = value(left);
    const QVariant b = value(right);
    // Cells without the value go last whichever way the column is sorted; ties keep the grid order.
    if (a.isValid() != b.isValid())
        return (sortOrder() == Qt::AscendingOrder) == a.isValid();
    if (!a.isValid())
        return left.row() < right.row();
    const auto order = QVariant::compare(a, b);
    if (order == QPartialOrdering::Equivalent)
        return left.row() < right.row();
    if (m_sortKey == SortKey::Text)
        return QString::localeAwareCompare(a.toString(), b.toString()) < 0;
    return order == QPartialOrdering::Less;
}

} // namespace assay::widgets
