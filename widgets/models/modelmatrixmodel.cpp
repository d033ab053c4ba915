// SPDX-License-Identifier: MIT
#include "modelmatrixmodel.h"

#include <QLocale>

namespace assay::widgets {

namespace {
const QString kUnknown = QStringLiteral("—");

QString yesNo(const std::optional<bool>& v)
{
    if (!v)
        return kUnknown;
    return *v ? ModelMatrixModel::tr("Yes") : ModelMatrixModel::tr("No");
}

QString price(const std::optional<double>& v)
{
    if (!v)
        return kUnknown;
    return QLocale().toString(*v, 'f', *v < 1.0 ? 3 : 2);
}
} // namespace

ModelMatrixModel::ModelMatrixModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void ModelMatrixModel::setModels(std::vector<core::Model> models)
{
    beginResetModel();
    m_models = std::move(models);
    endResetModel();
}

int ModelMatrixModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_models.size());
}

int ModelMatrixModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ModelMatrixModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const core::Model& m = m_models[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return display(m, index.column());
    case SortRole:
        return sortValue(m, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Name || index.column() == Licence)
            return m.notes.empty() ? QVariant() : QVariant(QString::fromStdString(m.notes));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= Parameters && index.column() != FineTunable)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant ModelMatrixModel::display(const core::Model& m, int column) const
{
    const QLocale locale;
    switch (column) {
    case Name:
        return QString::fromStdString(m.name);
    case Provider:
        return QString::fromStdString(m.provider);
    case Weights:
        return m.openWeights ? tr("Open") : tr("Proprietary");
    case Licence:
        return m.licence.empty() ? kUnknown : QString::fromStdString(m.licence);
    case CommercialUse:
        return yesNo(m.commercialUse);
    case Parameters:
        return m.parametersB ? tr("%1 B").arg(locale.toString(*m.parametersB, 'g', 4)) : kUnknown;
    case ContextWindow:
        return m.contextWindow ? locale.toString(static_cast<qlonglong>(*m.contextWindow)) : kUnknown;
    case FineTunable:
        return yesNo(m.fineTunable);
    case PriceIn:
        return price(m.priceInPerMTok);
    case PriceOut:
        return price(m.priceOutPerMTok);
    case PriceGpuHour:
        return price(m.priceGpuHour);
    default:
        return {};
    }
}

QVariant ModelMatrixModel::sortValue(const core::Model& m, int column)
{
    auto num = [](const auto& opt) { return opt ? QVariant(static_cast<double>(*opt)) : QVariant(-1.0); };
    auto flag = [](const std::optional<bool>& v) { return v ? QVariant(*v ? 1 : 0) : QVariant(-1); };
    switch (column) {
    case Name:
        return QString::fromStdString(m.name).toLower();
    case Provider:
        return QString::fromStdString(m.provider).toLower();
    case Weights:
        return m.openWeights ? 1 : 0;
    case Licence:
        return QString::fromStdString(m.licence).toLower();
    case CommercialUse:
        return flag(m.commercialUse);
    case Parameters:
        return num(m.parametersB);
    case ContextWindow:
        return num(m.contextWindow);
    case FineTunable:
        return flag(m.fineTunable);
    case PriceIn:
        return num(m.priceInPerMTok);
    case PriceOut:
        return num(m.priceOutPerMTok);
    case PriceGpuHour:
        return num(m.priceGpuHour);
    default:
        return {};
    }
}

QVariant ModelMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case PriceIn:
            return tr("Price per 1M input tokens");
        case PriceOut:
            return tr("Price per 1M output tokens");
        case PriceGpuHour:
            return tr("Price per GPU-hour (self-hosted models)");
        case Weights:
            return tr("Open weights or proprietary");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Model");
    case Provider:
        return tr("Provider");
    case Weights:
        return tr("Weights");
    case Licence:
        return tr("Licence");
    case CommercialUse:
        return tr("Commercial use");
    case Parameters:
        return tr("Parameters");
    case ContextWindow:
        return tr("Context");
    case FineTunable:
        return tr("Fine-tunable");
    case PriceIn:
        return tr("In / 1M");
    case PriceOut:
        return tr("Out / 1M");
    case PriceGpuHour:
        return tr("GPU-hour");
    default:
        return {};
    }
}

} // namespace assay::widgets
