// SPDX-License-Identifier: MIT
#include "comparefiltermodel.h"

#include "comparemodel.h"

#include <algorithm>
#include <thread>

namespace assay::widgets {

namespace {
using TextQuery = CompareFilterModel::TextQuery;

/// Whether row @p row of @p data matches @p q (any thread: reads only the snapshot). @p regex is the caller's own
/// compiled copy of the pattern.
bool rowMatches(const CompareData& data, int row, const TextQuery& q, const QRegularExpression& regex,
    const std::vector<std::size_t>& columns)
{
    auto hitText = [&](const QString& t) {
        return q.regex ? regex.match(t).hasMatch() : t.contains(q.text, Qt::CaseInsensitive);
    };
    auto hitUtf8 = [&](const std::string& t) {
        if (q.folded)
            return q.folded->in(t);
        if (q.prefilter && !q.prefilter->in(t))
            return false; // cannot match: skips the conversion and the expression
        return hitText(QString::fromStdString(t));
    };
    if (row < 0 || static_cast<std::size_t>(row) >= data.inputs.size())
        return false;
    if (hitText(data.inputs[static_cast<std::size_t>(row)]))
        return true;
    auto output = [&](std::size_t gridColumn) {
        const std::string* t = CompareModel::utf8(data, row, static_cast<int>(gridColumn));
        return t && hitUtf8(*t);
    };
    if (columns.empty()) {
        for (std::size_t c = 0; c < data.grid.columnCount(); ++c)
            if (output(c))
                return true;
        return false;
    }
    return std::any_of(columns.begin(), columns.end(), output);
}

QRegularExpression compiledCopy(const TextQuery& q)
{
    if (!q.regex)
        return {};
    QRegularExpression re(q.text, QRegularExpression::CaseInsensitiveOption);
    re.optimize();
    return re;
}
} // namespace

CompareFilterModel::CompareFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(CompareModel::GridRowRole);
    m_pool.setMaxThreadCount(std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8));
}

CompareFilterModel::~CompareFilterModel()
{
    cancelPass();
    m_pool.waitForDone(); // the workers stop at their next row once cancelled
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
        connect(model, &QAbstractItemModel::modelReset, this, [this] {
            // New data: the pass starts over on it; until it is done the rows pass the text filter.
            if (auto query = m_pending ? m_pending : m_applied)
                startPass(std::move(query));
        });
        connect(model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
                forgetRows(topLeft.row(), bottomRight.row());
            });
    }
    QSortFilterProxyModel::setSourceModel(model);
    if (auto query = m_pending ? m_pending : m_applied)
        startPass(std::move(query));
}

void CompareFilterModel::forgetRows(int first, int last)
{
    for (int r = std::max(0, first); r <= last && r < static_cast<int>(m_flags.size()); ++r)
        m_flags[static_cast<std::size_t>(r)].reset();
    if (!m_applied && !m_pending)
        return;
    if (last - first > 1000) {
        startPass(m_pending ? m_pending : m_applied); // e.g. every text arrived: one parallel pass
        return;
    }
    for (int r = std::max(0, first); r <= last && r < static_cast<int>(m_match.size()); ++r)
        m_match[static_cast<std::size_t>(r)] = -1;
    if (m_pending)
        for (int r = std::max(0, first); r <= last; ++r)
            m_changedDuringPass.push_back(r); // the pass read them before the change
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
    QRegularExpression re;
    if (regex && !text.isEmpty()) {
        re = QRegularExpression(text, QRegularExpression::CaseInsensitiveOption);
        if (!re.isValid()) {
            if (error)
                *error = tr("Not a valid regular expression: %1 (at character %2)")
                             .arg(re.errorString())
                             .arg(re.patternErrorOffset() + 1);
            return false;
        }
        re.optimize();
    }
    if (text == m_text && regex == m_isRegex)
        return true;
    m_text = text;
    m_isRegex = regex;
    if (text.isEmpty()) { // no pass needed: every row passes
        cancelPass();
        ++m_job;
        m_applied.reset();
        m_match.clear();
        refilter();
        Q_EMIT textFilterApplied();
        return true;
    }
    auto query = std::make_shared<TextQuery>();
    query->text = text;
    query->regex = regex;
    query->compiled = std::move(re);
    const QByteArray utf8 = text.toUtf8();
    const std::string_view bytes(utf8.constData(), static_cast<std::size_t>(utf8.size()));
    if (!regex && core::FoldedSearch::asciiOnly(bytes))
        query->folded.emplace(bytes);
    if (const std::string literal = regex ? core::requiredLiteral(bytes) : std::string(); !literal.empty())
        query->prefilter.emplace(literal);
    startPass(std::move(query));
    return true;
}

