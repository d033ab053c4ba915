// SPDX-License-Identifier: MIT
#pragma once

#include "domain/model.h"

#include <QAbstractTableModel>

#include <vector>

namespace assay::widgets {

/// The capability matrix (core::Model rows) as a table: one row per model, one column per fact.
/// Unknown facts show as "—". Qt::UserRole gives a sortable raw value (numbers as numbers). GUI thread only.
class ModelMatrixModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Name,
        Provider,
        Weights,
        Licence,
        CommercialUse,
        Parameters,
        ContextWindow,
        FineTunable,
        PriceIn,
        PriceOut,
        PriceGpuHour,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;

    explicit ModelMatrixModel(QObject* parent = nullptr);

    void setModels(std::vector<core::Model> models);
    const core::Model& modelAt(int row) const { return m_models.at(static_cast<std::size_t>(row)); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant display(const core::Model& m, int column) const;
    static QVariant sortValue(const core::Model& m, int column);

    std::vector<core::Model> m_models;
};

} // namespace assay::widgets
