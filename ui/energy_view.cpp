#include "ui/energy_view.h"

#include "core/report/figure_builders_spectral.h"
#include "ui/figure_renderer.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QHBoxLayout>

namespace ctscope::ui {

EnergyView::EnergyView(QWidget* parent) : PlotPanel(parent) {
    m_perType = new QCheckBox(tr("Per-type curves"), this);
    m_perType->setChecked(true);
    m_perType->setToolTip(tr("Show each matrix type's curve next to the universal one"));
    controlsRow()->addWidget(m_perType);
    finishControls();

    m_plot = addPlot(QStringLiteral("energy"));
    PlotStyle::placeLegendBelow(m_plot, 5);
    PlotStyle::setTitle(m_plot, tr("Cumulative energy by matrix type"));
    connect(m_perType, &QCheckBox::toggled, this, [this] { rebuild(); });
    rebuild();
}

void EnergyView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    rebuild();
}

void EnergyView::setHighlightedTypes(const QSet<int>& types) {
    m_highlight = types;
    applyHighlight();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void EnergyView::setPerTypeVisible(bool visible) { m_perType->setChecked(visible); }

QCPGraph* EnergyView::curveFor(MatrixType type) const {
    for (const auto& [t, g] : m_typeCurves)
        if (t == type) return g;
    return nullptr;
}

void EnergyView::rebuild() {
    m_typeCurves.clear();
    m_markers.clear();
    m_universal = nullptr;
    const SpectralAnalysis* a = m_model ? &m_model->analysis : nullptr;
    m_figure = energyFigure(a, m_perType->isChecked(), m_model ? m_model->displayName().toStdString() : std::string());
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(m_figure, m_plot);
    setFigureModel(m_plot, m_figure);
    for (int i = 0; i < static_cast<int>(m_figure.series.size()); ++i) {
        const FigureSeries& s = m_figure.series[static_cast<size_t>(i)];
        QCPGraph* g = FigureRenderer::graphAt(drawn, i);
        if (s.attachedTo >= 0) {
            m_markers.append(qMakePair(FigureRenderer::graphAt(drawn, s.attachedTo), g));
        } else if (s.style.key == "reference") {
            m_universal = g;
        } else if (const std::optional<Role> t = matrixTypeFromName(s.style.value)) {
            m_typeCurves.append(qMakePair(*t, g));
        }
    }
    applyHighlight();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void EnergyView::applyHighlight() {
    for (const auto& [type, graph] : m_typeCurves) {
        const bool emphasised = m_highlight.contains(static_cast<int>(type));
        const bool dimmed = !m_highlight.isEmpty() && !emphasised;
        QPen pen = PlotStyle::typePen(type, emphasised ? 2.8 : 1.6);
        if (dimmed) {
            QColor c = pen.color();
            c.setAlpha(90);
            pen.setColor(c);
        }
        graph->setPen(pen);
        for (const auto& [curve, marks] : m_markers) {
            if (curve != graph) continue;
            QCPScatterStyle style = marks->scatterStyle();
            style.setPen(QPen(pen.color(), 1.5));
            marks->setScatterStyle(style);
        }
    }
}

void EnergyView::resetView() { FigureRenderer::applyRange(m_figure, m_plot); }

}  // namespace ctscope::ui
