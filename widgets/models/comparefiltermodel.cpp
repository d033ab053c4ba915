// SPDX-License-Identifier: MIT
#include "comparefiltermodel.h"

#include "comparemodel.h"

#include <algorithm>
#include <thread>

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
    m_match.clear();
    // Connected before the proxy's own handlers, so the cached flags and matches are fresh when it re-filters.
    if (model) {
        connect(model, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
            m_flags.clear();
            m_match.clear();
        });
        connect(model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
                forgetRows(topLeft.row(), bottomRight.row());
            });
    }
    QSortFilterProxyModel::setSourceModel(model);
}

void CompareFilterModel::forgetRows(int first, int last)
{
    for (int r = std::max(0, first); r <= last && r < static_cast<int>(m_flags.size()); ++r)
        m_flags[static_cast<std::size_t>(r)].reset();
    if (m_text.isEmpty())
        return;
    if (last - first > 1000) {
        matchAll(); // e.g. every text arrived: one parallel pass rather than one row at a time
        return;
    }
    for (int r = std::max(0, first); r <= last && r < static_cast<int>(m_match.size()); ++r)
        m_match[static_cast<std::size_t>(r)] = -1;
}

void CompareFilterModel::refilter()
{
    // One layout change instead of invalidateFilter()'s removal and insertion per range of rows: with thousands of
    // scattered rows coming and going, the per-range signals (and the view's header bookkeeping for each) cost
    // several times the filtering itself.
    invalidate();
}

void CompareFilterModel::setRowFilter(RowFilter filter)
{
    if (filter == m_rowFilter)
        return;
    m_rowFilter = filter;
    refilter();
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
    const QByteArray utf8 = text.toUtf8();
    if (!regex
        && core::FoldedSearch::asciiOnly(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size()))))
        m_folded.emplace(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
    else
        m_folded.reset();
    const std::string literal = regex
        ? core::requiredLiteral(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())))
        : std::string();
    if (literal.empty())
        m_prefilter.reset();
    else
        m_prefilter.emplace(literal);
    m_match.clear();
    if (!m_text.isEmpty())
        matchAll();
    refilter();
    return true;
}

void CompareFilterModel::matchAll()
{
    if (!m_compare)
        return;
    const int rows = m_compare->rowCount();
    m_match.assign(static_cast<std::size_t>(rows), -1);
    const int threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8);
    const int chunk = (rows + threads - 1) / threads;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads && t * chunk < rows; ++t) {
        pool.emplace_back([this, from = t * chunk, to = std::min(rows, (t + 1) * chunk)] {
            // Each thread its own compiled expression; the model is only read (the GUI thread waits below).
            QRegularExpression regex;
            if (m_isRegex) {
                regex = QRegularExpression(m_text, QRegularExpression::CaseInsensitiveOption);
                regex.optimize();
            }
            for (int r = from; r < to; ++r)
                m_match[static_cast<std::size_t>(r)] = computeMatch(r, regex) ? 1 : 0;
        });
    }
    for (auto& th : pool)
        th.join();
}

void CompareFilterModel::setVisibleGridColumns(std::vector<std::size_t> columns)
{
    if (columns == m_columns)
        return;
    m_columns = std::move(columns);
    m_flags.clear();
    if (!m_text.isEmpty())
        matchAll();
    if (m_rowFilter != RowFilter::All || !m_text.isEmpty())
        refilter();
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

bool CompareFilterModel::computeMatch(int sourceRow, const QRegularExpression& regex) const
{
    auto hitText = [&](const QString& t) {
        return m_isRegex ? regex.match(t).hasMatch() : t.contains(m_text, Qt::CaseInsensitive);
    };
    auto hitUtf8 = [&](const std::string& t) {
        if (m_folded)
            return m_folded->in(t);
        if (m_prefilter && !m_prefilter->in(t))
            return false; // cannot match: skips the conversion and the expression
        return hitText(QString::fromStdString(t));
    };
    if (hitText(m_compare->text(sourceRow, 0)))
        return true;
    auto output = [&](int gridColumn) {
        const std::string* t = m_compare->utf8(sourceRow, gridColumn);
        return t && hitUtf8(*t);
    };
    if (m_columns.empty()) {
        for (int c = 0; c + 1 < m_compare->columnCount(); ++c)
            if (output(c))
                return true;
        return false;
    }
    for (std::size_t c : m_columns)
        if (output(static_cast<int>(c)))
            return true;
    return false;
}

bool CompareFilterModel::matchesText(int sourceRow) const
{
    if (m_match.size() != static_cast<std::size_t>(m_compare->rowCount()))
        m_match.assign(static_cast<std::size_t>(m_compare->rowCount()), -1);
    auto& m = m_match[static_cast<std::size_t>(sourceRow)];
    if (m < 0)
        m = computeMatch(sourceRow, m_regex) ? 1 : 0;
    return m == 1;
}

bool CompareFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (!m_compare || sourceParent.isValid())
        return true;
    if (!m_compare->grid().textsComplete() && (m_rowFilter != RowFilter::All && m_rowFilter != RowFilter::Failed))
        return true; // outputs are still being read: judged when they arrive
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
