// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"

#include <QAbstractTableModel>

#include <string>
#include <vector>

namespace assay::widgets {

/// One prompt as the catalog list shows it: its metadata, latest version and labels.
struct PromptEntry {
    std::string id;
    std::string name;
    std::string folder; ///< "/"-separated, "" = root
    std::string description;
    std::vector<std::string> tags;
    bool isChain = false;
    int latestVersion = 0;
    std::vector<std::string> labels; ///< "prod → v3" style, one per label
    std::vector<std::string> labelNames; ///< "prod", … (for filters)
    std::int64_t updatedAt = 0;
};

/// The catalog list: one row per prompt. Qt::UserRole = index into entries(); FolderRole/TagsRole feed filters.
/// GUI thread only.
class PromptListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Version, Labels, Tags, Folder, ColumnCount };
    enum Role { EntryIndexRole = Qt::UserRole, FolderRole, TagsRole, SearchTextRole, LabelNamesRole, IdRole };

    explicit PromptListModel(QObject* parent = nullptr);

    void setEntries(std::vector<PromptEntry> entries);
    const std::vector<PromptEntry>& entries() const { return m_entries; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<PromptEntry> m_entries;
};

} // namespace assay::widgets
