// SPDX-License-Identifier: MIT
#include "comparemodel.h"

#include <QLocale>

#include <set>

namespace assay::widgets {

namespace {
QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString ms(double v)
{
    if (v >= 10'000)
        return QStringLiteral("%1 s").arg(QLocale().toString(v / 1000.0, 'f', 1));
    if (v >= 1000)
        return QStringLiteral("%1 s").arg(QLocale().toString(v / 1000.0, 'f', 2));
    return QStringLiteral("%1 ms").arg(qRound(v));
}

QString money(double v)
{
    if (v == 0)
        return QStringLiteral("$0");
    return QStringLiteral("$%1").arg(QLocale().toString(v, 'f', v < 0.01 ? 5 : (v < 1 ? 4 : 2)));
}

QString cellText(const core::RunCell& c)
{
    return qs(c.status == core::CellStatus::Ok ? c.output : c.error);
}
} // namespace

CompareData CompareData::prepare(core::CompareGrid grid)
{
    CompareData d;
    const std::size_t rows = grid.rowCount();
    const std::size_t cols = grid.columnCount();
    d.inputs.reserve(rows);
    for (const auto& row : grid.rows())
        d.inputs.push_back(qs(core::CompareGrid::inputText(row)));
    for (std::size_t c = 0; c < cols; ++c)
        d.summaries.push_back(core::summarizeColumn(grid, c));
    d.grid = std::move(grid);
    return d;
}

CompareModel::CompareModel(QObject* parent)
    : QAbstractTableModel(parent)
    , m_data(std::make_shared<CompareData>())
{
}

void CompareModel::setData(CompareData data)
{
    beginResetModel();
    m_data = std::make_shared<CompareData>(std::move(data)); // snapshots taken before keep the old data
    m_streaming.clear();
    endResetModel();
}

void CompareModel::clear()
{
    setData(CompareData {});
}

const core::ColumnSummary& CompareModel::summary(int gridColumn) const
{
    return m_data->summaries.at(static_cast<std::size_t>(gridColumn));
}

std::size_t CompareModel::slot(int row, int gridColumn) const
{
    return static_cast<std::size_t>(row) * m_data->grid.columnCount() + static_cast<std::size_t>(gridColumn);
}

QString CompareModel::text(int row, int column) const
{
    if (row < 0 || row >= rowCount() || column < 0 || column >= columnCount())
        return {};
    if (column == 0)
        return m_data->inputs[static_cast<std::size_t>(row)];
    if (const auto it = m_streaming.find(slot(row, column - 1)); it != m_streaming.end())
        return it->second;
    const core::RunCell* c = m_data->grid.cell(static_cast<std::size_t>(row), static_cast<std::size_t>(column - 1));
    return c ? cellText(*c) : QString();
}

const std::string* CompareModel::utf8(int row, int gridColumn) const
{
    return utf8(*m_data, row, gridColumn);
}

const std::string* CompareModel::utf8(const CompareData& data, int row, int gridColumn)
{
    if (row < 0 || gridColumn < 0 || static_cast<std::size_t>(row) >= data.grid.rowCount()
        || static_cast<std::size_t>(gridColumn) >= data.grid.columnCount())
        return nullptr;
    const core::RunCell* c = data.grid.cell(static_cast<std::size_t>(row), static_cast<std::size_t>(gridColumn));
    if (!c || !data.grid.hasText(static_cast<std::size_t>(row), static_cast<std::size_t>(gridColumn)))
        return nullptr;
    return c->status == core::CellStatus::Ok ? &c->output : &c->error;
}

CompareData& CompareModel::mutableData()
{
    // Copy on write: a snapshot still read on a worker thread keeps the data it was taken of.
    if (m_data.use_count() > 1)
        m_data = std::make_shared<CompareData>(*m_data);
    return *m_data;
}

void CompareModel::applyDeltas(const std::vector<CompareDelta>& deltas)
{
    int top = -1;
    int bottom = -1;
    int left = -1;
    int right = -1;
    for (const auto& d : deltas) {
        const auto at = m_data->grid.locate(d.cellKey);
        if (!at)
            continue;
        const auto [r, c] = *at;
        const std::size_t s = slot(static_cast<int>(r), static_cast<int>(c));
        if (m_data->grid.cell(r, c) && !m_streaming.count(s) && !d.restart)
            continue; // a late piece of a committed cell; a re-run's first piece (restart) starts it over
        QString& streamed = m_streaming[s];
        if (d.restart)
            streamed.clear();
        streamed += QString::fromUtf8(d.text.data(), static_cast<qsizetype>(d.text.size()));
        const int row = static_cast<int>(r);
        const int col = static_cast<int>(c) + 1;
        top = top < 0 ? row : std::min(top, row);
        bottom = std::max(bottom, row);
        left = left < 0 ? col : std::min(left, col);
        right = std::max(right, col);
    }
    if (top >= 0)
        Q_EMIT dataChanged(index(top, left), index(bottom, right));
}

int CompareModel::applyCells(std::vector<core::RunCell> cells)
{
    std::set<std::size_t> columns;
    int placed = 0;
    for (auto& cell : cells) {
        const auto at = mutableData().grid.setCell(std::move(cell)); // each time: a slot may snapshot meanwhile
        if (!at)
            continue;
        const auto [r, c] = *at;
        m_streaming.erase(slot(static_cast<int>(r), static_cast<int>(c)));
        columns.insert(c);
        ++placed;
        const QModelIndex i = index(static_cast<int>(r), static_cast<int>(c) + 1);
        Q_EMIT dataChanged(i, i);
    }
    for (std::size_t c : columns) {
        CompareData& d = mutableData();
        d.summaries[c] = core::summarizeColumn(d.grid, c);
        Q_EMIT headerDataChanged(Qt::Horizontal, static_cast<int>(c) + 1, static_cast<int>(c) + 1);
    }
    return placed;
}

void CompareModel::applyTexts(std::vector<core::RunRepository::CellText> texts, bool complete)
{
    mutableData().grid.setTexts(std::move(texts), complete);
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 1), index(rowCount() - 1, columnCount() - 1));
}

