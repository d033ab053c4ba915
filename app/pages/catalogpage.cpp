// SPDX-License-Identifier: MIT
#include "catalogpage.h"

#include "emptystate.h"
#include "models/promptlistmodel.h"
#include "pageheader.h"
#include "templatehighlighter.h"

#include <QAction>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <set>

namespace assay::app {

/// Filters the list by folder (prefix) and by every word of the search text.
class PromptFilterModel : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setFolder(const QString& folder)
    {
        m_folder = folder;
        invalidateFilter();
    }
    void setWords(const QString& text)
    {
        m_words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override
    {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        if (!m_folder.isEmpty()) {
            const QString folder = index.data(widgets::PromptListModel::FolderRole).toString();
            if (folder != m_folder && !folder.startsWith(m_folder + QLatin1Char('/')))
                return false;
        }
        const QString text = index.data(widgets::PromptListModel::SearchTextRole).toString();
        for (const QString& w : m_words)
            if (!text.contains(w, Qt::CaseInsensitive))
                return false;
        return true;
    }

private:
    QString m_folder;
    QStringList m_words;
};

CatalogPage::CatalogPage(QWidget* parent)
    : Page(parent)
    , m_model(new widgets::PromptListModel(this))
    , m_filter(new PromptFilterModel(this))
    , m_search(new QLineEdit(this))
    , m_folders(new QTreeWidget(this))
    , m_list(new QTableView(this))
    , m_detailTitle(new QLabel(this))
    , m_detailMeta(new QLabel(this))
    , m_detailDescription(new QLabel(this))
    , m_template(new QPlainTextEdit(this))
    , m_empty(new widgets::EmptyState(this))
    , m_stack(new QStackedWidget(this))
{
    auto* header = new widgets::PageHeader(
        title(), tr("Versioned prompts, shared and identical for every tester; labels mark what is in use."), this);
    m_search->setPlaceholderText(tr("Search prompts (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(260);
    m_search->setObjectName(QStringLiteral("catalogSearch"));
    header->addAction(m_search);
    auto* find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, m_search, [this] {
        m_search->setFocus();
        m_search->selectAll();
    });
    addAction(find);

    m_filter->setSourceModel(m_model);
    m_filter->setSortCaseSensitivity(Qt::CaseInsensitive);
    connect(m_search, &QLineEdit::textChanged, m_filter, &PromptFilterModel::setWords);

    m_folders->setHeaderHidden(true);
    m_folders->setObjectName(QStringLiteral("catalogFolders"));
    connect(m_folders, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        m_filter->setFolder(item ? item->data(0, Qt::UserRole).toString() : QString());
    });

    m_list->setModel(m_filter);
    m_list->setSortingEnabled(true);
    m_list->sortByColumn(widgets::PromptListModel::Name, Qt::AscendingOrder);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->verticalHeader()->hide();
    m_list->horizontalHeader()->setStretchLastSection(true);
    m_list->setAlternatingRowColors(true);
    m_list->setColumnHidden(widgets::PromptListModel::Folder, true); // the folder tree shows it
    m_list->setObjectName(QStringLiteral("catalogList"));
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CatalogPage::showDetails);

    QFont titleFont = m_detailTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_detailTitle->setFont(titleFont);
    m_detailMeta->setForegroundRole(QPalette::PlaceholderText);
    m_detailMeta->setWordWrap(true);
    m_detailDescription->setWordWrap(true);
    m_template->setReadOnly(true);
    m_template->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_template->setObjectName(QStringLiteral("catalogTemplate"));
    new widgets::TemplateHighlighter(m_template->document());
    auto* details = new QWidget(this);
    auto* detailLayout = new QVBoxLayout(details);
    detailLayout->setContentsMargins(8, 0, 0, 0);
    detailLayout->addWidget(m_detailTitle);
    detailLayout->addWidget(m_detailMeta);
    detailLayout->addWidget(m_detailDescription);
    detailLayout->addWidget(m_template, 1);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(m_folders);
    splitter->addWidget(m_list);
    splitter->addWidget(details);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 3);
    splitter->setSizes({ 170, 430, 420 });

    m_empty->setIcon(icon());
    m_stack->addWidget(m_empty);
    m_stack->addWidget(splitter);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(header);
    layout->addWidget(m_stack, 1);
}

CatalogPage::~CatalogPage() = default;

