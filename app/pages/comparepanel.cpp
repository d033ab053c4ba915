// SPDX-License-Identifier: MIT
#include "comparepanel.h"

#include "celldetail.h"
#include "comparedelegate.h"
#include "compareview.h"
#include "emptystate.h"
#include "workspacecontroller.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <set>

namespace assay::app {

using RowFilter = widgets::CompareFilterModel::RowFilter;
using SortKey = widgets::CompareFilterModel::SortKey;

namespace {
constexpr std::size_t kFirstTextRows = 150; ///< rows whose text comes with the grid (more than a window shows)

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}
} // namespace

ComparePanel::ComparePanel(WorkspaceController& workspace, QWidget* parent)
    : QWidget(parent)
    , m_workspace(workspace)
    , m_model(new widgets::CompareModel(this))
    , m_filter(new widgets::CompareFilterModel(this))
    , m_view(new widgets::CompareView(this))
    , m_detail(new CellDetail(workspace, *m_model, this))
    , m_split(new QSplitter(this))
    , m_gridStack(new QStackedWidget(this))
    , m_emptyState(new widgets::EmptyState(this))
    , m_show(new QComboBox(this))
    , m_search(new QLineEdit(this))
    , m_regex(new QToolButton(this))
    , m_sortBy(new QComboBox(this))
    , m_lines(new QSpinBox(this))
    , m_freeze(new QCheckBox(tr("Freeze input"), this))
    , m_columns(new QToolButton(this))
    , m_rerun(new QToolButton(this))
    , m_export(new QToolButton(this))
    , m_count(new QLabel(this))
    , m_searchError(new QLabel(this))
    , m_searchTimer(new QTimer(this))
{
    m_filter->setSourceModel(m_model);
    m_view->setModel(m_filter);
    m_view->setObjectName(QStringLiteral("compareGrid"));
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_view->setSortingEnabled(true);
    buildToolbar();

    m_split->addWidget(m_view);
    m_split->addWidget(m_detail);
    m_split->setStretchFactor(0, 3);
    m_split->setStretchFactor(1, 1);
    m_split->setSizes({ 900, 360 });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Show"), this));
    bar->addWidget(m_show);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_regex);
    bar->addWidget(m_sortBy);
    bar->addWidget(new QLabel(tr("Lines"), this));
    bar->addWidget(m_lines);
    bar->addWidget(m_freeze);
    bar->addWidget(m_columns);
    bar->addWidget(m_rerun);
    bar->addWidget(m_export);
    layout->addLayout(bar);
    auto* status = new QHBoxLayout;
    status->addWidget(m_count);
    status->addWidget(m_searchError, 1);
    layout->addLayout(status);
    m_emptyState->setTitle(tr("No run to show"));
    m_emptyState->setBody(tr("Pick prompt versions, models and a dataset (or a few inputs) under New Run and press "
                             "Run: the outputs appear here side by side as they stream in. Earlier runs are in the "
                             "Run list above."));
    m_gridStack->addWidget(m_emptyState);
    m_gridStack->addWidget(m_split);
    layout->addWidget(m_gridStack, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex& current) { showCurrent(current); });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { selectionChanged(); });
    connect(m_view, &QAbstractItemView::activated, this, [this](const QModelIndex& i) {
        showCurrent(i);
        m_detail->setCurrentIndex(CellDetail::OutputTab);
    });
    connect(m_view, &QWidget::customContextMenuRequested, this, &ComparePanel::gridMenu);
    connect(m_view->horizontalHeader(), &QWidget::customContextMenuRequested, this, &ComparePanel::headerMenu);
    for (auto signal : { &QHeaderView::sectionMoved, &QHeaderView::sectionResized })
        connect(m_view->horizontalHeader(), signal, this, [this] { saveState(); });
    connect(m_view->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, [this] { saveState(); });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &ComparePanel::updateCount);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &ComparePanel::updateCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &ComparePanel::updateCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &ComparePanel::updateCount);
    updateCount();
}

ComparePanel::~ComparePanel() = default;