QString CompareModel::badge(int row, int column) const
{
    const auto& rows = m_data->grid.rows();
    if (row < 0 || row >= rowCount())
        return {};
    if (column == 0) {
        const auto& r = rows[static_cast<std::size_t>(row)];
        QString out = r.repeat > 0 ? tr("input %1 · repeat %2").arg(r.number).arg(r.repeat + 1) : QString();
        if (r.expected)
            out += (out.isEmpty() ? QString() : QStringLiteral(" · ")) + tr("label: %1").arg(qs(*r.expected));
        return out;
    }
    const auto gr = static_cast<std::size_t>(row);
    const auto gc = static_cast<std::size_t>(column - 1);
    const core::RunCell* c = m_data->grid.cell(gr, gc);
    if (m_streaming.count(slot(row, column - 1)))
        return tr("streaming…");
    if (!c)
        return tr("pending");
    QStringList parts;
    if (!m_data->grid.hasText(gr, gc))
        parts << tr("reading text…");
    if (c->status != core::CellStatus::Ok)
        parts << (c->status == core::CellStatus::Failed ? tr("✗ failed") : tr("cancelled"));
    if (c->latencyMs)
        parts << ms(*c->latencyMs);
    if (c->ttftMs)
        parts << tr("TTFT %1").arg(ms(*c->ttftMs));
    if (c->tokensIn || c->tokensOut)
        parts << tr("%1→%2 tok").arg(c->tokensIn.value_or(0)).arg(c->tokensOut.value_or(0));
    if (c->cost)
        parts << money(*c->cost);
    if (const core::CellEvaluation* e = m_data->grid.evaluation(gr, gc)) {
        for (const auto& s : e->scores)
            parts << QStringLiteral("%1 %2").arg(qs(s.metric), QLocale().toString(s.value, 'f', 2));
        for (const auto& v : e->verdicts)
            if (v.score)
                parts << tr("judge %1/%2").arg(QLocale().toString(*v.score, 'g', 3), QLocale().toString(v.scaleMax));
        double ratingSum = 0;
        int ratingCount = 0;
        for (const auto& rating : e->ratings)
            if (!rating.pairCellId) {
                ratingSum += rating.value;
                ++ratingCount;
            }
        if (ratingCount > 0)
            parts << tr("rated %1 (%n review(s))", nullptr, ratingCount)
                         .arg(QLocale().toString(ratingSum / ratingCount, 'f', 1));
    }
    const auto& expected = m_data->grid.rows()[gr].expected;
    if (expected && c->status == core::CellStatus::Ok && m_data->grid.hasText(gr, gc))
        parts << (core::matchesLabel(c->output, *expected) ? tr("= label") : tr("≠ label"));
    return parts.join(QStringLiteral(" · "));
}

QString CompareModel::headerText(int gridColumn) const
{
    const auto& col = m_data->grid.columns().at(static_cast<std::size_t>(gridColumn));
    const core::ColumnSummary& s = summary(gridColumn);
    QStringList parts;
    if (s.successRate)
        parts << tr("✓ %1 %").arg(QLocale().toString(*s.successRate * 100, 'f', 0));
    else
        parts << tr("no results yet");
    if (s.p50LatencyMs)
        parts << tr("p50 %1").arg(ms(*s.p50LatencyMs));
    if (s.tokensPerSecond)
        parts << tr("%1 tok/s").arg(QLocale().toString(*s.tokensPerSecond, 'f', 0));
    if (s.costKnown)
        parts << money(s.cost);
    return qs(col.title) + QLatin1Char('\n') + parts.join(QStringLiteral(" · "));
}

