#include "ui/finetune_plots.h"

#include "ui/plot_style.h"
#include "ui/run_table_model.h"

#include <qcustomplot.h>

#include <QHBoxLayout>

#include <algorithm>
#include <cmath>
#include <map>

namespace ctscope::ui {

namespace {

QPen categoryPen(const RunSpec& spec, double width = 1.2) {
    if (spec.arm == Arm::Full) return PlotStyle::referencePen(2.2);
    QColor color = PlotStyle::okabeIto(3);  // LoRA: reddish purple
    if (spec.arm == Arm::Amp) {
        switch (spec.basis) {
            case BasisKind::Universal:
                color = PlotStyle::okabeIto(0);
                break;
            case BasisKind::Type:
                color = PlotStyle::okabeIto(1);
                break;
            case BasisKind::Random:
                color = PlotStyle::okabeIto(2);
                break;
        }
    }
    QPen pen(color, width);
    if (spec.arm == Arm::Amp && spec.param == AmpParam::Reconstruct) pen.setStyle(Qt::DashLine);
    if (spec.arm == Arm::Lora) pen.setStyle(Qt::DashDotLine);
    return pen;
}

void setupLossPlot(QCustomPlot* plot, const QString& title, const QString& yLabel) {
    PlotStyle::setTitle(plot, title);
    plot->xAxis->setLabel(QObject::tr("Step"));
    plot->yAxis->setLabel(yLabel);
    plot->legend->setVisible(false);
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
}

}  // namespace

FinetunePlots::FinetunePlots(QWidget* parent) : PlotPanel(parent) {
    finishControls();
    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    m_loss = addPlot(QStringLiteral("finetune_loss"), row);
    m_heldOut = addPlot(QStringLiteral("finetune_heldout"), row);
    m_efficiency = addPlot(QStringLiteral("finetune_efficiency"));
    setupLossPlot(m_loss, tr("Training loss"), tr("Training loss (nats/token)"));
    setupLossPlot(m_heldOut, tr("Held-out loss"), tr("Held-out loss (nats/token)"));
    PlotStyle::placeLegendBelow(m_efficiency, 2);
    PlotStyle::setTitle(m_efficiency, tr("Efficiency vs K"));
    m_efficiency->xAxis->setLabel(tr("K (basis directions; LoRA at equal trainable count)"));
    m_efficiency->yAxis->setLabel(tr("Efficiency (% of full fine-tuning)"));
    for (QCustomPlot* plot : {m_loss, m_heldOut}) {
        plot->addLayer(QStringLiteral("baseline"), plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
        connect(plot, &QCustomPlot::mousePress, this, [this] { m_follow = false; });
        connect(plot, &QCustomPlot::mouseWheel, this, [this] { m_follow = false; });
    }
    clear();
}

void FinetunePlots::clear() {
    for (QCustomPlot* plot : {m_loss, m_heldOut, m_efficiency}) {
        plot->clearPlottables();
        plot->clearItems();
        plot->legend->setVisible(false);
    }
    m_runs.clear();
    m_inLegend.clear();
    m_follow = true;
    setEfficiency(EfficiencyTable{});
    updatePlaceholders();
    resetView();
}

void FinetunePlots::updatePlaceholders() {
    const bool empty = lossPointCount() == 0;
    PlotStyle::setPlaceholder(m_loss, empty ? tr("Press Run to start a sweep,\nor open a sweep folder") : QString());
    PlotStyle::setPlaceholder(m_heldOut, empty ? tr("Held-out loss of every run\nappears here") : QString());
    PlotStyle::setPlaceholder(m_efficiency, m_efficiency->graphCount() == 0
                                                ? tr("Efficiency appears as each K finishes\n(needs the full baseline)")
                                                : QString());
}

FinetunePlots::RunCurves& FinetunePlots::curvesFor(const StepMetrics& step) {
    const QString id = QString::fromStdString(step.runId);
    auto it = m_runs.find(id);
    if (it != m_runs.end()) return it.value();
    RunCurves curves;
    const QString category = RunTableModel::armLabel(step.spec);
    const QPen legendPen = categoryPen(step.spec);
    QPen pen = legendPen;
    if (step.spec.arm != Arm::Full && step.spec.k > 0) {
        // Within a category, small K is drawn lighter, large K darker.
        const int factor = std::clamp(150 - 12 * static_cast<int>(std::log2(step.spec.k)), 80, 150);
        pen.setColor(pen.color().lighter(factor));
    }
    const bool newCategory = !m_inLegend.contains(category);
    for (QCustomPlot* plot : {m_loss, m_heldOut}) {
        if (newCategory) {
            // Legend entries are per category, not per run: an empty graph
            // carries the entry (empty series are not exported).
            QCPGraph* key = plot->addGraph();
            key->setName(step.spec.arm == Arm::Full ? tr("full fine-tuning") : category);
            key->setPen(legendPen);
            plot->legend->setVisible(true);
            PlotStyle::polishLegend(plot);
        }
        QCPGraph* g = plot->addGraph();
        g->setName(id);
        g->setPen(pen);
        g->removeFromLegend();
        (plot == m_loss ? curves.train : curves.heldOut) = g;
    }
    m_inLegend.insert(category);
    if (step.spec.arm == Arm::Full) {
        // Keep the baseline on top of the other runs.
        curves.train->setLayer(QStringLiteral("baseline"));
        curves.heldOut->setLayer(QStringLiteral("baseline"));
    }
    return m_runs.insert(id, curves).value();
}

void FinetunePlots::addSteps(const std::vector<StepMetrics>& steps) {
    if (steps.empty()) return;
    for (const StepMetrics& s : steps) {
        RunCurves& c = curvesFor(s);
        if (s.step > 0 && std::isfinite(s.trainLoss)) c.train->addData(s.step, s.trainLoss);
        if (std::isfinite(s.heldOutLoss)) c.heldOut->addData(s.step, s.heldOutLoss);
    }
    updatePlaceholders();
    rescaleLossPlots();
}

void FinetunePlots::setRuns(const std::vector<RunResult>& runs) {
    for (QCustomPlot* plot : {m_loss, m_heldOut}) {
        plot->clearPlottables();
        plot->legend->setVisible(false);
    }
    m_runs.clear();
    m_inLegend.clear();
    m_follow = true;
    // The baseline first, so that its legend entry leads.
    std::vector<const RunResult*> ordered;
    for (const RunResult& r : runs) ordered.push_back(&r);
    std::stable_sort(ordered.begin(), ordered.end(), [](const RunResult* a, const RunResult* b) {
        return (a->spec.arm == Arm::Full) > (b->spec.arm == Arm::Full);
    });
    std::vector<StepMetrics> steps;
    for (const RunResult* r : ordered) steps.insert(steps.end(), r->steps.begin(), r->steps.end());
    addSteps(steps);
    rescaleLossPlots();
}

int FinetunePlots::lossPointCount() const {
    int n = 0;
    for (int i = 0; i < m_loss->graphCount(); ++i) n += m_loss->graph(i)->dataCount();
    return n;
}

void FinetunePlots::rescaleLossPlots() {
    if (m_follow) {
        for (QCustomPlot* plot : {m_loss, m_heldOut}) {
            bool found = false;
            const QCPRange keys = [&] {
                QCPRange r(0, 1);
                bool any = false;
                for (int i = 0; i < plot->graphCount(); ++i) {
                    bool ok = false;
                    const QCPRange gr = plot->graph(i)->getKeyRange(ok);
                    if (!ok) continue;
                    r = any ? QCPRange(std::min(r.lower, gr.lower), std::max(r.upper, gr.upper)) : gr;
                    any = true;
                }
                found = any;
                return r;
            }();
            if (!found) continue;
            QCPRange values;
            bool anyValue = false;
            for (int i = 0; i < plot->graphCount(); ++i) {
                bool ok = false;
                const QCPRange vr = plot->graph(i)->getValueRange(ok);
                if (!ok) continue;
                values = anyValue ? QCPRange(std::min(values.lower, vr.lower), std::max(values.upper, vr.upper)) : vr;
                anyValue = true;
            }
            plot->xAxis->setRange(std::min(0.0, keys.lower), std::max(keys.upper, 1.0) + 0.5);
            const double pad = std::max((values.upper - values.lower) * 0.06, 1e-3);
            plot->yAxis->setRange(values.lower - pad, values.upper + pad);
        }
    }
    m_loss->replot(QCustomPlot::rpQueuedReplot);
    m_heldOut->replot(QCustomPlot::rpQueuedReplot);
}

void FinetunePlots::setEfficiency(const EfficiencyTable& table) {
    QCustomPlot* plot = m_efficiency;
    plot->clearPlottables();
    plot->clearItems();
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), 100.0, QString());
    PlotStyle::addHorizontalGuide(plot, plot->axisRect(), 0.0, QString());
    PlotStyle::setGuideLabels(plot, {{100.0, tr("full FT")}, {0.0, tr("no learning")}});

