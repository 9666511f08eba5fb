#include "ui/heavy_tails_view.h"

#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

#include <algorithm>
#include <climits>
#include <cmath>

namespace ctscope::ui {

namespace {

QString matrixLabel(const MatrixResult& m) {
    const QString type = PlotStyle::typeLabel(m.type);
    return m.layer >= 0 ? QStringLiteral("L%1 %2").arg(m.layer).arg(type) : type;
}

QString fitLabel(const MatrixResult& m, const WwMatrixMetrics& w) {
    if (!w.fit.ok) return QObject::tr("%1: power-law fit failed").arg(matrixLabel(m));
    return QObject::tr("%1 α=%2 D=%3").arg(matrixLabel(m)).arg(w.alpha, 0, 'f', 2).arg(w.fit.D, 0, 'f', 2);
}

/// The eigenvalues WeightWatcher fits (above EVALS_THRESH), ascending.
std::vector<double> fittedValues(const MatrixResult& m) {
    std::vector<double> v;
    for (double s : m.singularValues)
        if (s * s > kWwEvalsThresh) v.push_back(s * s);
    std::sort(v.begin(), v.end());
    return v;
}

QVector<double> logSpace(double lo, double hi, int n) {
    QVector<double> out;
    for (int i = 0; i < n; ++i) out.append(lo * std::pow(hi / lo, n > 1 ? double(i) / (n - 1) : 0.0));
    return out;
}

}  // namespace

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

QVector<int> HeavyTailsView::defaultSelection() const {
    QVector<int> out;
    if (!m_model) return out;
    const auto& mats = m_model->analysis.matrices;
    int firstLayer = -1;
    for (const MatrixResult& m : mats)
        if (m.layer >= 0 && (firstLayer < 0 || m.layer < firstLayer)) firstLayer = m.layer;
    for (int i = 0; i < static_cast<int>(mats.size()); ++i)
        if (mats[static_cast<size_t>(i)].layer == firstLayer || mats[static_cast<size_t>(i)].layer < 0) out.append(i);
    return out;
}

HeavyTailsView::Series HeavyTailsView::addSeries(QCustomPlot* plot, int matrix, const QPen& pen, bool ccdf) {
    const MatrixResult& m = m_model->analysis.matrices[static_cast<size_t>(matrix)];
    const WwMatrixMetrics& w = m_metrics[static_cast<size_t>(matrix)];
    const std::vector<double> x = fittedValues(m);
    Series s;
    s.matrix = matrix;
    if (x.empty()) return s;
    const double total = static_cast<double>(x.size());
    QVector<double> keys, values;
    if (ccdf) {
        // P(λ ≥ x_i) at each eigenvalue, a step down after each.
        for (size_t i = 0; i < x.size(); ++i) {
            keys.append(x[i]);
            values.append((total - static_cast<double>(i)) / total);
        }
    } else {
        // Density per unit λ in equal logarithmic bins over the fitted values.
        const int bins = m_bins->value();
        const double lo = x.front(), hi = x.back() > x.front() ? x.back() : x.front() * 1.01;
        const QVector<double> edges = logSpace(lo, hi, bins + 1);
        std::vector<int> counts(static_cast<size_t>(bins), 0);
        for (double v : x) {
            const int b = std::clamp(static_cast<int>(std::log(v / lo) / std::log(hi / lo) * bins), 0, bins - 1);
            ++counts[static_cast<size_t>(b)];
        }
        for (int b = 0; b < bins; ++b) {
            if (counts[static_cast<size_t>(b)] == 0) continue;  // no place on a log axis
            keys.append(std::sqrt(edges[b] * edges[b + 1]));
            values.append(counts[static_cast<size_t>(b)] / (total * (edges[b + 1] - edges[b])));
        }
    }
    s.data = plot->addGraph();
    s.data->setName(fitLabel(m, w));
    s.data->setPen(pen);
    s.data->setLineStyle(ccdf ? QCPGraph::lsStepLeft : QCPGraph::lsStepCenter);
    s.data->setData(keys, values, true);
    if (!w.fit.ok) return s;

    // The fitted law over the tail, scaled by the tail's share of the values
    // so that it lies on the data: density (α−1)/xmin (x/xmin)^−α, or
    // survival (x/xmin)^(1−α).
    const double share = w.fit.tail / total;
    QVector<double> fk = logSpace(w.fit.xmin, w.fit.xmax, 48), fv;
    for (double v : fk)
        fv.append(ccdf ? share * std::pow(v / w.fit.xmin, 1.0 - w.alpha) : share * powerLawDensity(w.fit, v));
    s.fit = plot->addGraph();
    s.fit->setName(tr("%1 power law from xmin = %2").arg(matrixLabel(m)).arg(w.fit.xmin, 0, 'g', 4));
    QPen dashed = pen;
    dashed.setStyle(Qt::DashLine);
    dashed.setWidthF(pen.widthF() + 0.4);
    s.fit->setPen(dashed);
    s.fit->setData(fk, fv, true);
    s.fit->removeFromLegend();

    s.xmin = new QCPItemStraightLine(plot);
    QPen dotted = pen;
    dotted.setStyle(Qt::DotLine);
    dotted.setWidthF(1.0);
    s.xmin->setPen(dotted);
    s.xmin->setSelectable(false);
    s.xmin->setClipAxisRect(plot->axisRect());
    s.xmin->point1->setCoords(w.fit.xmin, 1.0);
    s.xmin->point2->setCoords(w.fit.xmin, 2.0);
    return s;
}

void HeavyTailsView::rebuild() {
    m_esdSeries.clear();
    m_ccdfSeries.clear();
    for (QCustomPlot* p : {m_esd, m_ccdf}) {
        p->clearPlottables();
        p->clearItems();
        PlotStyle::setLogAxis(p->xAxis);
        PlotStyle::setLogAxis(p->yAxis);
        p->xAxis->setLabel(tr("Eigenvalue λ = σ²"));
    }
    m_esd->yAxis->setLabel(tr("Density ρ(λ)"));
    m_ccdf->yAxis->setLabel(tr("P(Λ ≥ λ)"));
    const QString esdTitle = tr("ESD with WeightWatcher's power-law fit");
    const QString ccdfTitle = tr("Complementary CDF of the ESD");
    if (!m_model) {
        m_hint->setText(tr("Open a checkpoint to see its eigenvalue tails."));
        for (QCustomPlot* p : {m_esd, m_ccdf}) {
            PlotStyle::setPlaceholder(p, tr("Open a checkpoint (File ▸ Open) to see its tails"));
            p->legend->setVisible(false);
        }
        PlotStyle::setTitle(m_esd, esdTitle);
        PlotStyle::setTitle(m_ccdf, ccdfTitle);
        resetView();
        return;
    }
    const auto& mats = m_model->analysis.matrices;
    const QVector<int> requested = m_selection.isEmpty() ? defaultSelection() : m_selection;
    const int total = static_cast<int>(PlotStyle::curvesToDraw(requested, static_cast<int>(mats.size()), INT_MAX).size());
    const QVector<int> wanted = PlotStyle::curvesToDraw(requested, static_cast<int>(mats.size()), kMaxCurves);
    QVector<MatrixType> curveTypes;
    for (int i : wanted) curveTypes.append(mats[static_cast<size_t>(i)].type);
    const bool colourByType = PlotStyle::colourByType(curveTypes);
    for (int n = 0; n < wanted.size(); ++n) {
        const QPen pen = colourByType ? PlotStyle::typePen(mats[static_cast<size_t>(wanted[n])].type)
                                      : PlotStyle::seriesPen(n);
        QPen solid = pen;
        solid.setStyle(Qt::SolidLine);
        m_esdSeries.append(addSeries(m_esd, wanted[n], solid, false));
        m_ccdfSeries.append(addSeries(m_ccdf, wanted[n], solid, true));
    }
    for (QCustomPlot* p : {m_esd, m_ccdf}) {
        PlotStyle::polishLegend(p);
        PlotStyle::setPlaceholder(p, QString());
        p->legend->setVisible(!wanted.isEmpty());
        PlotStyle::setLegendColumns(p, wanted.size() > 4 ? 2 : 1);
    }
    const QString sub = tr("%1 · dashed: fit from xmin, dotted: xmin").arg(m_model->displayName());
    PlotStyle::setTitle(m_esd, esdTitle, sub);
    PlotStyle::setTitle(m_ccdf, ccdfTitle, sub);
    if (m_selection.isEmpty())
        m_hint->setText(tr("Showing the first layer and the embeddings; select rows in the table to compare."));
    else if (total > kMaxCurves)
        m_hint->setText(tr("Showing %1 of %2 selected matrices.").arg(kMaxCurves).arg(total));
    else
        m_hint->setText(tr("%n matrix(es) selected.", nullptr, total));
    resetView();
}

void HeavyTailsView::resetView() {
    for (QCustomPlot* p : {m_esd, m_ccdf}) {
        double minX = 0, maxX = 0, minY = 0, maxY = 0;
        bool any = false;
        for (int i = 0; i < p->graphCount(); ++i) {
            const auto data = p->graph(i)->data();
            for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
                if (!(it->key > 0) || !(it->value > 0)) continue;
                if (!any) {
                    minX = maxX = it->key;
                    minY = maxY = it->value;
                    any = true;
                }
                minX = std::min(minX, it->key);
                maxX = std::max(maxX, it->key);
                minY = std::min(minY, it->value);
                maxY = std::max(maxY, it->value);
            }
        }
        if (any) {
            p->xAxis->setRange(minX / 1.5, maxX * 1.5);
            p->yAxis->setRange(minY / 2.0, maxY * 2.0);
        } else {
            p->xAxis->setRange(1e-3, 1e3);
            p->yAxis->setRange(1e-3, 1);
        }
        p->replot(QCustomPlot::rpQueuedReplot);
    }
}

}  // namespace ctscope::ui
