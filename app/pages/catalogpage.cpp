// SPDX-License-Identifier: MIT
#include "catalogpage.h"

#include "catalogcontroller.h"
#include "emptystate.h"
#include "models/promptlistmodel.h"
#include "pageheader.h"
#include "prompteditor.h"
#include "promptpreview.h"
#include "versionhistory.h"

#include <QAction>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include <map>
#include <optional>
#include <set>

namespace assay::app {

/// Filters the list by folder (prefix) and by every word of the search text.
class PromptFilterModel : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    /// "" (everything), "folder:<path>" (with subfolders), "tag:<tag>" or "label:<label>".
    void setScope(const QString& scope)
    {
        m_scope = scope;
        invalidateFilter();
    }
    /// The prompts a full-text search found; std::nullopt = no search.
    void setMatches(std::optional<QSet<QString>> ids)
    {
        m_matches = std::move(ids);
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override
    {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        if (m_matches && !m_matches->contains(index.data(widgets::PromptListModel::IdRole).toString()))
            return false;
        if (m_scope.startsWith(QLatin1String("folder:"))) {
            const QString want = m_scope.mid(7);
            const QString folder = index.data(widgets::PromptListModel::FolderRole).toString();
            return folder == want || folder.startsWith(want + QLatin1Char('/'));
        }
        if (m_scope.startsWith(QLatin1String("tag:")))
            return index.data(widgets::PromptListModel::TagsRole).toStringList().contains(m_scope.mid(4));
        if (m_scope.startsWith(QLatin1String("label:")))
            return index.data(widgets::PromptListModel::LabelNamesRole).toStringList().contains(m_scope.mid(6));
        return true;
    }

private:
    QString m_scope;
    std::optional<QSet<QString>> m_matches;
};

CatalogPage::CatalogPage(CatalogController& controller, QWidget* parent)
    : Page(parent)
    , m_controller(controller)
    , m_model(new widgets::PromptListModel(this))
    , m_filter(new PromptFilterModel(this))
    , m_search(new QLineEdit(this))
    , m_folders(new QTreeWidget(this))
    , m_list(new QTableView(this))
    , m_detailTitle(new QLabel(this))
    , m_detailMeta(new QLabel(this))
    , m_detailDescription(new QLabel(this))
    , m_notice(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_editor(new PromptEditor(this))
    , m_preview(new PromptPreview(this))
    , m_history(new VersionHistory(this))
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
    auto shortcut = [this](const QKeySequence& keys, auto slot) {
        auto* a = new QAction(this);
        a->setShortcut(keys);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
    };
    shortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), [this] { newPrompt(); });
    shortcut(QKeySequence::Save, [this] { save(); });
    shortcut(QKeySequence(Qt::ALT | Qt::Key_Down), [this] { selectNext(1); });
    shortcut(QKeySequence(Qt::ALT | Qt::Key_Up), [this] { selectNext(-1); });
    auto* newButton = new QPushButton(tr("New Prompt"), this);
    newButton->setToolTip(tr("Create a prompt in the selected folder (Ctrl+Shift+N)"));
    connect(newButton, &QPushButton::clicked, this, [this] { newPrompt(); });
    header->addAction(newButton);

    m_filter->setSourceModel(m_model);
    m_filter->setSortCaseSensitivity(Qt::CaseInsensitive);
    // Search as you type: full-text (FTS5) on the workspace thread, debounced; the latest query wins.
    auto* debounce = new QTimer(this);
    debounce->setSingleShot(true);
    debounce->setInterval(120);
    connect(m_search, &QLineEdit::textChanged, debounce, qOverload<>(&QTimer::start));
    connect(debounce, &QTimer::timeout, this, [this] {
        const QString query = m_search->text().trimmed();
        if (query.isEmpty())
            m_filter->setMatches(std::nullopt);
        else
            m_controller.search(query);
    });
    connect(
        &m_controller, &CatalogController::searchFinished, this, [this](const QString& query, const QStringList& ids) {
            if (query != m_search->text().trimmed())
                return;
            m_filter->setMatches(QSet<QString>(ids.begin(), ids.end()));
        Q_EMIT searchApplied(query, m_filter->rowCount());
        });

    m_folders->setHeaderHidden(true);
    m_folders->setObjectName(QStringLiteral("catalogFolders"));
    connect(m_folders, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        m_filter->setScope(item ? item->data(0, Qt::UserRole).toString() : QString());
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
    m_list->horizontalHeader()->setResizeContentsPrecision(200); // size columns from a sample, not every row
    m_list->setObjectName(QStringLiteral("catalogList"));
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CatalogPage::onCurrentChanged);

    QFont titleFont = m_detailTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_detailTitle->setFont(titleFont);
    m_detailMeta->setForegroundRole(QPalette::PlaceholderText);
    m_detailMeta->setWordWrap(true);
    m_detailDescription->setWordWrap(true);
    m_notice->setWordWrap(true);
    m_notice->setObjectName(QStringLiteral("catalogNotice"));
    m_notice->hide();
    m_tabs->addTab(m_editor, tr("Edit"));
    m_tabs->addTab(m_preview, tr("Preview"));
    m_tabs->addTab(m_history, tr("History"));
    m_tabs->setDocumentMode(true);
    auto* details = new QWidget(this);
    auto* detailLayout = new QVBoxLayout(details);
    detailLayout->setContentsMargins(8, 0, 0, 0);
    detailLayout->addWidget(m_detailTitle);
    detailLayout->addWidget(m_detailMeta);
    detailLayout->addWidget(m_detailDescription);
    detailLayout->addWidget(m_notice);
    detailLayout->addWidget(m_tabs, 1);

    connect(m_editor, &PromptEditor::contentEdited, this, [this] {
        const auto& entries = m_model->entries();
        const bool chain = std::any_of(entries.begin(), entries.end(),
            [this](const widgets::PromptEntry& e) { return QString::fromStdString(e.id) == m_currentId && e.isChain; });
        m_preview->setContent(m_editor->content(), chain);
    });
    connect(m_editor, &PromptEditor::dirtyChanged, this,
        [this](bool dirty) { m_tabs->setTabText(0, dirty ? tr("Edit •") : tr("Edit")); });
    connect(m_editor, &PromptEditor::saveRequested, this, [this](const QString&) { save(); });
    connect(m_history, &VersionHistory::labelRequested, this, [this](const QString& label, int version) {
        if (!m_currentId.isEmpty())
            m_controller.setLabel(m_currentId, label, version);
    });
    connect(&m_controller, &CatalogController::historyLoaded, this, &CatalogPage::onHistoryLoaded);
    connect(&m_controller, &CatalogController::saved, this,
        [this](const QString& id, int version, const QStringList& duplicates) {
            m_currentId = id; // a new prompt becomes the selected one when the list comes back
            if (duplicates.isEmpty())
                setNotice(tr("Saved version %1.").arg(version), false);
            else
                setNotice(tr("Saved version %1. It is nearly identical to %2: consider reusing that prompt instead.")
                              .arg(version)
                              .arg(duplicates.join(QStringLiteral(", "))),
                    true);
        });
    connect(&m_controller, &CatalogController::labelMoved, this, [this](const QString&, const QString& label, int v) {
        setNotice(tr("Label %1 now points at version %2.").arg(label).arg(v), false);
    });
    connect(
        &m_controller, &CatalogController::failed, this, [this](const QString& message) { setNotice(message, true); });
    m_askUnsaved = [this](const QString& name) {
        return QMessageBox::warning(this, tr("Unsaved changes"),
            tr("“%1” has changes that are not saved as a version yet.").arg(name),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    };

    auto* splitter = new QSplitter(this);
    splitter->addWidget(m_folders);
    splitter->addWidget(m_list);
    splitter->addWidget(details);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 3);
    splitter->setSizes({ 200, 380, 560 });
    m_folders->setMinimumWidth(150);

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
    m_reverting = true; // resetting the list is not the user leaving the prompt
    const QString scope = currentScope();
    m_model->setEntries(snapshot ? snapshot->prompts : std::vector<widgets::PromptEntry> {});
    rebuildFolders();
    for (QTreeWidgetItemIterator it(m_folders); *it; ++it)
        if ((*it)->data(0, Qt::UserRole).toString() == scope)
            m_folders->setCurrentItem(*it);
    m_reverting = false;
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
    // Keep the selected prompt across refreshes (after a save the list is re-read): same prompt, no reload.
    bool found = false;
    for (int row = 0; row < m_filter->rowCount() && !m_currentId.isEmpty(); ++row) {
        const int entry = m_filter->index(row, 0).data(widgets::PromptListModel::EntryIndexRole).toInt();
        if (QString::fromStdString(m_model->entries().at(static_cast<std::size_t>(entry)).id) == m_currentId) {
            m_reverting = true;
            m_list->selectRow(row);
            m_reverting = false;
            found = true;
            if (m_loadedId != m_currentId) // e.g. a prompt just created
                m_controller.loadHistory(m_currentId);
            break;
        }
    }
    if (!found) {
        m_currentId.clear();
        m_loadedId.clear();
        m_editor->clear();
        m_history->clear();
        if (m_filter->rowCount() > 0)
            m_list->selectRow(0);
    }
    if (m_filter->rowCount() == 0) {
        m_editor->clear();
        m_history->clear();
    }
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
        item->setData(0, Qt::UserRole, QString(QStringLiteral("folder:") + QString::fromStdString(path)));
        item->setIcon(0, style()->standardIcon(QStyle::SP_DirIcon));
        items[path] = item;
    }
    // Labels, and the most used tags (a catalog with thousands of tags lists the top ones; search finds the rest).
    std::set<std::string> labels;
    std::map<std::string, int> tagCounts;
    for (const widgets::PromptEntry& e : m_model->entries()) {
        for (const std::string& t : e.tags)
            ++tagCounts[t];
        labels.insert(e.labelNames.begin(), e.labelNames.end());
    }
    constexpr std::size_t kMaxTags = 100;
    std::vector<std::pair<std::string, int>> byUse(tagCounts.begin(), tagCounts.end());
    std::stable_sort(byUse.begin(), byUse.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (byUse.size() > kMaxTags)
        byUse.resize(kMaxTags);
    std::set<std::string> tags;
    for (const auto& [tag, count] : byUse)
        tags.insert(tag);
    auto group = [this](const QString& title, const std::set<std::string>& names, const QString& prefix,
                     QStyle::StandardPixmap icon) {
        if (names.empty())
            return;
        auto* root = new QTreeWidgetItem(m_folders, { title });
        root->setFlags(Qt::ItemIsEnabled);
        const QIcon itemIcon = style()->standardIcon(icon);
        QList<QTreeWidgetItem*> children;
        for (const std::string& n : names) {
            auto* item = new QTreeWidgetItem({ QString::fromStdString(n) });
            item->setData(0, Qt::UserRole, QString(prefix + QString::fromStdString(n)));
            item->setIcon(0, itemIcon);
            children << item;
        }
        root->addChildren(children); // one insertion, not one per item
    };
    group(tr("Labels"), labels, QStringLiteral("label:"), QStyle::SP_DialogApplyButton);
    group(tagCounts.size() > kMaxTags ? tr("Tags (the %1 most used of %2)").arg(kMaxTags).arg(tagCounts.size())
                                      : tr("Tags"),
        tags, QStringLiteral("tag:"), QStyle::SP_FileIcon);
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
        return;
    }
    const auto& e = m_model->entries().at(
        static_cast<std::size_t>(current.data(widgets::PromptListModel::EntryIndexRole).toInt()));
    m_detailTitle->setText(QString::fromStdString(e.name));
    QStringList meta;
    meta << (e.isChain ? tr("Chain · v%1").arg(e.latestVersion)
                       : tr("Template · v%1").arg(e.latestVersion));
    if (!e.labels.empty())
        meta << tr("labels: %1").arg(current.siblingAtColumn(widgets::PromptListModel::Labels).data().toString());
    if (!e.tags.empty())
        meta << tr("tags: %1").arg(current.siblingAtColumn(widgets::PromptListModel::Tags).data().toString());
    m_detailMeta->setText(meta.join(QStringLiteral(" · ")));
    m_detailDescription->setText(QString::fromStdString(e.description));
}