void ComparePanel::buildToolbar()
{
    m_show->addItem(tr("All rows"), static_cast<int>(RowFilter::All));
    m_show->addItem(tr("Outputs differ"), static_cast<int>(RowFilter::Differ));
    m_show->addItem(tr("A cell failed"), static_cast<int>(RowFilter::Failed));
    m_show->addItem(tr("Disagrees with label"), static_cast<int>(RowFilter::Disagree));
    m_show->setToolTip(tr("Rows to show, judged over the visible columns"));
    m_search->setPlaceholderText(tr("Filter by text in the input or any output"));
    m_search->setClearButtonEnabled(true);
    m_regex->setText(QStringLiteral(".*"));
    m_regex->setCheckable(true);
    m_regex->setToolTip(tr("Treat the filter text as a regular expression (case-insensitive)"));
    const std::pair<QString, SortKey> keys[] = { { tr("Sort: row order"), SortKey::Row },
        { tr("Sort: latency"), SortKey::Latency }, { tr("Sort: time to first token"), SortKey::Ttft },
        { tr("Sort: tokens in"), SortKey::TokensIn }, { tr("Sort: tokens out"), SortKey::TokensOut },
        { tr("Sort: cost"), SortKey::Cost }, { tr("Sort: status"), SortKey::Status },
        { tr("Sort: output length"), SortKey::Length }, { tr("Sort: text"), SortKey::Text } };
    for (const auto& [label, key] : keys)
        m_sortBy->addItem(label, static_cast<int>(key));
    m_sortBy->setToolTip(tr("What a click on a column header sorts the rows by"));
    m_lines->setRange(1, 30);
    m_lines->setValue(4);
    m_lines->setToolTip(
        tr("The most lines of text a row shows: each row is as tall as its longest visible cell needs, up to this. "
           "The whole output is in the cell view."));
    m_columns->setText(tr("Columns"));
    m_columns->setPopupMode(QToolButton::InstantPopup);
    m_columns->setMenu(new QMenu(m_columns));
    connect(m_columns->menu(), &QMenu::aboutToShow, this, [this] {
        QMenu* menu = m_columns->menu();
        menu->clear();
        for (int c = 1; c < m_model->columnCount(); ++c) {
            QAction* a = menu->addAction(qs(m_model->grid().columns()[static_cast<std::size_t>(c - 1)].title));
            a->setCheckable(true);
            a->setChecked(!m_view->isColumnHidden(c));
            connect(a, &QAction::toggled, this, [this, c](bool on) { setGridColumnVisible(c - 1, on); });
        }
        menu->addSeparator();
        connect(menu->addAction(tr("Show All Columns")), &QAction::triggered, this, [this] {
            for (int c = 0; c < m_model->columnCount(); ++c)
                m_view->setColumnHidden(c, false);
            updateVisibleColumns();
        });
    });
    m_rerun->setText(tr("Re-run Selected"));
    m_rerun->setToolTip(tr("Request the selected cells again (not from the cache); the new outputs replace them"));
    m_rerun->setEnabled(false);
    connect(m_rerun, &QToolButton::clicked, this, [this] {
        const auto chosen = selectedCellKeys();
        if (!chosen.empty())
            Q_EMIT rerunRequested(m_runId, chosen);
    });
    m_export->setText(tr("Export"));
    m_export->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(m_export);
    connect(exportMenu->addAction(tr("CSV…")), &QAction::triggered, this,
        [this] { exportWithDialog(core::CompareFormat::Csv); });
    connect(exportMenu->addAction(tr("JSON Lines (with provenance)…")), &QAction::triggered, this,
        [this] { exportWithDialog(core::CompareFormat::Jsonl); });
    connect(exportMenu->addAction(tr("HTML report (self-contained)…")), &QAction::triggered, this,
        [this] { exportWithDialog(core::CompareFormat::Html); });
    m_export->setMenu(exportMenu);
    m_searchError->setStyleSheet(QStringLiteral("color: palette(link-visited)"));
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(150);

    connect(m_show, &QComboBox::activated, this,
        [this] { setRowFilter(static_cast<RowFilter>(m_show->currentData().toInt())); });
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_regex, &QToolButton::toggled, m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_searchTimer, &QTimer::timeout, this, [this] { setSearch(m_search->text(), m_regex->isChecked()); });
    connect(m_sortBy, &QComboBox::activated, this,
        [this] { setSortKey(static_cast<SortKey>(m_sortBy->currentData().toInt())); });
    connect(m_lines, &QSpinBox::valueChanged, this, [this](int v) { setLinesPerRow(v); });
    connect(m_freeze, &QCheckBox::toggled, this, [this](bool on) { setFrozenInput(on); });
}

