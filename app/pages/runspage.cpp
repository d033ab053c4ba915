// SPDX-License-Identifier: MIT
#include "runspage.h"

#include "emptystate.h"
#include "pageheader.h"
#include "runcontroller.h"
#include "workspacecontroller.h"

#include "storage/runrepository.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

namespace assay::app {

namespace {
QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QStringList checked(const QListWidget* list)
{
    QStringList out;
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->checkState() == Qt::Checked)
            out << list->item(i)->data(Qt::UserRole).toString();
    return out;
}

QTableWidget* table(const QStringList& headers, QWidget* parent)
{
    auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->horizontalHeader()->setStretchLastSection(true);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setWordWrap(false);
    return t;
}
} // namespace

RunsPage::RunsPage(WorkspaceController& workspace, RunController& runs, QWidget* parent)
    : Page(parent)
    , m_workspace(workspace)
    , m_runs(runs)
    , m_prompts(new QListWidget(this))
    , m_endpoints(new QListWidget(this))
    , m_dataset(new QComboBox(this))
    , m_repeats(new QSpinBox(this))
    , m_concurrency(new QSpinBox(this))
    , m_cache(new QCheckBox(tr("Reuse cached outputs"), this))
    , m_run(new QPushButton(tr("Run"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_progress(new QProgressBar(this))
    , m_progressLabel(new QLabel(this))
    , m_runsTable(table({ tr("Run"), tr("Status"), tr("Created") }, this))
    , m_cells(table(
          { tr("Row"), tr("Model"), tr("Status"), tr("Latency"), tr("Tokens in/out"), tr("Cost"), tr("Output") }, this))
    , m_empty(new widgets::EmptyState(this))
    , m_stack(new QStackedWidget(this))
{
    auto* header = new widgets::PageHeader(
        title(), tr("The same prompts and rows across models and prompt versions, side by side."), this);
    m_repeats->setRange(1, 100);
    m_concurrency->setRange(1, 256);
    m_concurrency->setValue(4);
    m_cache->setChecked(true);
    m_cancel->setEnabled(false);
    m_progressLabel->setWordWrap(true);
    m_progressLabel->setObjectName(QStringLiteral("runProgress"));
    m_progress->setTextVisible(true);
    m_prompts->setMaximumHeight(130);
    m_endpoints->setMaximumHeight(130);

    auto* launcher = new QGroupBox(tr("New run"), this);
    auto* grid = new QHBoxLayout(launcher);
    auto* promptsBox = new QVBoxLayout;
    promptsBox->addWidget(new QLabel(tr("Prompt versions"), this));
    promptsBox->addWidget(m_prompts);
    auto* endpointsBox = new QVBoxLayout;
    endpointsBox->addWidget(new QLabel(tr("Endpoints"), this));
    endpointsBox->addWidget(m_endpoints);
    auto* form = new QFormLayout;
    form->addRow(tr("Dataset"), m_dataset);
    form->addRow(tr("Repeats"), m_repeats);
    form->addRow(tr("Concurrency"), m_concurrency);
    form->addRow(QString(), m_cache);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    form->addRow(buttons);
    grid->addLayout(promptsBox, 2);
    grid->addLayout(endpointsBox, 2);
    grid->addLayout(form, 1);

    auto* results = new QSplitter(this);
    results->addWidget(m_runsTable);
    results->addWidget(m_cells);
    results->setSizes({ 300, 800 });

    auto* content = new QWidget(this);
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addWidget(launcher);
    contentLayout->addWidget(m_progress);
    contentLayout->addWidget(m_progressLabel);
    contentLayout->addWidget(results, 1);
    m_empty->setIcon(icon());
    m_stack->addWidget(m_empty);
    m_stack->addWidget(content);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(header);
    layout->addWidget(m_stack, 1);

    connect(m_run, &QPushButton::clicked, this, &RunsPage::startRun);
    connect(m_cancel, &QPushButton::clicked, &m_runs, &RunController::cancel);
    connect(&m_runs, &RunController::progressChanged, this, &RunsPage::showProgress);
    connect(&m_runs, &RunController::runStarted, this,
        [this](const QString&) { m_progressLabel->setText(tr("Running…")); });
    connect(&m_runs, &RunController::runFinished, this, [this](const QString& runId, const QString& summary, bool) {
        m_run->setEnabled(true);
        m_cancel->setEnabled(false);
        m_progressLabel->setText(summary);
        m_workspace.refresh();
        if (!runId.isEmpty())
            loadCells(runId);
    });
    connect(m_runsTable, &QTableWidget::itemSelectionChanged, this, [this] {
        const auto rows = m_runsTable->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            loadCells(rows.first().data(Qt::UserRole).toString());
    });
    m_progress->hide();
}

QString RunsPage::title() const
{
    return tr("Compare");
}
QIcon RunsPage::icon() const
{
    return style()->standardIcon(QStyle::SP_FileDialogContentsView);
}

void RunsPage::showWorkspace(const WorkspaceSnapshot* snapshot)
{
    if (!snapshot) {
        m_empty->setTitle(tr("No workspace is open"));
        m_empty->setBody(tr("Open a workspace with File → Open, or create one with File → New."));
        m_stack->setCurrentIndex(0);
        return;
    }
    m_runs.setWorkspacePath(qs(snapshot->path));
    if (snapshot->endpoints.empty() && snapshot->runs.empty()) {
        m_empty->setTitle(tr("No endpoints to run against"));
        m_empty->setBody(tr("A run sends prompt versions × models × dataset rows and stores every output with its "
                            "latency, tokens and cost. Describe how to reach a model first: Models & Runner → "
                            "Endpoints (an API, or a model loaded on the local runner). This workspace has %1 prompts "
                            "and %2 datasets ready.")
                             .arg(snapshot->count("prompt"))
                             .arg(snapshot->count("dataset")));
        m_stack->setCurrentIndex(0);
        return;
    }
    m_stack->setCurrentIndex(1);
    const QStringList keepPrompts = checked(m_prompts);
    const QStringList keepEndpoints = checked(m_endpoints);
    m_prompts->clear();
    for (const auto& p : snapshot->prompts) {
        QString ref = qs(p.name);
        if (std::find(p.labelNames.begin(), p.labelNames.end(), "prod") != p.labelNames.end())
            ref += QStringLiteral("@prod");
        auto* item = new QListWidgetItem(tr("%1  (v%2)").arg(ref).arg(p.latestVersion), m_prompts);
        item->setData(Qt::UserRole, ref);
        item->setCheckState(keepPrompts.contains(ref) ? Qt::Checked : Qt::Unchecked);
    }
    m_endpoints->clear();
    for (const auto& e : snapshot->endpoints) {
        auto* item = new QListWidgetItem(qs(e.name), m_endpoints);
        item->setData(Qt::UserRole, qs(e.name));
        item->setCheckState(keepEndpoints.contains(qs(e.name)) ? Qt::Checked : Qt::Unchecked);
    }
    const QString keepDataset = m_dataset->currentText();
    m_dataset->clear();
    m_dataset->addItem(tr("(no dataset: one cell per repeat)"), QString());
    for (const auto& d : snapshot->datasets)
        m_dataset->addItem(tr("%1 (%2 rows)").arg(qs(d.name)).arg(d.rowCount), qs(d.name));
    m_dataset->setCurrentIndex(std::max(0, m_dataset->findText(keepDataset)));
    m_runsTable->setRowCount(static_cast<int>(snapshot->runs.size()));
    for (int r = 0; r < static_cast<int>(snapshot->runs.size()); ++r) {
        const core::Run& run = snapshot->runs[static_cast<std::size_t>(r)];
        const QStringList cells = { qs(run.name), QString::fromLatin1(core::runStatusName(run.status)),
            QLocale().toString(QDateTime::fromMSecsSinceEpoch(run.createdAt), QLocale::ShortFormat) };
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setData(Qt::UserRole, qs(run.id));
            m_runsTable->setItem(r, c, item);
        }
    }
    m_runsTable->resizeColumnsToContents();
}

void RunsPage::choose(const QStringList& prompts, const QStringList& endpoints, const QString& dataset)
{
    for (int i = 0; i < m_prompts->count(); ++i)
        m_prompts->item(i)->setCheckState(
            prompts.contains(m_prompts->item(i)->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
    for (int i = 0; i < m_endpoints->count(); ++i)
        m_endpoints->item(i)->setCheckState(
            endpoints.contains(m_endpoints->item(i)->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
    m_dataset->setCurrentIndex(std::max(0, m_dataset->findData(dataset)));
}

void RunsPage::startRun()
{
    nlohmann::json j;
    j["name"] = tr("run %1").arg(QDateTime::currentDateTime().toString(Qt::ISODate)).toStdString();
    j["prompts"] = nlohmann::json::array();
    for (const QString& p : checked(m_prompts))
        j["prompts"].push_back(p.toStdString());
    j["endpoints"] = nlohmann::json::array();
    for (const QString& e : checked(m_endpoints))
        j["endpoints"].push_back(e.toStdString());
    if (!m_dataset->currentData().toString().isEmpty())
        j["dataset"] = m_dataset->currentData().toString().toStdString();
    j["repeats"] = m_repeats->value();
    j["concurrency"] = m_concurrency->value();
    j["cache"] = m_cache->isChecked();
    auto definition = core::RunDefinition::parse(j);
    if (!definition || j["prompts"].empty() || j["endpoints"].empty()) {
        m_progressLabel->setText(definition ? tr("✗ Pick at least one prompt and one endpoint.")
                                            : tr("✗ %1").arg(qs(definition.error().message)));
        return;
    }
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_progress->setValue(0);
    m_progress->show();
    m_progressLabel->setText(tr("Planning…"));
    m_runs.start(*definition);
}

void RunsPage::showProgress(const core::RunProgress& p)
{
    m_progress->setRange(0, static_cast<int>(std::max<std::int64_t>(1, p.total)));
    m_progress->setValue(static_cast<int>(p.completed()));
    QString eta = p.etaMs ? tr("ETA %1 s").arg(QLocale().toString(*p.etaMs / 1000.0, 'f', 1)) : tr("ETA unknown");
    m_progressLabel->setText(tr("%1 of %2 cells · %3 done (%4 cached) · %5 failed · %6 in flight · %7 retries · "
                                "tokens %8 in / %9 out · cost %10 · %11")
                                 .arg(p.completed())
                                 .arg(p.total)
                                 .arg(p.done)
                                 .arg(p.cached)
                                 .arg(p.failed)
                                 .arg(p.inFlight)
                                 .arg(p.retries)
                                 .arg(p.tokensIn)
                                 .arg(p.tokensOut)
                                 .arg(QLocale().toString(p.cost, 'f', 4))
                                 .arg(p.finished ? tr("finished") : eta));
}

QString RunsPage::progressText() const
{
    return m_progressLabel->text();
}

void RunsPage::loadCells(const QString& runId)
{
    m_workspace.call<std::vector<core::RunCell>>(
        this, [id = runId.toStdString()](core::Db& db) { return core::RunRepository(db).cells(id); },
        [this](core::Result<std::vector<core::RunCell>> r) {
            if (!r) {
                m_progressLabel->setText(tr("✗ %1").arg(qs(r.error().message)));
                return;
            }
            m_cells->setRowCount(static_cast<int>(r->size()));
            for (int i = 0; i < static_cast<int>(r->size()); ++i) {
                const core::RunCell& c = (*r)[static_cast<std::size_t>(i)];
                QString text = c.status == core::CellStatus::Ok ? qs(c.output) : qs(c.error);
                text.replace(QLatin1Char('\n'), QLatin1Char(' '));
                const QStringList cells = { c.rowId ? qs(c.rowId->substr(0, 8)) : QStringLiteral("—"), qs(c.modelName),
                    QString::fromLatin1(core::cellStatusName(c.status)),
                    c.latencyMs ? tr("%1 ms").arg(qRound(*c.latencyMs)) : QStringLiteral("—"),
                    tr("%1 / %2").arg(c.tokensIn.value_or(0)).arg(c.tokensOut.value_or(0)),
                    c.cost ? QLocale().toString(*c.cost, 'f', 5) : QStringLiteral("—"), text };
                for (int col = 0; col < cells.size(); ++col)
                    m_cells->setItem(i, col, new QTableWidgetItem(cells[col]));
                m_cells->item(i, 6)->setToolTip(c.status == core::CellStatus::Ok ? qs(c.output) : qs(c.error));
            }
            m_cells->resizeColumnsToContents();
        });
}

} // namespace assay::app
