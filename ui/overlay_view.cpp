#include "ui/overlay_view.h"

#include "core/report/figure_builders_compare.h"
#include "ui/figure_renderer.h"
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

std::vector<OverlayCheckpoint> coreCheckpoints(const QList<OverlayEntry>& entries) {
    std::vector<OverlayCheckpoint> out;
    for (const OverlayEntry& e : entries) out.push_back({e.name.toStdString(), e.analysis.get()});
    return out;
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

void OverlayView::rebuild() {
    rebuildTypeChoices();
    rebuildBars();
    rebuildEnergy();
}

void OverlayView::rebuildTypeChoices() {
    const QVariant current = m_typeChoice->currentData();
    const QSignalBlocker block(m_typeChoice);
    m_typeChoice->clear();
    m_typeChoice->addItem(tr("universal Gram"), kUniversal);
    for (MatrixType t : overlayTypes(coreCheckpoints(m_entries)))
        m_typeChoice->addItem(tr("type %1").arg(PlotStyle::typeLabel(t)), static_cast<int>(t));
    m_typeChoice->setCurrentIndex(std::max(0, m_typeChoice->findData(current)));
}

void OverlayView::rebuildBars() {
    const std::vector<OverlayCheckpoint> cps = coreCheckpoints(m_entries);
    m_prFigure = overlayBarsFigure(cps, false);
    m_k90Figure = overlayBarsFigure(cps, true);
    for (auto [plot, figure] : {std::pair{m_prPlot, &m_prFigure}, std::pair{m_k90Plot, &m_k90Figure}}) {
        // Each checkpoint's bar shares its slot with the others'.
        const double width = 0.8 / std::max<qsizetype>(1, m_entries.size());
        for (QCPAbstractPlottable* p : FigureRenderer::render(*figure, plot))
            if (auto* bars = qobject_cast<QCPBars*>(p)) bars->setWidth(width);
        setFigureModel(plot, *figure);
    }
}

void OverlayView::rebuildEnergy() {
    m_energyFigure = overlayEnergyFigure(coreCheckpoints(m_entries), energyType());
    FigureRenderer::render(m_energyFigure, m_energyPlot);
    // Percent labels on a log axis read level, with a grid, unlike a bar chart's type names.
    QCPAxis* x = m_energyPlot->xAxis;
    x->setTickLabelRotation(0);
    x->setTickLength(0, 4);
    x->grid()->setVisible(true);
    x->setProperty("ctscopeTextTicks", false);
    if (auto ticker = x->ticker().dynamicCast<QCPAxisTickerText>()) ticker->setSubTickCount(0);
    m_energyPlot->replot(QCustomPlot::rpQueuedReplot);
    setFigureModel(m_energyPlot, m_energyFigure);
}

void OverlayView::resetView() {
    FigureRenderer::applyRange(m_prFigure, m_prPlot);
    FigureRenderer::applyRange(m_k90Figure, m_k90Plot);
    FigureRenderer::applyRange(m_energyFigure, m_energyPlot);
}

}  // namespace ctscope::ui
