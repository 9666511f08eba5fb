#include "ui/alpha_view.h"

#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QLabel>

#include <algorithm>
#include <cmath>
#include <map>

namespace ctscope::ui {

namespace {

/// A translucent band between two alpha values across the whole x range.
void addBand(QCustomPlot* plot, double lo, double hi, const QColor& color) {
    auto* rect = new QCPItemRect(plot);
    rect->setClipAxisRect(plot->axisRect());
    rect->setSelectable(false);
    rect->setPen(Qt::NoPen);
    rect->setBrush(color);
    for (QCPItemPosition* p : {rect->topLeft, rect->bottomRight}) {
        p->setTypeX(QCPItemPosition::ptAxisRectRatio);
        p->setTypeY(QCPItemPosition::ptPlotCoords);
    }
    rect->topLeft->setCoords(0.0, hi);
    rect->bottomRight->setCoords(1.0, lo);
}

QCPBars* makeBars(QCustomPlot* plot, QCPAxis* valueAxis, const QString& name, const QColor& color,
                  QCPBarsGroup* group) {
    auto* bars = new QCPBars(plot->xAxis, valueAxis);
    bars->setName(name);
    bars->setPen(QPen(color.darker(130), 0.8));
    bars->setBrush(color);
    bars->setWidth(0.26);
    bars->setBarsGroup(group);
    return bars;
}

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
    if (!m_model) {
        m_summary->setText(tr("Open a checkpoint to see WeightWatcher's alpha of every matrix."));
    } else {
        const WwTypeSummary& u = m_ww.universal;
        int outside = 0;
        for (const WwMatrixMetrics& m : m_ww.matrices)
            if (m.fit.ok && (m.alpha < kWwOverTrainedAlpha || m.alpha > kWwUnderTrainedAlpha)) ++outside;
        m_summary->setText(tr("α over %1 matrices: %2 ± %3; stacked spectrum %4; %5 outside 2–6.")
                               .arg(u.fitted)
                               .arg(u.alphaMean, 0, 'f', 2)
                               .arg(std::isfinite(u.alphaStd) ? u.alphaStd : 0.0, 0, 'f', 2)
                               .arg(u.stacked.alpha, 0, 'f', 2)
                               .arg(outside));
    }
    resetView();
}

void AlphaView::rebuildLayers() {
    QCustomPlot* plot = m_layers;
    plot->clearPlottables();
    plot->clearItems();
    m_curves.clear();
    plot->xAxis->setLabel(tr("Layer"));
    plot->yAxis->setLabel(tr("α (WeightWatcher power-law fit)"));
    PlotStyle::setLinearAxis(plot->xAxis);
    PlotStyle::setLinearAxis(plot->yAxis);
    const QString title = tr("Alpha by layer");
    if (!m_model) {
        PlotStyle::setTitle(plot, title);
        PlotStyle::setPlaceholder(plot, tr("Open a checkpoint (File ▸ Open) to see alpha by layer"));
        plot->legend->setVisible(false);
        return;
    }
    const SpectralAnalysis& a = m_model->analysis;
    int layers = std::max(1, a.config.nLayers);
    for (const MatrixResult& m : a.matrices) layers = std::max(layers, m.layer + 1);
    double top = 8.0;
    for (const WwMatrixMetrics& w : m_ww.matrices)
        if (w.fit.ok && std::isfinite(w.alpha)) top = std::max(top, w.alpha * 1.12);
    plot->setProperty("alphaTop", top);
    // WeightWatcher's guide bands, drawn first so that the data lies above them.
    addBand(plot, 0.0, kWwOverTrainedAlpha, QColor(213, 94, 0, 28));
    addBand(plot, kWwOverTrainedAlpha, kWwUnderTrainedAlpha, QColor(0, 158, 115, 22));
    addBand(plot, kWwUnderTrainedAlpha, top * 4, QColor(0, 114, 178, 22));
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), kWwOverTrainedAlpha, QString());
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), kWwUnderTrainedAlpha, QString());
    PlotStyle::setGuideLabels(plot, {{1.0, tr("over-trained")},
                                     {4.0, tr("typical")},
                                     {(kWwUnderTrainedAlpha + top) / 2, tr("under-trained")}});

    std::map<int, std::vector<std::pair<double, double>>> byType;
    for (size_t i = 0; i < a.matrices.size(); ++i) {
        const MatrixResult& m = a.matrices[i];
        const WwMatrixMetrics& w = m_ww.matrices[i];
        if (!w.fit.ok) continue;
        const double x = m.layer >= 0 ? m.layer : (m.type == Role::Head ? layers : -1);
        byType[static_cast<int>(m.type)].push_back({x, w.alpha});
    }
    for (auto& [t, points] : byType) {
        std::sort(points.begin(), points.end());
        QVector<double> keys, values;
        for (const auto& [x, y] : points) {
            keys.append(x);
            values.append(y);
        }
        const auto type = static_cast<MatrixType>(t);
        QCPGraph* g = plot->addGraph();
        g->setName(PlotStyle::typeLabel(type));
        g->setPen(PlotStyle::typePen(type));
        const bool single = type == Role::Embed || type == Role::Head;
        g->setScatterStyle(QCPScatterStyle(single ? QCPScatterStyle::ssDisc : QCPScatterStyle::ssCircle,
                                           PlotStyle::typeColor(type), single ? PlotStyle::typeColor(type) : Qt::white,
                                           single ? 7 : 5));
        if (single) g->setLineStyle(QCPGraph::lsNone);
        g->setData(keys, values, true);
        m_curves.append({type, g});
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    const int step = layers > 16 ? (layers + 7) / 8 : 1;
    for (int l = 0; l < layers; l += step) ticker->addTick(l, QString::number(l));
    if (byType.count(static_cast<int>(Role::Embed))) ticker->addTick(-1, tr("emb"));
    if (byType.count(static_cast<int>(Role::Head))) ticker->addTick(layers, tr("head"));
    ticker->setSubTickCount(0);
    plot->xAxis->setTicker(ticker);
    PlotStyle::setTitle(plot, title, m_model->displayName());
    PlotStyle::setPlaceholder(plot, QString());
    plot->legend->setVisible(!m_curves.isEmpty());
    PlotStyle::polishLegend(plot);
}

