#include "ui/finetune_plots.h"

#include "ui/figure_renderer.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include <algorithm>
#include <cmath>

namespace ctscope::ui {

QString FinetunePlots::curveName(const RunSpec& spec, double lr, int seeds) {
    return QString::fromStdString(finetuneCurveName(spec, lr, seeds));
}

QString FinetunePlots::runsInLabel(const EfficiencyRow& row, const EfficiencyTable& table) {
    return QString::fromStdString(finetuneRunsInLabel(row, table));
}

FinetunePlots::FinetunePlots(QWidget* parent) : PlotPanel(parent) {
    controlsRow()->addWidget(new QLabel(tr("Smoothing:"), this));
    m_smoothSlider = new QSlider(Qt::Horizontal, this);
    m_smoothSlider->setObjectName(QStringLiteral("finetuneSmoothing"));
    m_smoothSlider->setRange(0, kSmoothingSteps - 1);
    m_smoothSlider->setFixedWidth(140);
    m_smoothSlider->setToolTip(tr("TensorBoard's debiased exponential moving average of the loss curves;\n"
                                  "the raw mean is drawn faint behind the smoothed one"));
    m_smoothLabel = new QLabel(this);
    m_smoothLabel->setMinimumWidth(32);
    m_allLrsBox = new QCheckBox(tr("All learning rates"), this);
    m_allLrsBox->setObjectName(QStringLiteral("finetuneAllLrs"));
    m_allLrsBox->setToolTip(tr("Also draw, faint, the learning rates of the grid that were not the best"));
    controlsRow()->addWidget(m_smoothSlider);
    controlsRow()->addWidget(m_smoothLabel);
    controlsRow()->addSpacing(12);
    controlsRow()->addWidget(m_allLrsBox);
    finishControls();
    connect(m_smoothSlider, &QSlider::valueChanged, this,
            [this](int v) { setSmoothing(static_cast<double>(v) / kSmoothingSteps); });
    connect(m_allLrsBox, &QCheckBox::toggled, this, &FinetunePlots::setShowAllLearningRates);

    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    m_loss = addPlot(QStringLiteral("finetune_loss"), row);
    m_heldOut = addPlot(QStringLiteral("finetune_heldout"), row);
    m_efficiency = addPlot(QStringLiteral("finetune_efficiency"));
    for (QCustomPlot* plot : {m_loss, m_heldOut}) {
        plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
        connect(plot, &QCustomPlot::mousePress, this, [this] { m_follow = false; });
        connect(plot, &QCustomPlot::mouseWheel, this, [this] { m_follow = false; });
    }
    PlotStyle::placeLegendBelow(m_efficiency, 2);
    m_smoothLabel->setText(QString::number(m_smoothing, 'f', 2));
    clear();
}

void FinetunePlots::clear() {
    m_curves = FinetuneCurves{};
    m_follow = true;
    setEfficiency(EfficiencyTable{});
    resetView();
}

void FinetunePlots::setSmoothing(double weight) {
    const double w = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 0.99);
    const int v = static_cast<int>(std::lround(w * kSmoothingSteps));
    if (m_smoothSlider->value() != v) {
        const QSignalBlocker block(m_smoothSlider);
        m_smoothSlider->setValue(v);
    }
    m_smoothLabel->setText(QString::number(w, 'f', 2));
    if (w == m_smoothing) return;
    m_smoothing = w;
    rebuildCurves();
}

void FinetunePlots::setShowAllLearningRates(bool show) {
    if (m_allLrsBox->isChecked() != show) {
        const QSignalBlocker block(m_allLrsBox);
        m_allLrsBox->setChecked(show);
    }
    if (show == m_allLrs) return;
    m_allLrs = show;
    rebuildCurves();
}

void FinetunePlots::addSteps(const std::vector<StepMetrics>& steps) {
    if (steps.empty()) return;
    m_curves.add(steps);
    rebuildCurves();
}

void FinetunePlots::setRuns(const std::vector<RunResult>& runs) {
    m_curves = FinetuneCurves{};
    m_follow = true;
    for (const RunResult& r : runs) m_curves.add(r.steps);
    rebuildCurves();
}

int FinetunePlots::lossPointCount() const { return m_curves.trainPointCount(); }

void FinetunePlots::rebuildCurves() {
    for (const LossKind which : {LossKind::Train, LossKind::HeldOut}) {
        QCustomPlot* plot = which == LossKind::Train ? m_loss : m_heldOut;
        FigureModel& figure = which == LossKind::Train ? m_lossFigure : m_heldOutFigure;
        figure = finetuneLossFigure(m_curves, m_table, {which, m_smoothing, m_allLrs});
        // Once the user has panned or zoomed, new data keeps their view.
        const QCPRange keys = plot->xAxis->range(), values = plot->yAxis->range();
        FigureRenderer::render(figure, plot);
        plot->legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true);  // one column, in the plot's corner
        if (!m_follow || figure.series.empty()) {
            plot->xAxis->setRange(keys);
            plot->yAxis->setRange(values);
        }
        setFigureModel(plot, figure);
    }
}

void FinetunePlots::setEfficiency(const EfficiencyTable& table) {
    m_table = table;
    m_efficiencyFigure = finetuneEfficiencyFigure(table);
    renderEfficiency();
    rebuildCurves();  // the best learning rates may have changed
}

void FinetunePlots::renderEfficiency() {
    QCustomPlot* plot = m_efficiency;
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(m_efficiencyFigure, plot);
    for (int i = 0; i < static_cast<int>(m_efficiencyFigure.series.size()); ++i) {
        const FigureSeries& s = m_efficiencyFigure.series[static_cast<size_t>(i)];
        QCPGraph* g = FigureRenderer::graphAt(drawn, i);
        // Final points: a line through filled circles (markers alone are the provisional ones).
        if (g && s.kind == SeriesKind::Line)
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, g->pen().color(), g->pen().color(), 5));
    }
    for (const FigurePointLabel& l : finetuneEfficiencyLabels(m_table)) {
        auto* label = new QCPItemText(plot);
        label->setObjectName(QStringLiteral("provisionalRuns"));
        label->position->setCoords(l.x, l.y);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        label->setPadding(QMargins(5, 0, 0, 3));
        label->setFont(PlotStyle::font(PlotStyle::kLabelPt - 1));
        label->setColor(QColor(90, 90, 90));
        label->setText(QString::fromStdString(l.text));
    }
    setFigureModel(plot, m_efficiencyFigure);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void FinetunePlots::resetView() {
    m_follow = true;
    FigureRenderer::applyRange(m_lossFigure, m_loss);
    FigureRenderer::applyRange(m_heldOutFigure, m_heldOut);
    FigureRenderer::applyRange(m_efficiencyFigure, m_efficiency);
}

}  // namespace ctscope::ui