void CatalogPage::onCurrentChanged(const QModelIndex& current, const QModelIndex& previous)
{
    if (m_reverting)
        return;
    QString id;
    if (current.isValid()) {
        const int entry = current.data(widgets::PromptListModel::EntryIndexRole).toInt();
        id = QString::fromStdString(m_model->entries().at(static_cast<std::size_t>(entry)).id);
    }
    if (id == m_currentId && !id.isEmpty()) {
        showDetails();
        return;
    }
    if (!maybeLeavePrompt()) {
        m_reverting = true;
        m_list->selectionModel()->setCurrentIndex(
            previous, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_reverting = false;
        return;
    }
    m_currentId = id;
    m_loadedId.clear();
    m_notice->hide();
    showDetails();
    if (!id.isEmpty())
        m_controller.loadHistory(id);
}

bool CatalogPage::maybeLeavePrompt()
{
    if (!m_editor->isDirty() || m_currentId.isEmpty())
        return true;
    switch (m_askUnsaved(m_detailTitle->text())) {
    case QMessageBox::Save:
        if (!m_editor->isValid())
            return false;
        save();
        return true;
    case QMessageBox::Discard:
        m_editor->clear();
        return true;
    default:
        return false;
    }
}

void CatalogPage::onHistoryLoaded(const PromptHistory& history)
{
    if (QString::fromStdString(history.prompt.id) != m_currentId || history.versions.empty())
        return;
    if (!m_editor->isDirty() || !m_editor->isEnabled()) {
        m_editor->setContent(history.versions.back().content, history.prompt.isChain);
        m_preview->setContent(history.versions.back().content, history.prompt.isChain);
    }
    m_history->setHistory(history);
    m_loadedId = m_currentId;
}

void CatalogPage::save()
{
    if (m_currentId.isEmpty() || !m_editor->isDirty() || !m_editor->isValid())
        return;
    const core::PromptContent content = m_editor->content();
    const QString message = m_editor->messageField()->text();
    m_controller.saveVersion(m_currentId, content, message);
    m_editor->setContent(content, !content.steps.empty()); // the saved content is the new baseline
}

void CatalogPage::newPrompt(const QString& name, bool chain)
{
    QString chosen = name;
    if (chosen.isEmpty()) {
        bool ok = false;
        chosen = QInputDialog::getText(
            this, tr("New Prompt"), tr("Name of the new prompt:"), QLineEdit::Normal, QString(), &ok);
        if (!ok || chosen.trimmed().isEmpty())
            return;
    }
    if (!maybeLeavePrompt())
        return;
    m_controller.createPrompt(chosen, currentFolder(), chain);
}

QString CatalogPage::currentScope() const
{
    QTreeWidgetItem* item = m_folders->currentItem();
    return item ? item->data(0, Qt::UserRole).toString() : QString();
}

QString CatalogPage::currentFolder() const
{
    const QString scope = currentScope();
    return scope.startsWith(QLatin1String("folder:")) ? scope.mid(7) : QString();
}

void CatalogPage::selectNext(int delta)
{
    const int rows = m_filter->rowCount();
    if (rows == 0)
        return;
    const int row = m_list->selectionModel()->currentIndex().row();
    m_list->selectRow(std::clamp(row + delta, 0, rows - 1));
}

void CatalogPage::setNotice(const QString& text, bool error)
{
    m_notice->setText(text);
    QPalette pal = m_notice->palette();
    pal.setColor(QPalette::WindowText, error ? QColor(0xc6, 0x28, 0x28) : palette().color(QPalette::PlaceholderText));
    m_notice->setPalette(pal);
    m_notice->show();
}

QString CatalogPage::notice() const
{
    return m_notice->isVisible() ? m_notice->text() : QString();
}

void CatalogPage::setScope(const QString& scope)
{
    for (QTreeWidgetItemIterator it(m_folders); *it; ++it)
        if ((*it)->data(0, Qt::UserRole).toString() == scope && ((*it)->flags() & Qt::ItemIsSelectable)) {
            m_folders->setCurrentItem(*it);
            return;
        }
}

} // namespace assay::app