QString CompareModel::summaryText(int gridColumn) const
{
    const auto& col = m_data->grid.columns().at(static_cast<std::size_t>(gridColumn));
    const core::ColumnSummary& s = summary(gridColumn);
    auto opt = [](const std::optional<double>& v) { return v ? ms(*v) : QStringLiteral("—"); };
    QStringList lines;
    lines << tr("%1 (prompt %2, version %3)").arg(qs(col.title), qs(col.promptReference)).arg(col.promptNumber);
    lines << tr("%1 ok, %2 failed, %3 cancelled, %4 pending of %5")
                 .arg(s.ok)
                 .arg(s.failed)
                 .arg(s.cancelled)
                 .arg(s.missing)
                 .arg(s.planned);
    lines << tr("Success rate: %1")
                 .arg(s.successRate ? QStringLiteral("%1 %").arg(QLocale().toString(*s.successRate * 100, 'f', 1))
                                    : QStringLiteral("—"));
    lines
        << tr("Latency: mean %1 · p50 %2 · p95 %3").arg(opt(s.meanLatencyMs), opt(s.p50LatencyMs), opt(s.p95LatencyMs));
    lines << tr("Time to first token p50: %1").arg(opt(s.p50TtftMs));
    lines << tr("Generation: %1 tokens/s")
                 .arg(s.tokensPerSecond ? QLocale().toString(*s.tokensPerSecond, 'f', 1) : QStringLiteral("—"));
    lines << tr("Tokens: %1 in, %2 out").arg(s.tokensIn).arg(s.tokensOut);
    lines << tr("Cost: %1").arg(s.costKnown ? money(s.cost) : tr("not reported"));
    for (const auto& m : s.metrics)
        lines << tr("%1: mean %2 over %3 cells").arg(qs(m.name), QLocale().toString(m.mean, 'f', 3)).arg(m.count);
    return lines.join(QLatin1Char('\n'));
}

int CompareModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_data->grid.rowCount());
}

int CompareModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || m_data->grid.columnCount() == 0 ? 0 : static_cast<int>(m_data->grid.columnCount()) + 1;
}

QVariant CompareModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    const int column = index.column();
    const auto gr = static_cast<std::size_t>(row);
    const core::RunCell* c = column > 0 ? m_data->grid.cell(gr, static_cast<std::size_t>(column - 1)) : nullptr;
    const auto& expected = m_data->grid.rows()[gr].expected;
    switch (role) {
    case Qt::DisplayRole:
        return text(row, column);
    case Qt::ToolTipRole: {
        const QString t = text(row, column);
        return t.size() > 2000 ? t.left(2000) + QStringLiteral("…") : t;
    }
    case BadgeRole:
        return badge(row, column);
    case StatusRole:
        if (column == 0)
            return QString();
        if (m_streaming.count(slot(row, column - 1)))
            return QStringLiteral("streaming");
        if (!c)
            return QStringLiteral("pending");
        return QString::fromLatin1(core::cellStatusName(c->status));
    case LatencyRole:
        return c && c->latencyMs ? QVariant(*c->latencyMs) : QVariant();
    case TtftRole:
        return c && c->ttftMs ? QVariant(*c->ttftMs) : QVariant();
    case TokensInRole:
        return c && c->tokensIn ? QVariant(static_cast<qint64>(*c->tokensIn)) : QVariant();
    case TokensOutRole:
        return c && c->tokensOut ? QVariant(static_cast<qint64>(*c->tokensOut)) : QVariant();
    case CostRole:
        return c && c->cost ? QVariant(*c->cost) : QVariant();
    case CellKeyRole:
        return column > 0 ? qs(m_data->grid.key(gr, static_cast<std::size_t>(column - 1))) : QVariant();
    case ExpectedRole:
        return expected ? QVariant(qs(*expected)) : QVariant();
    case LengthRole:
        if (column == 0)
            return static_cast<int>(m_data->inputs[gr].size());
        if (const std::string* t = utf8(row, column - 1))
            return static_cast<int>(t->size());
        return {};
    case GridRowRole:
        return row;
    case GridColumnRole:
        return column - 1;
    case MatchesLabelRole:
        if (!c || !expected || c->status != core::CellStatus::Ok
            || !m_data->grid.hasText(gr, static_cast<std::size_t>(column - 1)))
            return {};
        return core::matchesLabel(c->output, *expected);
    default:
        return {};
    }
}

QVariant CompareModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (role != Qt::DisplayRole || section < 0 || section >= rowCount())
            return {};
        const auto& r = m_data->grid.rows()[static_cast<std::size_t>(section)];
        return r.repeat > 0 ? QStringLiteral("%1.%2").arg(r.number).arg(r.repeat + 1) : QString::number(r.number);
    }
    if (section < 0 || section >= columnCount())
        return {};
    if (section == 0)
        return role == Qt::DisplayRole ? QVariant(tr("Input")) : QVariant();
    if (role == Qt::DisplayRole)
        return headerText(section - 1);
    if (role == Qt::ToolTipRole)
        return summaryText(section - 1);
    return {};
}

Qt::ItemFlags CompareModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

} // namespace assay::widgets
