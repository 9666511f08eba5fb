#pragma once
/// The runs of a fine-tuning sweep, one row each: arm, basis, K, seed, lr,
/// trainable parameters, held-out loss before and after, and efficiency
/// (L₀ − L_run) / (L₀ − L_full) against the sweep's baseline, computed by
/// core's runEfficiency() (the same numbers as summary.csv and the plot).
/// Sort with a QSortFilterProxyModel on kSortRole. GUI thread only.
#include "core/report/efficiency.h"
#include "core/train/finetune_types.h"

#include <QAbstractTableModel>

#include <vector>

namespace ctscope::ui {

class RunTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Arm_, Basis, K, Seed, LearningRate, Trainable, StartLoss, FinalLoss, Efficiency, ColumnCount };
    static constexpr int kSortRole = Qt::UserRole + 1;

    explicit RunTableModel(QObject* parent = nullptr);

    void setRuns(std::vector<RunResult> runs, const EfficiencyTable& table);
    void addRun(const RunResult& run);
    /// Updates the efficiency column (the baseline may finish after a run).
    void setEfficiency(const EfficiencyTable& table);
    void clear();
    const std::vector<RunResult>& runs() const { return m_runs; }

    /// Efficiency of one run as a fraction, NaN when undefined: core's
    /// ctscope::runEfficiency().
    static double runEfficiency(const RunResult& run, const EfficiencyTable& table);
    /// "full", "amp · universal", "LoRA" …: the label used in legends too.
    static QString armLabel(const RunSpec& spec);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<RunResult> m_runs;
    EfficiencyTable m_table;
};

}  // namespace ctscope::ui