void CompareFilterModel::cancelPass()
{
    if (m_cancel)
        m_cancel->store(true);
    m_cancel.reset();
    m_pending.reset();
    m_changedDuringPass.clear();
}

void CompareFilterModel::startPass(std::shared_ptr<const TextQuery> query)
{
    cancelPass(); // its workers stop at their next row; nothing waits for them
    if (!m_compare)
        return;
    const std::uint64_t job = ++m_job;
    m_pending = query;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_cancel = cancel;
    std::shared_ptr<const CompareData> data = m_compare->snapshot();
    const int rows = static_cast<int>(data->grid.rowCount());
    auto match = std::make_shared<std::vector<signed char>>(static_cast<std::size_t>(rows), -1);
    const int threads = std::max(1, m_pool.maxThreadCount());
    const int chunk = std::max(1, (rows + threads - 1) / threads);
    const int chunks = rows == 0 ? 1 : (rows + chunk - 1) / chunk;
    auto left = std::make_shared<std::atomic<int>>(chunks);
    for (int t = 0; t < chunks; ++t) {
        m_pool.start([this, job, data, query, match, cancel, left, columns = m_columns, from = t * chunk,
                         to = std::min(rows, (t + 1) * chunk)] {
            const QRegularExpression regex = compiledCopy(*query); // each worker its own compiled expression
            for (int r = from; r < to && !cancel->load(std::memory_order_relaxed); ++r)
                (*match)[static_cast<std::size_t>(r)] = rowMatches(*data, r, *query, regex, columns) ? 1 : 0;
            // The last worker hands the result over (the counter orders every worker's writes before it).
            if (left->fetch_sub(1, std::memory_order_acq_rel) == 1 && !cancel->load())
                QMetaObject::invokeMethod(
                    this, [this, job, match] { finishPass(job, std::move(*match)); }, Qt::QueuedConnection);
        });
    }
}

void CompareFilterModel::finishPass(std::uint64_t job, std::vector<signed char> match)
{
    if (job != m_job)
        return; // a later request started another pass (or cleared the filter): this result is stale
    m_applied = std::move(m_pending);
    m_cancel.reset();
    m_match = std::move(match);
    for (int r : m_changedDuringPass)
        if (r >= 0 && static_cast<std::size_t>(r) < m_match.size())
            m_match[static_cast<std::size_t>(r)] = -1;
    m_changedDuringPass.clear();
    refilter();
    Q_EMIT textFilterApplied();
}

void CompareFilterModel::setVisibleGridColumns(std::vector<std::size_t> columns)
{
    if (columns == m_columns)
        return;
    m_columns = std::move(columns);
    m_flags.clear();
    if (auto query = m_pending ? m_pending : m_applied)
        startPass(std::move(query)); // the rows shown follow the old columns' matches until it is done
    if (m_rowFilter != RowFilter::All)
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

bool CompareFilterModel::matchesText(int sourceRow) const
{
    if (m_match.size() != static_cast<std::size_t>(m_compare->rowCount()))
        m_match.assign(static_cast<std::size_t>(m_compare->rowCount()), -1);
    auto& m = m_match[static_cast<std::size_t>(sourceRow)];
    if (m < 0) {
        if (m_pending)
            return true; // the pass in flight judges it (or, changed meanwhile, the next look after it)
        // A few rows whose cells changed: judged here, on the current data.
        m = rowMatches(*m_compare->snapshot(), sourceRow, *m_applied, m_applied->compiled, m_columns) ? 1 : 0;
    }
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
    return !m_applied || matchesText(sourceRow);
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
