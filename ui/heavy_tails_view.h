#pragma once
/// Heavy tails: the empirical spectral density (λ = σ²) of the selected
/// matrices as a log–log histogram and as a complementary CDF, each with
/// WeightWatcher's power-law fit drawn from xmin (dashed) and xmin marked
/// (dotted), alpha and D in the legend; several matrices overlaid. With
/// nothing selected it shows the first layer and the embeddings. The figures
/// are built in core (figure_builders_ww.h) and rendered here. GUI thread
/// only; the fits are computed once per model.
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"

#include "core/report/figure_builders_ww.h"
#include "core/spectral/ww_metrics.h"

#include <QList>
#include <QVector>

class QCPGraph;
class QCPItemStraightLine;
class QLabel;
class QSpinBox;

namespace ctscope::ui {

class HeavyTailsView : public PlotPanel {
    Q_OBJECT
public:
    /// At most this many matrices are overlaid (a first layer, embedding and head).
    static constexpr int kMaxCurves = 9;

    /// What one shown matrix adds to a plot.
    struct Series {
        int matrix = -1;                      ///< index into SpectralAnalysis::matrices
        QCPGraph* data = nullptr;             ///< histogram or CCDF (in the legend)
        QCPGraph* fit = nullptr;              ///< the power law from xmin; null when the fit failed
        QCPItemStraightLine* xmin = nullptr;  ///< vertical marker at xmin
    };

    explicit HeavyTailsView(QWidget* parent = nullptr);

    void setModel(LoadedModelPtr model);
    /// Indices into SpectralAnalysis::matrices; empty shows the default set.
    void setSelection(const QVector<int>& matrices);
    void setBins(int bins);

    QCustomPlot* esdPlot() const { return m_esd; }
    QCustomPlot* ccdfPlot() const { return m_ccdf; }
    const QList<Series>& esdSeries() const { return m_esdSeries; }
    const QList<Series>& ccdfSeries() const { return m_ccdfSeries; }
    /// The metrics of matrix `i` of the current model (null without one).
    const WwMatrixMetrics* metrics(int i) const;

public slots:
    void resetView() override;

private:
    void rebuild();
    /// Renders `figure` into `plot` and returns what each shown matrix drew.
    QList<Series> renderTails(const WwTailsFigure& figure, QCustomPlot* plot, bool ccdf);

    LoadedModelPtr m_model;
    std::vector<WwMatrixMetrics> m_metrics;  ///< per matrix of m_model, computed on setModel
    QVector<int> m_selection;
    QList<Series> m_esdSeries, m_ccdfSeries;
    FigureModel m_esdFigure, m_ccdfFigure;
    QCustomPlot* m_esd = nullptr;
    QCustomPlot* m_ccdf = nullptr;
    QSpinBox* m_bins = nullptr;
    QLabel* m_hint = nullptr;
};

}  // namespace ctscope::ui
