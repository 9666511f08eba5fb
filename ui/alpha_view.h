#pragma once
/// WeightWatcher's alpha across the model: alpha by layer, one line per matrix
/// type (embeddings and head as single points beside the layers), over
/// WeightWatcher's guide bands (α < 2 over-trained, 2–6 typical, > 6
/// under-trained); and alpha per type as bars (mean ± s.d. over the type's
/// matrices, with the alpha of the stacked spectrum marked) beside PR / d and
/// K90 / d of the same type. The figures are built in core
/// (figure_builders_ww.h) and rendered here. GUI thread only.
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"

#include "core/report/figure_builders_ww.h"
#include "core/spectral/ww_metrics.h"

#include <QList>
#include <QPair>

class QCPBars;
class QCPGraph;
class QLabel;

namespace ctscope::ui {

class AlphaView : public PlotPanel {
    Q_OBJECT
public:
    explicit AlphaView(QWidget* parent = nullptr);

    void setModel(LoadedModelPtr model);

    QCustomPlot* layersPlot() const { return m_layers; }
    QCustomPlot* typesPlot() const { return m_types; }
    /// The alpha-by-layer line of a type; null when the model has none.
    QCPGraph* layerCurve(MatrixType type) const;
    QCPBars* alphaBars() const { return m_alphaBars; }
    QCPBars* prBars() const { return m_prBars; }
    QCPBars* k90Bars() const { return m_k90Bars; }
    QCPGraph* stackedMarkers() const { return m_stacked; }
    /// The metrics shown (null before a model is set).
    const WwAnalysis* analysis() const { return m_model ? &m_ww : nullptr; }

public slots:
    void resetView() override;

private:
    void rebuild();
    void rebuildLayers();
    void rebuildTypes();

    LoadedModelPtr m_model;
    WwAnalysis m_ww;
    WwAlphaLayersFigure m_layersFigure;
    WwAlphaTypesFigure m_typesFigure;
    QCustomPlot* m_layers = nullptr;
    QCustomPlot* m_types = nullptr;
    QLabel* m_summary = nullptr;
    QList<QPair<MatrixType, QCPGraph*>> m_curves;
    QCPBars* m_alphaBars = nullptr;
    QCPBars* m_prBars = nullptr;
    QCPBars* m_k90Bars = nullptr;
    QCPGraph* m_stacked = nullptr;
};

}  // namespace ctscope::ui
