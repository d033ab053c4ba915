// SPDX-License-Identifier: MIT
#pragma once

#include "compare/comparesummary.h"
#include "util/textsearch.h"

#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QThreadPool>

#include <atomic>
#include <cstdint>
#include <memory>
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
/// read pass the text-based filters until it arrives.
///
/// The pass over every row runs on worker threads over a snapshot of the grid (CompareModel::snapshot, copy on
/// write) and never makes the GUI thread wait: setTextFilter() returns at once, the rows shown follow the filter
/// applied before until the pass is done, then textFilterApplied() is emitted. A newer request cancels the pass
/// in flight and its result is dropped (latest request wins, by job id). GUI thread only; the destructor cancels
/// the pass and waits only for its workers to notice.
class CompareFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class RowFilter { All, Differ, Failed, Disagree };
    enum class SortKey { Row, Status, Latency, Ttft, TokensIn, TokensOut, Cost, Length, Text };

    explicit CompareFilterModel(QObject* parent = nullptr);
    ~CompareFilterModel() override;

    void setSourceModel(QAbstractItemModel* model) override;
    void setRowFilter(RowFilter filter);
    [[nodiscard]] RowFilter rowFilter() const { return m_rowFilter; }
    /// Empty text shows every row (at once). With @p regex, an invalid pattern is refused: false, the previous
    /// filter stays, and @p error (when given) says why and where. Otherwise the pass over the rows starts on the
    /// workers (see the class comment).
    bool setTextFilter(const QString& text, bool regex, QString* error = nullptr);
    /// The text filter last asked for (it may still be pending).
    [[nodiscard]] QString textFilter() const { return m_text; }
    [[nodiscard]] bool textFilterIsRegex() const { return m_isRegex; }
    /// A pass over the rows is running; the rows shown follow the filter applied before.
    [[nodiscard]] bool textFilterPending() const { return m_pending != nullptr; }
    /// Grid columns (0-based, without the input column) the row filters and the text filter look at; empty = all.
    void setVisibleGridColumns(std::vector<std::size_t> columns);
    void setSortKey(SortKey key);
    [[nodiscard]] SortKey sortKey() const { return m_sortKey; }

    /// A text filter compiled once, shared read-only with the workers.
    struct TextQuery {
        QString text;
        bool regex = false;
        QRegularExpression compiled;
        std::optional<core::FoldedSearch> folded; ///< the text, when it is plain ASCII text
        std::optional<core::FoldedSearch> prefilter; ///< a literal every regex match contains (requiredLiteral)
    };

Q_SIGNALS:
    /// The pass for the latest text filter is done and the rows shown follow it (also for an empty filter).
    void textFilterApplied();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    [[nodiscard]] const core::RowFlags& flagsOf(int sourceRow) const;
    [[nodiscard]] bool matchesText(int sourceRow) const;
    /// Starts the pass for @p query over a snapshot, cancelling the one in flight.
    void startPass(std::shared_ptr<const TextQuery> query);
    void finishPass(std::uint64_t job, std::vector<signed char> match);
    void cancelPass();
    void refilter();
    void forgetRows(int first, int last);

    CompareModel* m_compare = nullptr;
    RowFilter m_rowFilter = RowFilter::All;
    SortKey m_sortKey = SortKey::Row;
    QString m_text; ///< asked for
    bool m_isRegex = false;
    std::shared_ptr<const TextQuery> m_applied; ///< what filterAcceptsRow uses; null = no text filter
    std::shared_ptr<const TextQuery> m_pending; ///< the query of the pass in flight; null = none
    mutable std::vector<signed char> m_match; ///< per source row, for m_applied: 1 / 0, or -1 not computed
    std::vector<int> m_changedDuringPass; ///< rows whose cells changed after the pass's snapshot was taken
    std::uint64_t m_job = 0; ///< the latest pass; results of earlier ones are dropped
    std::shared_ptr<std::atomic<bool>> m_cancel; ///< of the pass in flight
    std::vector<std::size_t> m_columns;
    mutable std::vector<std::optional<core::RowFlags>> m_flags; ///< per source row, computed on first use
    QThreadPool m_pool; ///< the pass's workers (own pool: the destructor waits for these only)
};

} // namespace assay::widgets
