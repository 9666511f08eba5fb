#include "ui/energy_view.h"

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

QCPGraph* EnergyView::addCurve(const QString& name, const SpectrumStats& stats, const QPen& pen, bool emphasised) {
    QVector<double> keys, values;
    keys.reserve(static_cast<int>(stats.energy.size()));
    values.reserve(static_cast<int>(stats.energy.size()));
    for (size_t k = 0; k < stats.energy.size(); ++k) {
        keys.append(static_cast<double>(k + 1));
        values.append(stats.energy[k]);
    }
    QCPGraph* curve = m_plot->addGraph();
    curve->setName(name);
    curve->setPen(pen);
    curve->setData(keys, values, true);

    QCPGraph* marks = m_plot->addGraph();
    marks->setName(name + QStringLiteral(" K50, K90"));
    marks->setLineStyle(QCPGraph::lsNone);
    const double size = emphasised ? 8 : 6;
    marks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(pen.color(), 1.5), Qt::white, size));
    QVector<double> mk, mv;
    for (int k : {stats.k50, stats.k90}) {
        if (k < 1 || k > static_cast<int>(stats.energy.size())) continue;
        mk.append(k);
        mv.append(stats.energy[static_cast<size_t>(k - 1)]);
    }
    marks->setData(mk, mv, true);
    marks->removeFromLegend();
    m_markers.append(qMakePair(curve, marks));

    return curve;
}

void EnergyView::rebuild() {
    m_plot->clearPlottables();
    m_plot->clearItems();
    m_typeCurves.clear();
    m_markers.clear();
    m_universal = nullptr;

    QCPAxis* x = m_plot->xAxis;
    x->setLabel(tr("K (top basis directions)"));
    m_plot->yAxis->setLabel(tr("Cumulative energy E(K)"));
    PlotStyle::setLinearAxis(m_plot->yAxis);
    const int d = m_model ? static_cast<int>(m_model->analysis.universal.energy.size()) : 64;
    PlotStyle::setLog2Axis(x, std::max(d, 2));
    PlotStyle::addHorizontalGuide(m_plot, m_plot->axisRect(), 0.5, QString());
    PlotStyle::addHorizontalGuide(m_plot, m_plot->axisRect(), 0.9, QString());
    PlotStyle::setGuideLabels(m_plot, {{0.5, QStringLiteral("50%")}, {0.9, QStringLiteral("90%")}});

    if (m_model) {
        const SpectralAnalysis& a = m_model->analysis;
        if (m_perType->isChecked()) {
            for (const TypeResult& t : a.types) {
                QCPGraph* g = addCurve(PlotStyle::typeLabel(t.type), t.spectrum, PlotStyle::typePen(t.type), false);
                m_typeCurves.append(qMakePair(t.type, g));
            }
        }
        m_universal = addCurve(tr("universal"), a.universal, PlotStyle::referencePen(), true);
        // The universal K50/K90 go in the subtitle: as labels beside the
        // marks they collide with the other curves' marks.
        PlotStyle::setTitle(m_plot, tr("Cumulative energy by matrix type"),
                            tr("%1 · universal K50 = %2, K90 = %3")
                                .arg(m_model->displayName())
                                .arg(a.universal.k50)
                                .arg(a.universal.k90));
    } else {
        PlotStyle::setTitle(m_plot, tr("Cumulative energy by matrix type"));
        PlotStyle::setPlaceholder(m_plot, tr("Open a checkpoint (File ▸ Open) to see its energy curves"));
    }
    m_plot->legend->setVisible(m_plot->graphCount() > 0);
    PlotStyle::polishLegend(m_plot);
    PlotStyle::setLegendColumns(m_plot, 5);
    applyHighlight();
    resetView();
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

void EnergyView::resetView() {
    const int d = m_model ? static_cast<int>(m_model->analysis.universal.energy.size()) : 64;
    m_plot->xAxis->setRange(0.85, std::max(d, 2) * 1.15);
    m_plot->yAxis->setRange(0.0, 1.03);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