QString CatalogPage::title() const
{
    return tr("Catalog");
}
QIcon CatalogPage::icon() const
{
    return style()->standardIcon(QStyle::SP_FileDialogDetailedView);
}

void CatalogPage::showWorkspace(const WorkspaceSnapshot* snapshot)
{
    m_model->setEntries(snapshot ? snapshot->prompts : std::vector<widgets::PromptEntry> {});
    rebuildFolders();
    m_list->resizeColumnsToContents();
    m_stack->setCurrentIndex(m_model->rowCount() == 0 ? 0 : 1);
    if (!snapshot) {
        m_empty->setTitle(tr("No workspace is open"));
        m_empty->setBody(tr("Open a workspace with File → Open, or create one with File → New."));
    } else {
        m_empty->setTitle(tr("The catalog is empty"));
        m_empty->setBody(tr("Prompts kept here are versioned: every save is a new immutable version, and labels "
                            "such as dev and prod mark the versions in use. Import prompts with assay-cli catalog "
                            "import, or start from the sample workspace."));
    }
    if (m_filter->rowCount() > 0)
        m_list->selectRow(0);
    showDetails();
}

void CatalogPage::rebuildFolders()
{
    m_folders->clear();
    auto* all = new QTreeWidgetItem(m_folders, { tr("All prompts (%1)").arg(m_model->rowCount()) });
    all->setData(0, Qt::UserRole, QString());
    all->setIcon(0, style()->standardIcon(QStyle::SP_DirHomeIcon));
    std::set<std::string> paths;
    for (const widgets::PromptEntry& e : m_model->entries()) {
        std::string path;
        std::size_t start = 0;
        while (!e.folder.empty() && start <= e.folder.size()) {
            const std::size_t slash = e.folder.find('/', start);
            path = e.folder.substr(0, slash);
            paths.insert(path);
            if (slash == std::string::npos)
                break;
            start = slash + 1;
        }
    }
    std::map<std::string, QTreeWidgetItem*> items;
    for (const std::string& path : paths) { // sorted, so parents come first
        const std::size_t slash = path.rfind('/');
        QTreeWidgetItem* parent = slash == std::string::npos ? all : items[path.substr(0, slash)];
        auto* item = new QTreeWidgetItem(parent, { QString::fromStdString(path.substr(slash + 1)) });
        item->setData(0, Qt::UserRole, QString::fromStdString(path));
        item->setIcon(0, style()->standardIcon(QStyle::SP_DirIcon));
        items[path] = item;
    }
    m_folders->expandAll();
    m_folders->setCurrentItem(all);
}

void CatalogPage::selectPrompt(const QString& name)
{
    for (int row = 0; row < m_filter->rowCount(); ++row)
        if (m_filter->index(row, widgets::PromptListModel::Name).data().toString() == name) {
            m_list->selectRow(row);
            return;
        }
}

int CatalogPage::visiblePromptCount() const
{
    return m_filter->rowCount();
}

void CatalogPage::showDetails()
{
    const QModelIndex current = m_list->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_detailTitle->setText(m_model->rowCount() ? tr("No prompt selected") : QString());
        m_detailMeta->clear();
        m_detailDescription->clear();
        m_template->clear();
        return;
    }
    const auto& e = m_model->entries().at(
        static_cast<std::size_t>(current.data(widgets::PromptListModel::EntryIndexRole).toInt()));
    m_detailTitle->setText(QString::fromStdString(e.name));
    QStringList meta;
    meta << (e.isChain ? tr("Chain of %1 steps · v%2").arg(e.stepNames.size()).arg(e.latestVersion)
                       : tr("Template · v%1").arg(e.latestVersion));
    if (!e.labels.empty())
        meta << tr("labels: %1").arg(current.siblingAtColumn(widgets::PromptListModel::Labels).data().toString());
    if (!e.tags.empty())
        meta << tr("tags: %1").arg(current.siblingAtColumn(widgets::PromptListModel::Tags).data().toString());
    m_detailMeta->setText(meta.join(QStringLiteral(" · ")));
    m_detailDescription->setText(QString::fromStdString(e.description));
    QString text;
    for (const core::ChatMessage& m : e.messages) {
        if (!text.isEmpty())
            text += QStringLiteral("\n\n");
        text += QStringLiteral("[%1]\n").arg(QString::fromStdString(m.role)) + QString::fromStdString(m.content);
    }
    m_template->setPlainText(text);
}

} // namespace assay::app
