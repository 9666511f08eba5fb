#pragma once
/// The checkpoint at a glance: a summary line and the sortable, filterable
/// table of weight matrices. Selecting rows selects the matrices the other
/// views show. GUI thread only.
#include "ui/loaded_model.h"

#include <QVector>
#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace ctscope::ui {

class ModelTableModel;

class ModelPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelPanel(QWidget* parent = nullptr);

    void setModel(LoadedModelPtr model);
    ModelTableModel* tableModel() const { return m_model; }
    QSortFilterProxyModel* proxyModel() const { return m_proxy; }
    QTableView* tableView() const { return m_view; }
    /// Selected matrix indices (into SpectralAnalysis::matrices), in table order.
    QVector<int> selectedMatrices() const;
    /// The summary text above the table.
    QString summary() const;

signals:
    void selectionChanged(const QVector<int>& matrices);

private:
    ModelTableModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_view = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_summary = nullptr;
};

}  // namespace ctscope::ui
