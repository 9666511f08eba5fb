#include "ui/heavy_tails_view.h"

#include "ui/figure_renderer.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

namespace ctscope::ui {

HeavyTailsView::HeavyTailsView(QWidget* parent) : PlotPanel(parent) {
    m_bins = new QSpinBox(this);
    m_bins->setRange(8, 100);
    m_bins->setValue(30);
    m_bins->setToolTip(tr("Logarithmic bins of the histogram"));
    m_hint = new QLabel(this);
    m_hint->setObjectName(QStringLiteral("heavyTailsHint"));
    QPalette pal = m_hint->palette();
    pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
    m_hint->setPalette(pal);
    controlsRow()->addWidget(new QLabel(tr("Bins:"), this));
    controlsRow()->addWidget(m_bins);
    controlsRow()->addSpacing(12);
    controlsRow()->addWidget(m_hint);
    finishControls();

    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    m_esd = addPlot(QStringLiteral("ww_esd"), row, 1);
    m_ccdf = addPlot(QStringLiteral("ww_ccdf"), row, 1);
    for (QCustomPlot* p : {m_esd, m_ccdf}) PlotStyle::placeLegendBelow(p, 1);
    connect(m_bins, &QSpinBox::valueChanged, this, [this] { rebuild(); });
    rebuild();
}

void HeavyTailsView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    m_selection.clear();
    m_metrics.clear();
    if (m_model) {
        const auto& mats = m_model->analysis.matrices;
        m_metrics.resize(mats.size());
        for (size_t i = 0; i < mats.size(); ++i)
            m_metrics[i] = wwMatrixMetrics(matrixEigenvalues(m_model->analysis, i), mats[i].rows, mats[i].cols, {});
    }
    rebuild();
}

void HeavyTailsView::setSelection(const QVector<int>& matrices) {
    m_selection = matrices;
    rebuild();
}

void HeavyTailsView::setBins(int bins) { m_bins->setValue(bins); }

const WwMatrixMetrics* HeavyTailsView::metrics(int i) const {
    if (i < 0 || i >= static_cast<int>(m_metrics.size())) return nullptr;
    return &m_metrics[static_cast<size_t>(i)];
}

QList<HeavyTailsView::Series> HeavyTailsView::renderTails(const WwTailsFigure& figure, QCustomPlot* plot, bool ccdf) {
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(figure.figure, plot);
    // The xmin guides are the plot's straight lines, in the model's guide order.
    QList<QCPItemStraightLine*> lines;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* line = qobject_cast<QCPItemStraightLine*>(plot->item(i))) lines.append(line);
    QList<Series> out;
    for (size_t n = 0; n < figure.shown.size(); ++n) {
        Series s;
        s.matrix = figure.shown[n];
        s.data = FigureRenderer::graphAt(drawn, figure.dataSeries[n]);
        s.fit = FigureRenderer::graphAt(drawn, figure.fitSeries[n]);
        const int guide = figure.xminGuide[n];
        s.xmin = guide >= 0 && guide < lines.size() ? lines[guide] : nullptr;
        // Drawn as a histogram and a survival function: steps, not a polyline.
        if (s.data) s.data->setLineStyle(ccdf ? QCPGraph::lsStepLeft : QCPGraph::lsStepCenter);
        out.append(s);
    }
    setFigureModel(plot, figure.figure);
    return out;
}

void HeavyTailsView::rebuild() {
    const SpectralAnalysis* a = m_model ? &m_model->analysis : nullptr;
    WwTailsFigureOptions opts;
    opts.selection.assign(m_selection.begin(), m_selection.end());
    opts.bins = m_bins->value();
    opts.maxCurves = kMaxCurves;
    const std::string name = m_model ? m_model->displayName().toStdString() : std::string();
    const WwTailsFigure esd = wwEsdFigure(a, m_metrics, opts, name);
    const WwTailsFigure ccdf = wwCcdfFigure(a, m_metrics, opts, name);
    m_esdFigure = esd.figure;
    m_ccdfFigure = ccdf.figure;
    m_esdSeries = renderTails(esd, m_esd, false);
    m_ccdfSeries = renderTails(ccdf, m_ccdf, true);
    if (!m_model)
        m_hint->setText(tr("Open a checkpoint to see its eigenvalue tails."));
    else if (m_selection.isEmpty())
        m_hint->setText(tr("Showing the first layer and the embeddings; select rows in the table to compare."));
    else if (esd.requested > kMaxCurves)
        m_hint->setText(tr("Showing %1 of %2 selected matrices.").arg(kMaxCurves).arg(esd.requested));
    else
        m_hint->setText(tr("%n matrix(es) selected.", nullptr, esd.requested));
}

void HeavyTailsView::resetView() {
    FigureRenderer::applyRange(m_esdFigure, m_esd);
    FigureRenderer::applyRange(m_ccdfFigure, m_ccdf);
}

}  // namespace ctscope::ui