void ComparePanel::clear()
{
    saveState();
    m_runId.clear();
    m_loadingRunId.clear();
    ++m_loadGeneration;
    m_model->clear();
    m_detail->clear();
    m_pending.reset();
    updateCount();
}

void ComparePanel::showRun(const QString& runId)
{
    if (runId.isEmpty()) {
        clear();
        return;
    }
    saveState();
    m_loadingRunId = runId;
    m_pending = std::make_unique<PendingLive>();
    const int generation = ++m_loadGeneration;
    m_workspace.call<std::shared_ptr<widgets::CompareData>>(
        this,
        [id = runId.toStdString()](core::Db& db) -> core::Result<std::shared_ptr<widgets::CompareData>> {
            // Badges first, and the text of the first rows only: the rest is read next, while the grid is shown.
            auto grid = core::CompareGrid::load(db, id, core::RunRepository::Detail::Badges, kFirstTextRows);
            if (!grid)
                return grid.error();
            return std::make_shared<widgets::CompareData>(widgets::CompareData::prepare(std::move(*grid)));
        },
        [this, generation, runId](core::Result<std::shared_ptr<widgets::CompareData>> r) {
            if (generation != m_loadGeneration)
                return;
            m_loadingRunId.clear();
            if (!r) {
                Q_EMIT failed(tr("Could not read run %1: %2").arg(runId, qs(r.error().message)));
                return;
            }
            m_runId = runId;
            m_restoring = true;
            m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
            m_model->setData(std::move(**r));
            if (m_pending) {
                m_model->applyDeltas(m_pending->deltas);
                m_model->applyCells(std::move(m_pending->cells));
                m_pending.reset();
            }
            restoreState();
            m_restoring = false;
            m_detail->clear();
            updateCount();
            Q_EMIT loaded(runId);
            readTexts(generation);
        });
}

void ComparePanel::readTexts(int generation)
{
    if (m_model->grid().textsComplete()) {
        Q_EMIT textsLoaded(m_runId);
        return;
    }
    m_workspace.call<std::shared_ptr<std::vector<core::RunRepository::CellText>>>(
        this,
        [id = m_runId.toStdString()](
            core::Db& db) -> core::Result<std::shared_ptr<std::vector<core::RunRepository::CellText>>> {
            auto texts = core::RunRepository(db).cellTexts(id);
            if (!texts)
                return texts.error();
            return std::make_shared<std::vector<core::RunRepository::CellText>>(std::move(*texts));
        },
        [this, generation](core::Result<std::shared_ptr<std::vector<core::RunRepository::CellText>>> r) {
            if (generation != m_loadGeneration)
                return;
            if (!r) {
                Q_EMIT failed(tr("Could not read the outputs of run %1: %2").arg(m_runId, qs(r.error().message)));
                return;
            }
            m_model->applyTexts(std::move(**r), true);
            updateCount();
            if (m_detail->row() >= 0)
                m_detail->refresh();
            Q_EMIT textsLoaded(m_runId);
        });
}

void ComparePanel::applyLive(
    const QString& runId, const std::vector<widgets::CompareDelta>& deltas, const std::vector<core::RunCell>& cells)
{
    if (runId == m_loadingRunId && m_pending) {
        m_pending->deltas.insert(m_pending->deltas.end(), deltas.begin(), deltas.end());
        m_pending->cells.insert(m_pending->cells.end(), cells.begin(), cells.end());
        return;
    }
    if (runId != m_runId || m_model->isEmpty())
        return;
    m_model->applyDeltas(deltas);
    m_model->applyCells(cells);
    if (m_detail->row() >= 0 && m_detail->gridColumn() >= 0) {
        const std::string& key = m_model->grid().key(
            static_cast<std::size_t>(m_detail->row()), static_cast<std::size_t>(m_detail->gridColumn()));
        bool touched = false;
        for (const auto& d : deltas)
            touched = touched || d.cellKey == key;
        for (const auto& c : cells)
            touched = touched || c.cellKey == key;
        if (touched)
            m_detail->showCell(m_detail->row(), m_detail->gridColumn());
    }
}

