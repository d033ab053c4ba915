// SPDX-License-Identifier: MIT
#pragma once

#include "compare/comparesummary.h"
#include "util/textsearch.h"

#include <QRegularExpression>
#include <QSortFilterProxyModel>

#include <optional>
#include <vector>

namespace assay::widgets {

class CompareModel;

/// Filters and sorts the comparison grid's rows (columns pass through; hiding columns is the view's business, but
/// the view tells the filter which grid columns are visible, so "outputs differ" means among the columns shown).
/// Row filters: all, outputs differ, some cell failed, some output disagrees with the label. Text filter: a
/// case-insensitive substring or regular expression over the input and the visible outputs, evaluated for every row
/// at once on all cores when it changes (and again for the rows whose cells change). Sort: by a badge (or the text
/// length) of the clicked column, cells without that value last in either order. Rows whose text is still being
/// read pass the text-based filters until it arrives. GUI thread only (the parallel pass joins before returning).
class CompareFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class RowFilter { All, Differ, Failed, Disagree };
    enum class SortKey { Row, Status, Latency, Ttft, TokensIn, TokensOut, Cost, Length, Text };

    explicit CompareFilterModel(QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* model) override;
    void setRowFilter(RowFilter filter);
    [[nodiscard]] RowFilter rowFilter() const { return m_rowFilter; }
    /// Empty text shows every row. With @p regex, an invalid pattern is refused: false, the previous filter stays,
    /// and @p error (when given) says why and where.
    bool setTextFilter(const QString& text, bool regex, QString* error = nullptr);
    [[nodiscard]] QString textFilter() const { return m_text; }
    [[nodiscard]] bool textFilterIsRegex() const { return m_isRegex; }
    /// Grid columns (0-based, without the input column) the row filters and the text filter look at; empty = all.
    void setVisibleGridColumns(std::vector<std::size_t> columns);
    void setSortKey(SortKey key);
    [[nodiscard]] SortKey sortKey() const { return m_sortKey; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    [[nodiscard]] const core::RowFlags& flagsOf(int sourceRow) const;
    [[nodiscard]] bool matchesText(int sourceRow) const;
    [[nodiscard]] bool computeMatch(int sourceRow, const QRegularExpression& regex) const;
    void matchAll();
    void refilter();
    void forgetRows(int first, int last);

    CompareModel* m_compare = nullptr;
    RowFilter m_rowFilter = RowFilter::All;
    SortKey m_sortKey = SortKey::Row;
    QString m_text;
    bool m_isRegex = false;
    QRegularExpression m_regex;
    std::optional<core::FoldedSearch> m_folded; ///< the text filter, when it is plain ASCII text
    std::optional<core::FoldedSearch> m_prefilter; ///< a literal every regex match contains (requiredLiteral)
    mutable std::vector<signed char> m_match; ///< per source row: 1 / 0, or -1 not computed
    std::vector<std::size_t> m_columns;
    mutable std::vector<std::optional<core::RowFlags>> m_flags; ///< per source row, computed on first use
};

} // namespace assay::widgets
