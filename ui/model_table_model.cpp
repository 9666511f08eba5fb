#include "ui/model_table_model.h"

#include "ui/plot_style.h"

#include <QBrush>

namespace ctscope::ui {

ModelTableModel::ModelTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ModelTableModel::setModel(LoadedModelPtr model) {
    beginResetModel();
    m_model = std::move(model);
    endResetModel();
}

int ModelTableModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_model) return 0;
    return static_cast<int>(m_model->analysis.matrices.size());
}

int ModelTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ModelTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_model) return {};
    const MatrixResult& m = m_model->analysis.matrices[static_cast<size_t>(index.row())];
    const int column = index.column();
    if (role == kMatrixIndexRole) return index.row();
    if (role == kSortRole) {
        switch (column) {
            case Layer:
                return m.layer;
            case Type:
                return static_cast<int>(m.type);
            case Shape:
                return static_cast<qlonglong>(m.rows * m.cols);
            case PR:
                return m.pr;
            case K50:
                return m.k50;
            case K90:
                return m.k90;
            case SigmaMax:
                return m.sigmaMax;
            case StableRank:
                return m.stableRank;
            case Name:
                return QString::fromStdString(m.name);
            default:
                return {};
        }
    }
    if (role == Qt::DisplayRole) {
        switch (column) {
            case Layer:
                return m.layer < 0 ? QStringLiteral("–") : QString::number(m.layer);
            case Type:
                return PlotStyle::typeLabel(m.type);
            case Shape:
                return QStringLiteral("%1 × %2").arg(m.rows).arg(m.cols);
            case PR:
                return QString::number(m.pr, 'f', 2);
            case K50:
                return m.k50;
            case K90:
                return m.k90;
            case SigmaMax:
                return QString::number(m.sigmaMax, 'g', 4);
            case StableRank:
                return QString::number(m.stableRank, 'f', 2);
            case Name:
                return QString::fromStdString(m.name);
            default:
                return {};
        }
    }
    if (role == Qt::TextAlignmentRole) {
        if (column == Type || column == Name) return int(Qt::AlignLeft | Qt::AlignVCenter);
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        return QStringLiteral("%1\n%2 × %3, %4 singular values")
            .arg(QString::fromStdString(m.name))
            .arg(m.rows)
            .arg(m.cols)
            .arg(m.singularValues.size());
    }
    if (role == Qt::DecorationRole && column == Type) return PlotStyle::typeColor(m.type);
    return {};
}

QVariant ModelTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
            case Layer:
                return QStringLiteral("Layer");
            case Type:
                return QStringLiteral("Type");
            case Shape:
                return QStringLiteral("Shape");
            case PR:
                return QStringLiteral("PR");
            case K50:
                return QStringLiteral("K50");
            case K90:
                return QStringLiteral("K90");
            case SigmaMax:
                return QStringLiteral("σ_max");
            case StableRank:
                return QStringLiteral("Stable rank");
            case Name:
                return QStringLiteral("Tensor");
            default:
                return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case Shape:
                return QStringLiteral("out × in features");
            case PR:
                return QStringLiteral("Participation ratio (Σσ²)² / Σσ⁴ of the matrix's singular values");
            case K50:
                return QStringLiteral("Smallest K whose top-K singular directions hold ≥ 50% of ‖W‖²_F");
            case K90:
                return QStringLiteral("Smallest K whose top-K singular directions hold ≥ 90% of ‖W‖²_F");
            case SigmaMax:
                return QStringLiteral("Largest singular value");
            case StableRank:
                return QStringLiteral("‖W‖²_F / σ_max²");
            default:
                return {};
        }
    }
    return {};
}

}  // namespace ctscope::ui