void ComparePanel::setRunning(bool running)
{
    m_running = running;
    selectionChanged();
}

void ComparePanel::setRowFilter(RowFilter filter)
{
    m_show->setCurrentIndex(std::max(0, m_show->findData(static_cast<int>(filter))));
    m_filter->setRowFilter(filter);
    updateCount();
    saveState();
}

bool ComparePanel::setSearch(const QString& text, bool regex)
{
    QString error;
    if (m_search->text() != text) {
        const QSignalBlocker block(m_search);
        m_search->setText(text);
    }
    if (m_regex->isChecked() != regex) {
        const QSignalBlocker block(m_regex);
        m_regex->setChecked(regex);
    }
    const bool ok = m_filter->setTextFilter(text, regex, &error);
    m_searchError->setText(ok ? QString() : error);
    updateCount();
    saveState();
    return ok;
}

void ComparePanel::setSortKey(SortKey key)
{
    m_sortBy->setCurrentIndex(std::max(0, m_sortBy->findData(static_cast<int>(key))));
    m_filter->setSortKey(key);
    saveState();
}

void ComparePanel::setGridColumnVisible(int gridColumn, bool visible)
{
    m_view->setColumnHidden(gridColumn + 1, !visible);
    updateVisibleColumns();
}

void ComparePanel::setFrozenInput(bool frozen)
{
    if (m_freeze->isChecked() != frozen) {
        const QSignalBlocker block(m_freeze);
        m_freeze->setChecked(frozen);
    }
    m_view->setFrozenInput(frozen);
    saveState();
}

void ComparePanel::setLinesPerRow(int lines)
{
    if (m_lines->value() != lines) {
        const QSignalBlocker block(m_lines);
        m_lines->setValue(lines);
    }
    m_view->setLinesPerRow(lines);
    saveState();
}

void ComparePanel::updateVisibleColumns()
{
    std::vector<std::size_t> visible;
    for (int c = 1; c < m_model->columnCount(); ++c)
        if (!m_view->isColumnHidden(c))
            visible.push_back(static_cast<std::size_t>(c - 1));
    if (static_cast<int>(visible.size()) == m_model->columnCount() - 1)
        visible.clear();
    m_filter->setVisibleGridColumns(std::move(visible));
    updateCount();
    saveState();
}

void ComparePanel::updateCount()
{
    m_count->setText(rowCountText());
    const bool shown = !m_model->isEmpty();
    m_gridStack->setCurrentIndex(shown ? 1 : 0);
    for (QWidget* w :
        std::initializer_list<QWidget*> { m_show, m_search, m_regex, m_sortBy, m_lines, m_freeze, m_columns, m_export })
        w->setEnabled(shown);
}

QString ComparePanel::rowCountText() const
{
    if (m_model->isEmpty())
        return tr("No run selected");
    const int shown = m_filter->rowCount();
    const int total = m_model->rowCount();
    QString text = shown == total ? tr("%1 rows").arg(QLocale().toString(total))
                                  : tr("%1 of %2 rows").arg(QLocale().toString(shown), QLocale().toString(total));
    return text + tr(" × %1 columns").arg(m_model->columnCount() - 1);
}

void ComparePanel::showCurrent(const QModelIndex& current)
{
    if (!current.isValid()) {
        return;
    }
    m_detail->showCell(current.data(widgets::CompareModel::GridRowRole).toInt(),
        current.data(widgets::CompareModel::GridColumnRole).toInt());
}

void ComparePanel::selectionChanged()
{
    const auto keys = selectedCellKeys();
    m_rerun->setEnabled(!m_running && !keys.empty() && !m_runId.isEmpty());
    m_rerun->setText(keys.size() > 1 ? tr("Re-run %1 Cells").arg(keys.size()) : tr("Re-run Cell"));
    const QModelIndexList selected = m_view->selectionModel()->selectedIndexes();
    if (selected.size() == 2 && selected[0].row() == selected[1].row() && selected[0].column() > 0
        && selected[1].column() > 0)
        compareCells(selected[0], selected[1]);
}