void AlphaView::rebuildTypes() {
    QCustomPlot* plot = m_types;
    plot->clearPlottables();
    plot->clearItems();
    m_alphaBars = m_prBars = m_k90Bars = nullptr;
    m_stacked = nullptr;
    plot->yAxis->setLabel(tr("α"));
    PlotStyle::setLinearAxis(plot->yAxis);
    PlotStyle::setLinearAxis(plot->yAxis2);
    const QString title = tr("Alpha per type beside PR and K90");
    if (!m_model) {
        plot->yAxis2->setVisible(false);
        PlotStyle::setTitle(plot, title);
        PlotStyle::setPlaceholder(plot, tr("Open a checkpoint to compare types"));
        plot->legend->setVisible(false);
        return;
    }
    const SpectralAnalysis& a = m_model->analysis;
    const double d = std::max(1, a.dModel);
    auto* group = new QCPBarsGroup(plot);
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(1);
    m_alphaBars = makeBars(plot, plot->yAxis, tr("α mean ± s.d. (left)"), PlotStyle::okabeIto(0), group);
    m_prBars = makeBars(plot, plot->yAxis2, tr("PR / d (right)"), PlotStyle::okabeIto(1), group);
    m_k90Bars = makeBars(plot, plot->yAxis2, tr("K90 / d (right)"), PlotStyle::okabeIto(2), group);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QVector<double> keys, alpha, err, pr, k90, stacked;
    for (size_t i = 0; i <= m_ww.types.size(); ++i) {
        const bool all = i == m_ww.types.size();
        const WwTypeSummary& s = all ? m_ww.universal : m_ww.types[i];
        const SpectrumStats& st = all ? a.universal : a.types[i].spectrum;
        const double key = static_cast<double>(i + 1);
        keys.append(key);
        alpha.append(std::isfinite(s.alphaMean) ? s.alphaMean : 0.0);
        err.append(std::isfinite(s.alphaStd) ? s.alphaStd : 0.0);
        pr.append(st.pr / d);
        k90.append(st.k90 / d);
        stacked.append(s.stacked.ok ? s.stacked.alpha : qQNaN());
        ticker->addTick(key, all ? tr("all") : PlotStyle::typeLabel(s.type));
    }
    m_alphaBars->setData(keys, alpha, true);
    m_prBars->setData(keys, pr, true);
    m_k90Bars->setData(keys, k90, true);
    auto* errors = new QCPErrorBars(plot->xAxis, plot->yAxis);
    errors->removeFromLegend();
    errors->setDataPlottable(m_alphaBars);
    errors->setData(err);
    errors->setPen(QPen(Qt::black, 1.0));
    m_stacked = plot->addGraph(plot->xAxis, plot->yAxis);
    m_stacked->setName(tr("α of the stacked spectrum"));
    m_stacked->setLineStyle(QCPGraph::lsNone);
    m_stacked->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, Qt::black, Qt::black, 6));
    // Over the alpha bar of each slot: shift by the group's offset of the first bar.
    QVector<double> stackedKeys;
    for (double k : keys) stackedKeys.append(k - 0.27);
    m_stacked->setData(stackedKeys, stacked, true);
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setTickLabelRotation(-45);
    plot->xAxis->setTickLength(0, 0);
    plot->xAxis->grid()->setVisible(false);
    plot->yAxis2->setVisible(true);
    plot->yAxis2->setTickLabels(true);
    plot->yAxis2->setLabel(tr("PR / d, K90 / d"));
    PlotStyle::setTitle(plot, title, tr("bars: α over the type's matrices; ◆ stacked"));
    PlotStyle::setPlaceholder(plot, QString());
    plot->legend->setVisible(true);
    PlotStyle::polishLegend(plot);
}

void AlphaView::resetView() {
    const double top = m_layers->property("alphaTop").isValid() ? m_layers->property("alphaTop").toDouble() : 8.0;
    int layers = 1;
    bool head = false;
    if (m_model)
        for (const MatrixResult& m : m_model->analysis.matrices) {
            layers = std::max(layers, m.layer + 1);
            head |= m.type == Role::Head;
        }
    m_layers->xAxis->setRange(-1.6, head ? layers + 0.6 : layers - 0.4);
    m_layers->yAxis->setRange(0.0, m_model ? top : 8.0);
    m_layers->replot(QCustomPlot::rpQueuedReplot);
    double alphaTop = 1.0;
    if (m_alphaBars)
        for (auto it = m_alphaBars->data()->constBegin(); it != m_alphaBars->data()->constEnd(); ++it)
            alphaTop = std::max(alphaTop, it->value);
    for (const WwTypeSummary& s : m_ww.types) {
        if (std::isfinite(s.alphaMean + s.alphaStd)) alphaTop = std::max(alphaTop, s.alphaMean + s.alphaStd);
        if (s.stacked.ok) alphaTop = std::max(alphaTop, s.stacked.alpha);
    }
    m_types->xAxis->setRange(0.4, static_cast<double>(m_ww.types.size()) + 1.6);
    m_types->yAxis->setRange(0.0, alphaTop * 1.15);
    m_types->yAxis2->setRange(0.0, 1.05);
    m_types->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
