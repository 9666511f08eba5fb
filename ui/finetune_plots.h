#pragma once
/// The plots of a fine-tuning sweep, the same whether the sweep runs in the
/// window, was run from the command line or is reopened from its folder:
///  - training and held-out loss vs step: one curve per arm (arm, basis,
///    parametrisation, K) at its best learning rate, the mean over seeds
///    with a ± s.d. band; the other learning rates of the grid hidden unless
///    "All learning rates" is on (then faint). Within a basis the colour is a
///    sequential ramp over K (light: small K, dark: large K); reconstruct is
///    dashed, LoRA dash-dotted, the full baseline thick black. A smoothing
///    slider applies TensorBoard's debiased EMA, the raw mean drawn faint
///    behind it;
///  - efficiency vs K on a log K axis, residual solid and reconstruct dashed
///    side by side, the random basis and LoRA at matched trainable counts,
///    error bars over seeds, guides at 100% and 0%. A point whose grid is
///    not all in (EfficiencyRow::complete false) is drawn hollow, named
///    "… (provisional)" and labelled with how many runs are in ("3/4 runs").
/// Every number and series comes from core/report/figure_builders_finetune.h
/// (efficiencies from the EfficiencyTable given); this view renders the
/// models and keeps the controls, and exports write the models.
/// GUI thread only.
#include "core/report/efficiency.h"
#include "core/report/figure_builders_finetune.h"
#include "core/train/finetune_types.h"
#include "ui/plot_panel.h"

#include <vector>

class QCheckBox;
class QCPGraph;
class QLabel;
class QSlider;

namespace ctscope::ui {

class FinetunePlots : public PlotPanel {
    Q_OBJECT
public:
    /// The slider's steps: weight = value / kSmoothingSteps (at most 0.99).
    static constexpr int kSmoothingSteps = 100;

    explicit FinetunePlots(QWidget* parent = nullptr);

    void clear();
    /// Appends step records (any runs, any order) and redraws once.
    void addSteps(const std::vector<StepMetrics>& steps);
    /// Redraws every curve from finished or reopened runs.
    void setRuns(const std::vector<RunResult>& runs);
    /// The efficiency plot, and the best learning rates the loss curves use.
    void setEfficiency(const EfficiencyTable& table);

    /// EMA weight w in [0, 0.99] (0: raw curves). Moves the slider.
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
    /// Also draw the learning rates that were not the best (faint).
    void setShowAllLearningRates(bool show);
    bool showsAllLearningRates() const { return m_allLrs; }

    QCustomPlot* lossPlot() const { return m_loss; }
    QCustomPlot* heldOutPlot() const { return m_heldOut; }
    QCustomPlot* efficiencyPlot() const { return m_efficiency; }
    QSlider* smoothingSlider() const { return m_smoothSlider; }
    QCheckBox* allLearningRatesBox() const { return m_allLrsBox; }
    /// Training-loss records received so far, over all runs.
    int lossPointCount() const;
    /// The name of an arm's mean curve at `lr`, e.g.
    /// "amp · universal · reconstruct K=16, lr 1e-2 (mean of 3 seeds)".
    static QString curveName(const RunSpec& spec, double lr, int seeds);
    /// The label of a provisional efficiency point: "n/N runs" of its arm's
    /// grid, with the baseline's count when the arm is all in but the full
    /// baseline is not ("4/4 runs, baseline 2/4"); empty without a plan.
    static QString runsInLabel(const EfficiencyRow& row, const EfficiencyTable& table);

public slots:
    void resetView() override;

private:
    void rebuildCurves();
    void renderEfficiency();

    QCustomPlot* m_loss = nullptr;
    QCustomPlot* m_heldOut = nullptr;
    QCustomPlot* m_efficiency = nullptr;
    QSlider* m_smoothSlider = nullptr;
    QLabel* m_smoothLabel = nullptr;
    QCheckBox* m_allLrsBox = nullptr;
    FinetuneCurves m_curves;
    EfficiencyTable m_table;
    FigureModel m_lossFigure, m_heldOutFigure, m_efficiencyFigure;
    double m_smoothing = 0.0;
    bool m_allLrs = false;
    bool m_follow = true;  ///< rescale as data arrives until the user pans or zooms
};

}  // namespace ctscope::ui
