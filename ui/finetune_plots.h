#pragma once
/// The live plots of a fine-tuning sweep: training loss vs step and held-out
/// loss vs step for every run (the full fine-tuning baseline drawn thick and
/// black), and efficiency vs K on a log K axis with error bars across seeds
/// and guides at 100% (the baseline) and 0% (no learning).
/// GUI thread only.
#include "core/report/efficiency.h"
#include "core/train/finetune_types.h"
#include "ui/plot_panel.h"

#include <QHash>
#include <QSet>

#include <vector>

class QCPGraph;

namespace ctscope::ui {

class FinetunePlots : public PlotPanel {
    Q_OBJECT
public:
    explicit FinetunePlots(QWidget* parent = nullptr);

    void clear();
    /// Appends step records (any runs, any order) and redraws once.
    void addSteps(const std::vector<StepMetrics>& steps);
    /// Redraws every curve from finished or reopened runs.
    void setRuns(const std::vector<RunResult>& runs);
    void setEfficiency(const EfficiencyTable& table);

    QCustomPlot* lossPlot() const { return m_loss; }
    QCustomPlot* heldOutPlot() const { return m_heldOut; }
    QCustomPlot* efficiencyPlot() const { return m_efficiency; }
    /// Points drawn so far on the training-loss plot, over all runs.
    int lossPointCount() const;

public slots:
    void resetView() override;

private:
    struct RunCurves {
        QCPGraph* train = nullptr;
        QCPGraph* heldOut = nullptr;
    };
    RunCurves& curvesFor(const StepMetrics& step);
    void rescaleLossPlots();
    void updatePlaceholders();

    QCustomPlot* m_loss = nullptr;
    QCustomPlot* m_heldOut = nullptr;
    QCustomPlot* m_efficiency = nullptr;
    QHash<QString, RunCurves> m_runs;
    QSet<QString> m_inLegend;
    bool m_follow = true;  ///< rescale as data arrives until the user pans or zooms
    int m_maxK = 64;
};

}  // namespace ctscope::ui
