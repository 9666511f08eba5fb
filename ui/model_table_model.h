#pragma once
/// The checkpoint's weight matrices (layers × types) as a table: layer, type,
/// shape, PR, K50, K90, σ_max, stable rank and the tensor name. One row per
/// SpectralAnalysis::matrices entry, in the same order, so a source row is a
/// matrix index. Sort with a QSortFilterProxyModel on kSortRole.
/// GUI thread only.
#include "ui/loaded_model.h"

#include <QAbstractTableModel>

namespace ctscope::ui {

class ModelTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Layer, Type, Shape, PR, K50, K90, SigmaMax, StableRank, Name, ColumnCount };
    /// Raw value for sorting (numbers as numbers; embed/head layer = -1).
    static constexpr int kSortRole = Qt::UserRole + 1;
    /// The matrix index into SpectralAnalysis::matrices.
    static constexpr int kMatrixIndexRole = Qt::UserRole + 2;

    explicit ModelTableModel(QObject* parent = nullptr);

    /// Replaces the contents (null clears).
    void setModel(LoadedModelPtr model);
    const LoadedModelPtr& model() const { return m_model; }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    LoadedModelPtr m_model;
};

}  // namespace ctscope::ui
