#include "ui/finetune_plots.h"

#include "core/report/metrics_io.h"
#include "core/report/smoothing.h"
#include "ui/plot_style.h"
#include "ui/run_table_model.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace ctscope::ui {

namespace {

using CurveKey = std::tuple<int, int, int, int, int>;  // arm order, basis, param, K, matchK

CurveKey curveKey(const RunSpec& s) {
    const int order = s.arm == Arm::Full ? 0 : s.arm == Arm::Amp ? 1 : 2;
    if (s.arm != Arm::Amp) return {order, 0, 0, s.k, s.matchK};
    return {order, static_cast<int>(s.basis), static_cast<int>(s.param), s.k, 0};
}

/// The K an arm is drawn at: amp its K, LoRA the amp K its count matches.
int plotK(const RunSpec& s) { return s.arm == Arm::Lora && s.matchK > 0 ? s.matchK : s.k; }

bool sameLr(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }

QColor baseColor(const RunSpec& spec) {
    if (spec.arm == Arm::Full) return Qt::black;
    if (spec.arm == Arm::Lora) return PlotStyle::okabeIto(3);  // reddish purple
    return PlotStyle::okabeIto(spec.basis == BasisKind::Universal ? 0 : spec.basis == BasisKind::Type ? 1 : 2);
}

QPen armPen(const RunSpec& spec, const QColor& color, double width) {
    if (spec.arm == Arm::Full) return PlotStyle::referencePen(std::max(width, 2.2));
    QPen pen(color, width);
    if (spec.arm == Arm::Amp && spec.param == AmpParam::Reconstruct) pen.setStyle(Qt::DashLine);
    if (spec.arm == Arm::Lora) pen.setStyle(Qt::DashDotLine);
    return pen;
}

QColor withAlpha(QColor c, int alpha) {
    c.setAlpha(alpha);
    return c;
}

struct Curve {
    std::vector<double> x, mean, sd;
};

/// Mean and sample s.d. over the runs at every step any of them reached.
Curve aggregate(const std::vector<const std::map<int, double>*>& series) {
    std::map<int, std::vector<double>> at;
    for (const auto* s : series)
        for (const auto& [step, v] : *s)
            if (std::isfinite(v)) at[step].push_back(v);
    Curve c;
    for (const auto& [step, vs] : at) {
        double m = 0;
        for (double v : vs) m += v;
        m /= static_cast<double>(vs.size());
        double ss = 0;
        for (double v : vs) ss += (v - m) * (v - m);
        c.x.push_back(step);
        c.mean.push_back(m);
        c.sd.push_back(vs.size() > 1 ? std::sqrt(ss / static_cast<double>(vs.size() - 1)) : 0.0);
    }
    return c;
}

QVector<double> qvec(const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); }

QCPGraph* addCurve(QCustomPlot* plot, const QString& name, const QPen& pen, const std::vector<double>& x,
                   const std::vector<double>& y) {
    QCPGraph* g = plot->addGraph();
    g->setName(name);
    g->setPen(pen);
    g->removeFromLegend();
    g->setData(qvec(x), qvec(y), true);
    return g;
}

void setupLossPlot(QCustomPlot* plot, const QString& title, const QString& yLabel) {
    PlotStyle::setTitle(plot, title,
                        QObject::tr("best lr per arm, mean ± s.d. over seeds; within a basis lighter = smaller K"));
    plot->xAxis->setLabel(QObject::tr("Step"));
    plot->yAxis->setLabel(yLabel);
    plot->legend->setVisible(false);
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
}

}  // namespace

