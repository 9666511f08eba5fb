#include "ui/alpha_view.h"

#include "ui/figure_renderer.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QLabel>

namespace ctscope::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

AlphaView::AlphaView(QWidget* parent) : PlotPanel(parent) {
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("alphaSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    controlsRow()->addWidget(m_summary, 1);
    finishControls();
    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    m_layers = addPlot(QStringLiteral("ww_alpha_layers"), row, 3);
    m_types = addPlot(QStringLiteral("ww_alpha_types"), row, 2);
    PlotStyle::placeLegendBelow(m_layers, 4);
    PlotStyle::placeLegendBelow(m_types, 2);
    rebuild();
}

void AlphaView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    m_ww = m_model ? analyzeWw(m_model->analysis) : WwAnalysis{};
    rebuild();
}

QCPGraph* AlphaView::layerCurve(MatrixType type) const {
    for (const auto& [t, g] : m_curves)
        if (t == type) return g;
    return nullptr;
}

void AlphaView::rebuild() {
    rebuildLayers();
    rebuildTypes();
    m_summary->setText(m_model ? qs(wwAlphaSummaryText(m_ww))
                               : tr("Open a checkpoint to see WeightWatcher's alpha of every matrix."));
}

void AlphaView::rebuildLayers() {
    const SpectralAnalysis* a = m_model ? &m_model->analysis : nullptr;
    m_layersFigure = wwAlphaLayersFigure(a, m_ww, m_model ? m_model->displayName().toStdString() : std::string());
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(m_layersFigure.figure, m_layers);
    m_curves.clear();
    for (const auto& [type, index] : m_layersFigure.curves)
        if (QCPGraph* g = FigureRenderer::graphAt(drawn, index)) m_curves.append({type, g});
    // The look the renderer leaves to the view: light bands, their names
    // beside the plot, and upright layer numbers over a grid.
    for (int i = 0; i < m_layers->graphCount(); ++i)
        if (QCPGraph* g = m_layers->graph(i); g->channelFillGraph()) {
            QColor c = g->brush().color();
            c.setAlpha(24);
            g->setBrush(c);
        }
    QList<QPair<double, QString>> labels;
    for (const auto& [y, text] : m_layersFigure.bandLabels) labels.append({y, qs(text)});
    if (!labels.isEmpty()) PlotStyle::setGuideLabels(m_layers, labels);
    m_layers->xAxis->setTickLabelRotation(0);
    m_layers->xAxis->setTickLength(0, 4);
    m_layers->xAxis->grid()->setVisible(true);
    setFigureModel(m_layers, m_layersFigure.figure);
}

void AlphaView::rebuildTypes() {
    const SpectralAnalysis* a = m_model ? &m_model->analysis : nullptr;
    m_typesFigure = wwAlphaTypesFigure(a, m_ww);
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(m_typesFigure.figure, m_types);
    const auto barsAt = [&](int i) { return i < drawn.size() ? qobject_cast<QCPBars*>(drawn[i]) : nullptr; };
    m_alphaBars = barsAt(0);
    m_prBars = barsAt(1);
    m_k90Bars = barsAt(2);
    m_stacked = FigureRenderer::graphAt(drawn, m_typesFigure.stackedSeries);
    // The model has one value axis: PR / d and K90 / d go on the right one,
    // three narrow bars to a slot, the stacked α as diamonds.
    for (int i : m_typesFigure.rightSeries)
        if (QCPBars* b = barsAt(i)) b->setValueAxis(m_types->yAxis2);
    for (QCPBars* b : {m_alphaBars, m_prBars, m_k90Bars})
        if (b) b->setWidth(0.26);
    if (m_stacked) m_stacked->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, Qt::black, Qt::black, 6));
    const bool any = m_model != nullptr;
    PlotStyle::setLinearAxis(m_types->yAxis2);
    m_types->yAxis2->setVisible(any);
    m_types->yAxis2->setTickLabels(any);
    m_types->yAxis2->setLabel(any ? qs(m_typesFigure.right.title()) : QString());
    m_types->yAxis2->setRange(m_typesFigure.right.min, m_typesFigure.right.max);
    setFigureModel(m_types, m_typesFigure.figure);
}

void AlphaView::resetView() {
    FigureRenderer::applyRange(m_layersFigure.figure, m_layers);
    FigureRenderer::applyRange(m_typesFigure.figure, m_types);
    m_types->yAxis2->setRange(m_typesFigure.right.min, m_typesFigure.right.max);
}

}  // namespace ctscope::ui
