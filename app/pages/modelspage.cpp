// SPDX-License-Identifier: MIT
#include "modelspage.h"

#include "emptystate.h"
#include "endpointspanel.h"
#include "models/modelmatrixmodel.h"
#include "pageheader.h"
#include "runnerpanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace assay::app {

ModelsPage::ModelsPage(RunnerController& runner, WorkspaceController& workspace, RunController& runs, QWidget* parent)
    : Page(parent)
    , m_model(new widgets::ModelMatrixModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_summary(new QLabel(this))
    , m_view(new QTableView(this))
    , m_empty(new widgets::EmptyState(this))
    , m_stack(new QStackedWidget(this))
    , m_runnerPanel(new RunnerPanel(runner, this))
    , m_endpointsPanel(new EndpointsPanel(workspace, runs, this))
    , m_tabs(new QTabWidget(this))
{
    auto* header = new widgets::PageHeader(title(),
        tr("The capability matrix: what each candidate model is, what it may be used for and what it costs."), this);
    m_filter->setPlaceholderText(tr("Filter models"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(220);
    m_filter->setObjectName(QStringLiteral("modelFilter"));
    header->addAction(m_filter);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(widgets::ModelMatrixModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterFixedString(text);
        updateSummary();
    });

    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(widgets::ModelMatrixModel::Name, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_view->setObjectName(QStringLiteral("modelMatrix"));

    m_empty->setIcon(icon());

    auto* table = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(table);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(m_view, 1);
    tableLayout->addWidget(m_summary);
    m_stack->addWidget(m_empty);
    m_stack->addWidget(table);

    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_stack, tr("Capability Matrix"));
    m_tabs->addTab(m_endpointsPanel, tr("Endpoints"));
    m_tabs->addTab(m_runnerPanel, tr("Local Runner"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) { m_filter->setVisible(index == 0); });
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(header);
    layout->addWidget(m_tabs, 1);
    m_summary->setForegroundRole(QPalette::PlaceholderText);
}

QString ModelsPage::title() const
{
    return tr("Models & Runner");
}
QIcon ModelsPage::icon() const
{
    return style()->standardIcon(QStyle::SP_ComputerIcon);
}

void ModelsPage::showWorkspace(const WorkspaceSnapshot* snapshot)
{
    m_endpointsPanel->showWorkspace(snapshot);
    m_model->setModels(snapshot ? snapshot->models : std::vector<core::Model> {});
    m_view->resizeColumnsToContents();
    m_stack->setCurrentIndex(m_model->rowCount() == 0 ? 0 : 1);
    if (!snapshot) {
        m_empty->setTitle(tr("No workspace is open"));
        m_empty->setBody(tr("Open a workspace with File → Open, or create one with File → New."));
    } else {
        m_empty->setTitle(tr("No models described yet"));
        m_empty->setBody(tr("The capability matrix lists the candidate models: open or proprietary, licence, "
                            "commercial use, parameters, context window and prices. New workspaces start with the "
                            "seeds' table."));
    }
    updateSummary();
}

void ModelsPage::updateSummary()
{
    int open = 0;
    for (int i = 0; i < m_model->rowCount(); ++i)
        open += m_model->modelAt(i).openWeights ? 1 : 0;
    m_summary->setText(
        tr("%1 of %2 models shown · %3 with open weights").arg(m_proxy->rowCount()).arg(m_model->rowCount()).arg(open));
}

} // namespace assay::app