QString FinetunePlots::curveName(const RunSpec& spec, double lr, int seeds) {
    QString arm = RunTableModel::armLabel(spec);
    if (spec.arm == Arm::Full) arm = tr("full fine-tuning");
    if (spec.arm == Arm::Amp) arm += QStringLiteral(" K=%1").arg(spec.k);
    if (spec.arm == Arm::Lora) arm += QStringLiteral(" rank %1 (~K=%2)").arg(spec.k).arg(spec.matchK);
    return tr("%1, lr %2 (mean of %n seed(s))", nullptr, seeds).arg(arm, QString::fromStdString(formatLr(lr)));
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
    setupLossPlot(m_loss, tr("Training loss"), tr("Training loss (nats/token)"));
    setupLossPlot(m_heldOut, tr("Held-out loss"), tr("Held-out loss (nats/token)"));
    PlotStyle::placeLegendBelow(m_efficiency, 2);
    PlotStyle::setTitle(m_efficiency, tr("Efficiency vs K"),
                        tr("residual solid, reconstruct dashed; hollow = provisional (grid not all in)"));
    m_efficiency->xAxis->setLabel(tr("K (basis directions; LoRA at equal trainable count)"));
    m_efficiency->yAxis->setLabel(tr("Efficiency (% of full fine-tuning)"));
    for (QCustomPlot* plot : {m_loss, m_heldOut}) {
        plot->addLayer(QStringLiteral("baseline"), plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
        connect(plot, &QCustomPlot::mousePress, this, [this] { m_follow = false; });
        connect(plot, &QCustomPlot::mouseWheel, this, [this] { m_follow = false; });
    }
    m_smoothLabel->setText(QString::number(m_smoothing, 'f', 2));
    clear();
}

void FinetunePlots::clear() {
    for (QCustomPlot* plot : {m_loss, m_heldOut, m_efficiency}) {
        plot->clearPlottables();
        plot->clearItems();
        plot->legend->setVisible(false);
    }
    m_data.clear();
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

void FinetunePlots::updatePlaceholders() {
    const bool empty = m_data.empty();
    PlotStyle::setPlaceholder(m_loss, empty ? tr("Press Run to start a sweep,\nor open a sweep folder") : QString());
    PlotStyle::setPlaceholder(m_heldOut, empty ? tr("Held-out loss of every run\nappears here") : QString());
    bool anyPoint = false;
    for (int i = 0; i < m_efficiency->graphCount(); ++i) anyPoint = anyPoint || m_efficiency->graph(i)->dataCount() > 0;
    PlotStyle::setPlaceholder(m_efficiency, anyPoint ? QString()
                                                     : tr("Efficiency appears as each K finishes\n(needs the full baseline)"));
}

void FinetunePlots::addSteps(const std::vector<StepMetrics>& steps) {
    if (steps.empty()) return;
    for (const StepMetrics& s : steps) {
        RunData& d = m_data[s.runId];
        d.spec = s.spec;
        if (s.step > 0 && std::isfinite(s.trainLoss)) d.train[s.step] = s.trainLoss;
        if (std::isfinite(s.heldOutLoss)) d.heldOut[s.step] = s.heldOutLoss;
    }
    rebuildCurves();
}

void FinetunePlots::setRuns(const std::vector<RunResult>& runs) {
    m_data.clear();
    m_follow = true;
    std::vector<StepMetrics> steps;
    for (const RunResult& r : runs) steps.insert(steps.end(), r.steps.begin(), r.steps.end());
    if (steps.empty()) rebuildCurves();
    addSteps(steps);
}

int FinetunePlots::lossPointCount() const {
    int n = 0;
    for (const auto& [id, d] : m_data) n += static_cast<int>(d.train.size());
    return n;
}

void FinetunePlots::rebuildCurves() {
    for (QCustomPlot* plot : {m_loss, m_heldOut}) {
        plot->clearPlottables();
        plot->legend->setVisible(false);
    }
    // arm → lr → runs, arms in a fixed order (the baseline first).
    std::map<CurveKey, std::map<double, std::vector<const RunData*>>> groups;
    std::map<CurveKey, RunSpec> specOf;
    int minK = 0, maxK = 0;
    for (const auto& [id, d] : m_data) {
        groups[curveKey(d.spec)][d.spec.lr].push_back(&d);
        specOf.emplace(curveKey(d.spec), d.spec);
        if (d.spec.arm == Arm::Full || plotK(d.spec) <= 0) continue;
        minK = minK == 0 ? plotK(d.spec) : std::min(minK, plotK(d.spec));
        maxK = std::max(maxK, plotK(d.spec));
    }
    std::map<QString, QPen> legend;  // category → pen, in first-seen order below
    QStringList legendOrder;
    for (const auto& [key, byLr] : groups) {
        const RunSpec& spec = specOf.at(key);
        // The best lr is the efficiency table's (lowest mean final held-out
        // loss over completed runs); before the table has the arm, the lr
        // whose runs are lowest so far.
        double best = byLr.begin()->first;
        bool fromTable = false;
        for (const EfficiencyRow& row : m_table.rows)
            if (curveKey(row.spec()) == key) best = row.bestLr, fromTable = true;
        if (!fromTable) {
            double bestLoss = HUGE_VAL;
            for (const auto& [lr, runs] : byLr) {
                double sum = 0;
                int n = 0;
                for (const RunData* r : runs)
                    if (!r->heldOut.empty()) sum += r->heldOut.rbegin()->second, ++n;
                if (n > 0 && sum / n < bestLoss) bestLoss = sum / n, best = lr;
            }
        }
        const QColor color = spec.arm == Arm::Full
                                 ? QColor(Qt::black)
                                 : PlotStyle::sequentialRamp(baseColor(spec), PlotStyle::rampPosition(plotK(spec), minK, maxK));
        const QString category = RunTableModel::armLabel(spec);
        if (!legend.count(category)) {
            legend[category] = armPen(spec, PlotStyle::sequentialRamp(baseColor(spec), 0.6), 1.6);
            legendOrder << category;
        }
        for (const auto& [lr, runs] : byLr) {
            const bool isBest = sameLr(lr, best);
            if (!isBest && !m_allLrs) continue;
            const QString name = curveName(spec, lr, static_cast<int>(runs.size()));
            for (QCustomPlot* plot : {m_loss, m_heldOut}) {
                std::vector<const std::map<int, double>*> series;
                for (const RunData* r : runs) series.push_back(plot == m_loss ? &r->train : &r->heldOut);
                const Curve c = aggregate(series);
                if (c.x.empty()) continue;
                const std::vector<double> smooth = smoothEma(c.mean, m_smoothing);
                const QString layer = spec.arm == Arm::Full ? QStringLiteral("baseline") : QStringLiteral("main");
                if (!isBest) {
                    QPen faint = armPen(spec, withAlpha(color, 90), 0.8);
                    if (spec.arm == Arm::Full) faint = QPen(withAlpha(Qt::black, 90), 1.0);
                    addCurve(plot, name + tr(" (not the best lr)"), faint, c.x, smooth)->setLayer(layer);
                    continue;
                }
                if (runs.size() > 1) {
                    const std::vector<double> sd = smoothEma(c.sd, m_smoothing);
                    std::vector<double> lo(smooth.size()), hi(smooth.size());
                    for (size_t i = 0; i < smooth.size(); ++i) lo[i] = smooth[i] - sd[i], hi[i] = smooth[i] + sd[i];
                    QCPGraph* low = addCurve(plot, name + tr(" − s.d."), Qt::NoPen, c.x, lo);
                    QCPGraph* high = addCurve(plot, name + tr(" + s.d."), Qt::NoPen, c.x, hi);
                    high->setBrush(withAlpha(color, spec.arm == Arm::Full ? 45 : 35));
                    high->setChannelFillGraph(low);
                    low->setLayer(layer);
                    high->setLayer(layer);
                }
                if (m_smoothing > 0) {
                    QPen raw = armPen(spec, withAlpha(color, 70), 1.0);
                    raw.setStyle(Qt::SolidLine);
                    if (spec.arm == Arm::Full) raw = QPen(withAlpha(Qt::black, 70), 1.0);
                    addCurve(plot, name + tr(" (raw)"), raw, c.x, c.mean)->setLayer(layer);
                }
                addCurve(plot, name, armPen(spec, color, 1.5), c.x, smooth)->setLayer(layer);
            }
        }
    }
    for (QCustomPlot* plot : {m_loss, m_heldOut}) {
        // Legend entries are per category, not per run: an empty graph
        // carries the entry (empty series are not exported).
        for (const QString& category : legendOrder) {
            QCPGraph* key = plot->addGraph();
            key->setName(category == QLatin1String("full") ? tr("full fine-tuning") : category);
            key->setPen(legend[category]);
        }
        plot->legend->setVisible(!legendOrder.isEmpty());
        PlotStyle::polishLegend(plot);
    }
    updatePlaceholders();
    rescaleLossPlots();
}

void FinetunePlots::rescaleLossPlots() {
    if (m_follow) {
        for (QCustomPlot* plot : {m_loss, m_heldOut}) {
            QCPRange keys, values;
            bool any = false;
            for (int i = 0; i < plot->graphCount(); ++i) {
                bool okKey = false, okValue = false;
                const QCPRange kr = plot->graph(i)->getKeyRange(okKey);
                const QCPRange vr = plot->graph(i)->getValueRange(okValue);
                if (!okKey || !okValue) continue;
                keys = any ? QCPRange(std::min(keys.lower, kr.lower), std::max(keys.upper, kr.upper)) : kr;
                values = any ? QCPRange(std::min(values.lower, vr.lower), std::max(values.upper, vr.upper)) : vr;
                any = true;
            }
            if (!any) continue;
            plot->xAxis->setRange(std::min(0.0, keys.lower), std::max(keys.upper, 1.0) + 0.5);
            const double pad = std::max((values.upper - values.lower) * 0.06, 1e-3);
            plot->yAxis->setRange(values.lower - pad, values.upper + pad);
        }
    }
    m_loss->replot(QCustomPlot::rpQueuedReplot);
    m_heldOut->replot(QCustomPlot::rpQueuedReplot);
}

void FinetunePlots::setEfficiency(const EfficiencyTable& table) {
    m_table = table;
    QCustomPlot* plot = m_efficiency;
    plot->clearPlottables();
    plot->clearItems();
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), 100.0, QString());
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), 0.0, QString());
    PlotStyle::setGuideLabels(plot, {{100.0, tr("full FT")}, {0.0, tr("no learning")}});

    // One series per arm / basis / parametrisation (residual and reconstruct
    // of a basis next to each other), final and provisional points apart.
    struct Series {
        RunSpec spec;
        QString name;
        QVector<double> x, y, err, px, py, perr;
    };
    std::map<CurveKey, Series> series;
    m_maxK = 2;
    bool anyProvisional = false;
    for (const EfficiencyRow& row : table.rows) {
        if (row.arm == Arm::Full || !row.defined || !std::isfinite(row.mean)) continue;
        RunSpec spec = row.spec();
        const CurveKey key{std::get<0>(curveKey(spec)), std::get<1>(curveKey(spec)), std::get<2>(curveKey(spec)), 0, 0};
        Series& s = series[key];
        s.spec = spec;
        s.name = row.arm == Arm::Lora ? tr("LoRA (matched trainable count)") : RunTableModel::armLabel(spec);
        const double k = plotK(spec);
        const double err = 100.0 * (std::isfinite(row.spread) ? row.spread : 0.0);
        (row.complete ? s.x : s.px).append(k);
        (row.complete ? s.y : s.py).append(100.0 * row.mean);
        (row.complete ? s.err : s.perr).append(err);
        anyProvisional = anyProvisional || !row.complete;
        const QString runsIn = row.complete ? QString() : runsInLabel(row, table);
        if (!runsIn.isEmpty()) {
            auto* label = new QCPItemText(plot);
            label->setObjectName(QStringLiteral("provisionalRuns"));
            label->position->setCoords(k, 100.0 * row.mean);
            label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
            label->setPadding(QMargins(5, 0, 0, 3));
            label->setFont(PlotStyle::font(PlotStyle::kLabelPt - 1));
            label->setColor(QColor(90, 90, 90));
            label->setText(runsIn);
        }
        m_maxK = std::max(m_maxK, plotK(spec));
    }
    if (series.empty()) m_maxK = 64;  // an empty plot still shows a sensible K axis
    for (const auto& [key, s] : series) {
        const QPen pen = armPen(s.spec, baseColor(s.spec), 1.6);
        PlotStyle::addEfficiencySeries(plot, s.name, pen, s.x, s.y, s.err);
        if (s.px.isEmpty()) continue;
        QCPGraph* g = PlotStyle::addEfficiencySeries(plot, s.name + tr(" (provisional)"), pen, s.px, s.py, s.perr, true);
        g->setLineStyle(QCPGraph::lsNone);
        g->removeFromLegend();
    }
    if (anyProvisional) {
        QCPGraph* key = plot->addGraph();
        key->setName(tr("provisional: not every seed and lr in"));
        key->setLineStyle(QCPGraph::lsNone);
        key->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(90, 90, 90), 1.2), Qt::white, 6));
    }
    plot->legend->setVisible(!series.empty());
    PlotStyle::polishLegend(plot);
    if (!table.rows.empty() && !table.baselineLearns) {
        auto* note = new QCPItemText(plot);
        note->position->setType(QCPItemPosition::ptAxisRectRatio);
        note->position->setCoords(0.5, 0.5);
        note->setFont(PlotStyle::font(PlotStyle::kLabelPt));
        note->setColor(PlotStyle::okabeIto(1));
        note->setText(table.note.empty() ? tr("Efficiency undefined: the full fine-tuning baseline did not learn")
                                         : QString::fromStdString(table.note));
    }
    PlotStyle::setLog2Axis(plot->xAxis, m_maxK);
    PlotStyle::setLinearAxis(plot->yAxis);
    PlotStyle::fitEfficiencyRange(plot, m_maxK);
    plot->replot(QCustomPlot::rpQueuedReplot);
    rebuildCurves();  // the best learning rates may have changed
}

QString FinetunePlots::runsInLabel(const EfficiencyRow& row, const EfficiencyTable& table) {
    if (row.runsPlanned <= 0) return {};
    QString text = tr("%1/%2 runs").arg(row.runsDone).arg(row.runsPlanned);
    if (row.runsDone >= row.runsPlanned && row.arm != Arm::Full)
        for (const EfficiencyRow& full : table.rows)
            if (full.arm == Arm::Full && full.runsPlanned > 0 && full.runsDone < full.runsPlanned)
                return text + tr(", baseline %1/%2").arg(full.runsDone).arg(full.runsPlanned);
    return text;
}

void FinetunePlots::resetView() {
    m_follow = true;
    rescaleLossPlots();
    m_efficiency->xAxis->setRange(0.7, m_maxK * 1.4);
    m_efficiency->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
