// SPDX-License-Identifier: MIT
#include "promptlistmodel.h"

#include <QStringList>

namespace assay::widgets {

namespace {
QString joined(const std::vector<std::string>& items, const QString& sep)
{
    QStringList list;
    for (const std::string& s : items)
        list << QString::fromStdString(s);
    return list.join(sep);
}
} // namespace

PromptListModel::PromptListModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void PromptListModel::setEntries(std::vector<PromptEntry> entries)
{
    beginResetModel();
    m_entries = std::move(entries);
    endResetModel();
}

int PromptListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int PromptListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PromptListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const PromptEntry& e = m_entries[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return QString::fromStdString(e.name);
        case Version:
            return tr("v%1").arg(e.latestVersion);
        case Labels:
            return joined(e.labels, QStringLiteral(", "));
        case Tags:
            return joined(e.tags, QStringLiteral(", "));
        case Folder:
            return e.folder.empty() ? tr("(root)") : QString::fromStdString(e.folder);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return e.description.empty() ? QVariant() : QVariant(QString::fromStdString(e.description));
    case EntryIndexRole:
        return index.row();
    case FolderRole:
        return QString::fromStdString(e.folder);
    case TagsRole: {
        QStringList tags;
        for (const std::string& t : e.tags)
            tags << QString::fromStdString(t);
        return tags;
    }
    case LabelNamesRole: {
        QStringList names;
        for (const std::string& l : e.labelNames)
            names << QString::fromStdString(l);
        return names;
    }
    case IdRole:
        return QString::fromStdString(e.id);
    case SearchTextRole:
        return QString(QString::fromStdString(e.name + ' ' + e.description + ' ' + e.folder + ' ')
            + joined(e.tags, QStringLiteral(" ")));
    default:
        return {};
    }
}

QVariant PromptListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Prompt");
    case Version:
        return tr("Version");
    case Labels:
        return tr("Labels");
    case Tags:
        return tr("Tags");
    case Folder:
        return tr("Folder");
    default:
        return {};
    }
}

} // namespace assay::widgets
