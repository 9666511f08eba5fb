#include "ui/overlay_view.h"

#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>

#include <algorithm>

namespace ctscope::ui {

namespace {

constexpr int kUniversal = -1;  // combo data of the universal Gram

int groupOf(MatrixType t) { return PlotStyle::isAttention(t) ? 0 : PlotStyle::isMlp(t) ? 1 : 2; }

const SpectrumStats* statsOf(const SpectralAnalysis& a, std::optional<MatrixType> type) {
    if (!type) return &a.universal;
    const TypeResult* t = a.type(*type);
    return t ? &t->spectrum : nullptr;
}

QString slotLabel(std::optional<MatrixType> type) {
    return type ? PlotStyle::typeLabel(*type) : QObject::tr("universal");
}

QString percentLabel(double fraction) {
    return QString::number(100.0 * fraction, 'g', 3) + QLatin1Char('%');
}

}  // namespace

OverlayView::OverlayView(QWidget* parent) : PlotPanel(parent) {
    m_typeChoice = new QComboBox(this);
    m_typeChoice->setObjectName(QStringLiteral("overlayEnergyType"));
    m_typeChoice->setToolTip(tr("Whose energy curve to overlay: the universal Gram or one matrix type"));
    m_typeChoice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    controlsRow()->addWidget(new QLabel(tr("Energy curves of:"), this));
    controlsRow()->addWidget(m_typeChoice);
    finishControls();

    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    m_prPlot = addPlot(QStringLiteral("overlay_pr"), row, 1);
    m_k90Plot = addPlot(QStringLiteral("overlay_k90"), row, 1);
    m_energyPlot = addPlot(QStringLiteral("overlay_energy"));
    for (QCustomPlot* plot : {m_prPlot, m_k90Plot, m_energyPlot}) PlotStyle::placeLegendBelow(plot, 3);
    m_prGroup = new QCPBarsGroup(m_prPlot);
    m_k90Group = new QCPBarsGroup(m_k90Plot);
    for (QCPBarsGroup* g : {m_prGroup, m_k90Group}) {
        g->setSpacingType(QCPBarsGroup::stAbsolute);
        g->setSpacing(1);
    }
    connect(m_typeChoice, &QComboBox::currentIndexChanged, this, [this] { rebuildEnergy(); });
    rebuild();
}

QColor OverlayView::colorFor(int index) { return PlotStyle::seriesPen(index).color(); }

void OverlayView::setCheckpoints(const QList<OverlayEntry>& entries) {
    m_entries.clear();
    for (const OverlayEntry& e : entries)
        if (e.analysis) m_entries.append(e);
    rebuild();
}

void OverlayView::addCheckpoint(const QString& name, std::shared_ptr<const SpectralAnalysis> analysis) {
    if (!analysis) return;
    m_entries.append(OverlayEntry{name, std::move(analysis)});
    rebuild();
}

void OverlayView::addModel(const LoadedModelPtr& model) {
    if (!model) return;
    // Aliasing: the entry keeps the whole LoadedModel alive, no copy.
    addCheckpoint(model->displayName(), std::shared_ptr<const SpectralAnalysis>(model, &model->analysis));
}

void OverlayView::removeCheckpoint(int index) {
    if (index < 0 || index >= m_entries.size()) return;
    m_entries.removeAt(index);
    rebuild();
}

void OverlayView::clear() {
    m_entries.clear();
    rebuild();
}

void OverlayView::setEnergyType(std::optional<MatrixType> type) {
    const int i = m_typeChoice->findData(type ? static_cast<int>(*type) : kUniversal);
    if (i >= 0) m_typeChoice->setCurrentIndex(i);
}

std::optional<MatrixType> OverlayView::energyType() const {
    const int v = m_typeChoice->currentData().toInt();
    if (m_typeChoice->currentIndex() < 0 || v == kUniversal) return std::nullopt;
    return static_cast<MatrixType>(v);
}

QList<OverlayView::Slot> OverlayView::layoutSlots() const {
    QList<MatrixType> types;
    for (const OverlayEntry& e : m_entries)
        for (const TypeResult& t : e.analysis->types)
            if (!types.contains(t.type)) types.append(t.type);
    std::sort(types.begin(), types.end(), [](MatrixType a, MatrixType b) {
        return std::make_pair(groupOf(a), static_cast<int>(a)) < std::make_pair(groupOf(b), static_cast<int>(b));
    });
    QList<Slot> out;
    double x = 1.0;
    for (int i = 0; i < types.size(); ++i) {
        if (i > 0) x += groupOf(types[i]) == groupOf(types[i - 1]) ? 1.0 : 1.5;
        out.append({types[i], x});
    }
    if (!m_entries.isEmpty()) out.append({std::nullopt, x + 1.5});
    return out;
}

void OverlayView::rebuild() {
    rebuildTypeChoices();
    rebuildBars(m_prPlot, m_prGroup, false);
    rebuildBars(m_k90Plot, m_k90Group, true);
    rebuildEnergy();
}

void OverlayView::rebuildTypeChoices() {
    const QVariant current = m_typeChoice->currentData();
    const QSignalBlocker block(m_typeChoice);
    m_typeChoice->clear();
    m_typeChoice->addItem(tr("universal Gram"), kUniversal);
    for (const Slot& s : layoutSlots())
        if (s.type) m_typeChoice->addItem(tr("type %1").arg(PlotStyle::typeLabel(*s.type)), static_cast<int>(*s.type));
    m_typeChoice->setCurrentIndex(std::max(0, m_typeChoice->findData(current)));
}

void OverlayView::rebuildBars(QCustomPlot* plot, QCPBarsGroup* group, bool k90) {
    plot->clearPlottables();
    plot->clearItems();
    const QList<Slot> slots_ = layoutSlots();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const Slot& s : slots_) ticker->addTick(s.position, slotLabel(s.type));
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setTickLabelRotation(-45);
    plot->xAxis->setTickLength(0, 0);
    plot->xAxis->grid()->setVisible(false);
    plot->yAxis->setLabel(k90 ? tr("K90 / d_model") : tr("PR / d_model"));
    PlotStyle::setLinearAxis(plot->yAxis);
    const QString title = k90 ? tr("K90 / d by matrix type") : tr("Participation ratio / d by type");
    if (m_entries.isEmpty()) {
        PlotStyle::setTitle(plot, title);
        PlotStyle::setPlaceholder(plot, tr("Add checkpoints to compare them"));
        plot->legend->setVisible(false);
        plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const double width = 0.8 / std::max<qsizetype>(1, m_entries.size());
    for (int i = 0; i < m_entries.size(); ++i) {
        const SpectralAnalysis& a = *m_entries[i].analysis;
        const double d = std::max(1, a.dModel);
        QVector<double> keys, values;
        for (const Slot& s : slots_) {
            const SpectrumStats* st = statsOf(a, s.type);
            if (!st) continue;  // this checkpoint has no such type: no bar, a gap
            keys.append(s.position);
            values.append((k90 ? static_cast<double>(st->k90) : st->pr) / d);
        }
        auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
        bars->setName(m_entries[i].name);
        const QColor c = colorFor(i);
        bars->setPen(QPen(c.darker(130), 0.8));
        bars->setBrush(c);
        bars->setWidth(width);
        bars->setBarsGroup(group);
        bars->setData(keys, values, true);
    }
    PlotStyle::setTitle(plot, title, tr("%n checkpoint(s), each over its own d_model", nullptr, int(m_entries.size())));
    PlotStyle::setPlaceholder(plot, QString());
    plot->legend->setVisible(true);
    PlotStyle::polishLegend(plot);
    resetView();
}

void OverlayView::rebuildEnergy() {
    QCustomPlot* plot = m_energyPlot;
    plot->clearPlottables();
    plot->clearItems();
    const std::optional<MatrixType> type = energyType();
    plot->xAxis->setLabel(tr("K / d_model (log)"));
    plot->yAxis->setLabel(tr("Cumulative energy E(K)"));
    PlotStyle::setLinearAxis(plot->yAxis);
    int maxD = 2;
    for (const OverlayEntry& e : m_entries) maxD = std::max(maxD, e.analysis->dModel);
    // Percent ticks on a log K/d axis: 1-2-5 steps down to one direction of the widest model.
    plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (double decade = 1e-4; decade < 1.5; decade *= 10)
        for (double m : {1.0, 2.0, 5.0})
            if (decade * m <= 1.0 && decade * m >= 0.6 / maxD) ticker->addTick(decade * m, percentLabel(decade * m));
    ticker->setSubTickCount(0);
    plot->xAxis->setTicker(ticker);
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), 0.5, QString());
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), 0.9, QString());
    PlotStyle::setGuideLabels(plot, {{0.5, QStringLiteral("50%")}, {0.9, QStringLiteral("90%")}});

    QStringList missing;
    for (int i = 0; i < m_entries.size(); ++i) {
        const SpectralAnalysis& a = *m_entries[i].analysis;
        const SpectrumStats* st = statsOf(a, type);
        if (!st || st->energy.empty()) {
            missing << m_entries[i].name;
            continue;
        }
        const double d = static_cast<double>(st->energy.size());
        QVector<double> x, y;
        for (size_t k = 0; k < st->energy.size(); ++k) {
            x.append(static_cast<double>(k + 1) / d);
            y.append(st->energy[k]);
        }
        QCPGraph* g = plot->addGraph();
        g->setName(m_entries[i].name);
        g->setPen(QPen(colorFor(i), 1.8));
        g->setData(x, y, true);
    }
    QString sub = type ? tr("type %1").arg(PlotStyle::typeLabel(*type)) : tr("universal Gram");
    if (!missing.isEmpty()) sub += tr(" · absent from %1").arg(missing.join(QStringLiteral(", ")));
    PlotStyle::setTitle(plot, tr("Cumulative energy vs K/d"), m_entries.isEmpty() ? QString() : sub);
    PlotStyle::setPlaceholder(plot, m_entries.isEmpty() ? tr("Add checkpoints to compare them") : QString());
    plot->legend->setVisible(plot->graphCount() > 0);
    PlotStyle::polishLegend(plot);
    resetView();
}

void OverlayView::resetView() {
    const QList<Slot> slots_ = layoutSlots();
    const double lo = slots_.isEmpty() ? 0 : slots_.first().position - 0.7;
    const double hi = slots_.isEmpty() ? 1 : slots_.last().position + 0.7;
    for (QCustomPlot* plot : {m_prPlot, m_k90Plot}) {
        double top = 0.1;
        for (int i = 0; i < plot->plottableCount(); ++i) {
            bool ok = false;
            const QCPRange r = plot->plottable(i)->getValueRange(ok);
            if (ok) top = std::max(top, r.upper);
        }
        plot->xAxis->setRange(lo, hi);
        plot->yAxis->setRange(0, std::min(1.05, top * 1.12));
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
    int maxD = 2;
    for (const OverlayEntry& e : m_entries) maxD = std::max(maxD, e.analysis->dModel);
    m_energyPlot->xAxis->setRange(0.85 / maxD, 1.15);
    m_energyPlot->yAxis->setRange(0.0, 1.03);
    m_energyPlot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
