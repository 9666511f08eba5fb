#pragma once
/// The efficiency frontier of a fine-tuning sweep (issue 6 §3), finished or
/// still running: one row per arm, basis, parametrisation and K with the
/// universal energy at K, efficiency mean ± s.d. over seeds with n, the
/// trainable parameters and their share of the model, parameters per
/// efficiency point and the marginal gain per unit K
/// (core/report/efficiency_frontier.h). Beside the efficiency-vs-K plot,
/// K_min per amp arm: "K_min = 16", "no K has efficiency > 0 in every seed",
/// or "undefined: the baseline does not learn". The plot is drawn from
/// core/report/figure_builders_frontier_eff.h. GUI thread only.
#include "core/report/efficiency_frontier.h"
#include "core/report/figure.h"
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"
#include "ui/value_table_model.h"

#include <vector>

class QLabel;
class QTimer;

namespace ctscope::ui {

class ValueTableView;

class EfficiencyFrontierView : public PlotPanel {
    Q_OBJECT
public:
    enum Column {
        ArmCol, BasisCol, ParamCol, K, Energy, Efficiency, Spread, Seeds, Trainable, TrainablePct,
        ParamsPerPoint, MarginalPerK, LearningRate, ColumnCount
    };

    explicit EfficiencyFrontierView(QWidget* parent = nullptr);

    /// The checkpoint the sweep fine-tunes: its universal spectrum gives
    /// E_u(K) and its tensors the model's parameter count. Null: those
    /// columns show "–".
    void setModel(LoadedModelPtr model);
    /// Replaces the runs (finished or stopped; any order) and redraws now.
    void setRuns(std::vector<RunResult> runs);
    /// Adds or replaces (same RunSpec id) one run of a running sweep; redraws
    /// are merged on a 40 ms timer.
    void addRun(const RunResult& run);
    void clear();

    const std::vector<RunResult>& runs() const { return m_runs; }
    const EfficiencyTable& efficiencyTable() const { return m_table; }
    const EfficiencyFrontier& frontier() const { return m_frontier; }
    ValueTableModel* tableModel() const;
    QList<TableExport> tables() const;
    QCustomPlot* plot() const { return m_plot; }
    /// One line per amp arm, "amp · universal: K_min = 16", as shown beside the plot.
    QStringList kMinLines() const { return m_kMinLines; }

    /// Parameters in every tensor of a checkpoint (the "whole model").
    static long long modelParameterCount(const Checkpoint& checkpoint);

public slots:
    void resetView() override;
    /// Recomputes the table and plot from the runs now.
    void refresh();

private:
    void rebuildTable();
    void rebuildPlot();
    void rebuildKMin();

    LoadedModelPtr m_model;
    long long m_modelParams = 0;
    std::vector<RunResult> m_runs;
    EfficiencyTable m_table;
    EfficiencyFrontier m_frontier;
    QStringList m_kMinLines;
    ValueTableView* m_view = nullptr;
    QCustomPlot* m_plot = nullptr;
    QLabel* m_kMin = nullptr;
    QLabel* m_note = nullptr;
    QTimer* m_merge = nullptr;
    FigureModel m_figure;
};

}  // namespace ctscope::ui