void ComparePanel::compareCells(const QModelIndex& a, const QModelIndex& b)
{
    const int row = a.data(widgets::CompareModel::GridRowRole).toInt();
    m_detail->showCell(row, b.data(widgets::CompareModel::GridColumnRole).toInt(),
        a.data(widgets::CompareModel::GridColumnRole).toInt());
    m_detail->setCurrentIndex(CellDetail::DiffTab);
}

std::vector<std::string> ComparePanel::selectedCellKeys() const
{
    std::vector<std::string> keys;
    for (const QModelIndex& i : m_view->selectionModel()->selectedIndexes())
        if (i.column() > 0)
            keys.push_back(i.data(widgets::CompareModel::CellKeyRole).toString().toStdString());
    return keys;
}

void ComparePanel::headerMenu(const QPoint& at)
{
    m_columns->menu()->popup(m_view->horizontalHeader()->mapToGlobal(at));
    Q_EMIT m_columns->menu()->aboutToShow();
}

void ComparePanel::gridMenu(const QPoint& at)
{
    QMenu menu(this);
    connect(menu.addAction(tr("Copy")), &QAction::triggered, m_view, &widgets::CompareView::copySelection);
    const QModelIndexList selected = m_view->selectionModel()->selectedIndexes();
    QAction* diff = menu.addAction(tr("Compare These Two Cells"));
    diff->setEnabled(selected.size() == 2 && selected[0].row() == selected[1].row());
    connect(diff, &QAction::triggered, this, [this, selected] { compareCells(selected[0], selected[1]); });
    QAction* rerun = menu.addAction(m_rerun->text());
    rerun->setEnabled(m_rerun->isEnabled());
    connect(rerun, &QAction::triggered, m_rerun, &QToolButton::click);
    menu.exec(m_view->viewport()->mapToGlobal(at));
}

void ComparePanel::exportWithDialog(core::CompareFormat format)
{
    const QString filter = format == core::CompareFormat::Csv ? tr("CSV (*.csv)")
        : format == core::CompareFormat::Jsonl                ? tr("JSON Lines (*.jsonl)")
                                                              : tr("HTML (*.html)");
    const QString ext = format == core::CompareFormat::Csv ? QStringLiteral(".csv")
        : format == core::CompareFormat::Jsonl             ? QStringLiteral(".jsonl")
                                                           : QStringLiteral(".html");
    QString name = qs(m_model->grid().run().name);
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("-"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Comparison"), name + ext, filter);
    if (!path.isEmpty())
        exportTo(path, format);
}

void ComparePanel::exportTo(const QString& path, core::CompareFormat format)
{
    if (m_runId.isEmpty()) {
        Q_EMIT exported(path, false, tr("No run is shown."));
        return;
    }
    core::CompareExportOptions options;
    for (int r = 0; r < m_filter->rowCount(); ++r)
        options.rows.push_back(
            static_cast<std::size_t>(m_filter->index(r, 0).data(widgets::CompareModel::GridRowRole).toInt()));
    QHeaderView* header = m_view->horizontalHeader();
    for (int v = 0; v < header->count(); ++v) {
        const int logical = header->logicalIndex(v);
        if (logical > 0 && !header->isSectionHidden(logical))
            options.columns.push_back(static_cast<std::size_t>(logical - 1));
    }
    if (options.rows.empty()) {
        Q_EMIT exported(path, false, tr("No rows are shown: change the filter to export."));
        return;
    }
    m_workspace.call<bool>(
        this,
        [id = m_runId.toStdString(), file = path.toStdString(), format, options](core::Db& db) -> core::Result<bool> {
            auto grid = core::CompareGrid::load(db, id, core::RunRepository::Detail::Full);
            if (!grid)
                return grid.error();
            if (auto st = core::exportComparison(*grid, format, file, options); !st)
                return st.error();
            return true;
        },
        [this, path, n = options.rows.size(), cols = options.columns.size()](core::Result<bool> r) {
            Q_EMIT exported(path, static_cast<bool>(r),
                r ? tr("Exported %1 rows × %2 columns to %3").arg(n).arg(cols).arg(path)
                  : tr("Export to %1 failed: %2").arg(path, qs(r.error().message)));
        });
}

} // namespace assay::app