    // One series per arm / basis / parametrisation, points ordered by K.
    std::map<QString, std::vector<const EfficiencyRow*>> series;
    std::map<QString, RunSpec> specOf;
    m_maxK = 2;
    bool anyRow = false;
    for (const EfficiencyRow& row : table.rows) {
        if (row.arm == Arm::Full || !row.defined || !std::isfinite(row.mean)) continue;
        RunSpec spec;
        spec.arm = row.arm;
        spec.basis = row.basis;
        spec.param = row.param;
        QString name = RunTableModel::armLabel(spec);
        if (row.arm == Arm::Lora && row.matchK > 0) name = tr("LoRA (matched trainable count)");
        series[name].push_back(&row);
        specOf.emplace(name, spec);
        anyRow = true;
    }
    if (!anyRow) m_maxK = 64;  // an empty plot still shows a sensible K axis
    for (auto& [name, rows] : series) {
        const auto xOf = [](const EfficiencyRow* r) { return r->arm == Arm::Lora && r->matchK > 0 ? r->matchK : r->k; };
        std::sort(rows.begin(), rows.end(),
                  [&](const EfficiencyRow* a, const EfficiencyRow* b) { return xOf(a) < xOf(b); });
        QVector<double> x, y, err;
        for (const EfficiencyRow* r : rows) {
            x.append(xOf(r));
            y.append(100.0 * r->mean);
            err.append(100.0 * (std::isfinite(r->spread) ? r->spread : 0.0));
            m_maxK = std::max(m_maxK, xOf(r));
        }
        PlotStyle::addEfficiencySeries(plot, name, categoryPen(specOf[name], 1.6), x, y, err);
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
    updatePlaceholders();
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void FinetunePlots::resetView() {
    m_follow = true;
    rescaleLossPlots();
    m_efficiency->xAxis->setRange(0.7, m_maxK * 1.4);
    m_efficiency->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
