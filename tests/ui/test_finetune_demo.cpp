// The fine-tuning panel on a residual + reconstruct sweep written by the real
// engine (tests/data/finetune_demo, see make_fixture.sh there): one
// efficiency everywhere, provisional points, best-lr mean curves with bands,
// the K colour ramp, smoothing, and the three ways a sweep reaches the window.
// Driven with data only: no sweep runs here.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/report/metrics_io.h"
#include "ui/finetune_panel.h"
#include "ui/finetune_plots.h"
#include "ui/plot_data.h"
#include "ui/plot_style.h"
#include "ui/run_table_model.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSlider>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

std::string fixtureDir() { return test::sourcePath("tests/data/finetune_demo"); }

/// A copy of the fixture without the runs in `drop` (their lines removed) and,
/// unless `withPlan`, without sweep.json.
std::string partialCopy(const test::TempDir& tmp, const std::set<std::string>& drop, bool withPlan = true) {
    const std::filesystem::path dir = tmp.path() / "sweep";
    std::filesystem::create_directories(dir);
    if (withPlan) std::filesystem::copy_file(fixtureDir() + "/sweep.json", dir / "sweep.json");
    std::ifstream in(fixtureDir() + "/metrics.jsonl");
    std::ofstream out(dir / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
        const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
        if (!drop.count(o.value(QStringLiteral("run")).toString().toStdString())) out << line << '\n';
    }
    return dir.string();
}

QCPGraph* graphNamed(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->name() == name) return plot->graph(i);
    return nullptr;
}

QCPErrorBars* barsOf(QCustomPlot* plot, QCPGraph* g) {
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* b = qobject_cast<QCPErrorBars*>(plot->plottable(i)); b && b->dataPlottable() == g) return b;
    return nullptr;
}

bool sameArm(const RunSpec& s, const EfficiencyRow& row) {
    if (s.arm != row.arm || s.k != row.k) return false;
    if (s.arm == Arm::Amp) return s.basis == row.basis && s.param == row.param;
    return s.arm != Arm::Lora || s.matchK == row.matchK;
}

/// Training losses per step of the runs in metrics.jsonl, read with Qt's JSON
/// parser (independent of core's reader): run id → step → loss.
std::map<std::string, std::map<int, double>> trainLossesFromFile() {
    std::map<std::string, std::map<int, double>> out;
    std::ifstream in(fixtureDir() + "/metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
        const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
        if (o.contains(QStringLiteral("event")) || o.value(QStringLiteral("step")).toInt() == 0) continue;
        out[o.value(QStringLiteral("run")).toString().toStdString()][o.value(QStringLiteral("step")).toInt()] =
            o.value(QStringLiteral("train_loss")).toDouble();
    }
    return out;
}

RunSpec ampSpec(AmpParam param, int k) {
    RunSpec s;
    s.arm = Arm::Amp;
    s.basis = BasisKind::Universal;
    s.param = param;
    s.k = k;
    return s;
}

void requireSameSeries(QCustomPlot* a, QCustomPlot* b) {
    const QList<PlotSeries> sa = PlotData::collect(a), sb = PlotData::collect(b);
    REQUIRE(sa.size() == sb.size());
    for (int i = 0; i < sa.size(); ++i) {
        INFO(sa[i].name.toStdString());
        CHECK(sa[i].name == sb[i].name);
        CHECK(sa[i].x == sb[i].x);
        CHECK(sa[i].y == sb[i].y);
        CHECK(sa[i].yError == sb[i].yError);
    }
}

}  // namespace

TEST_CASE("on a reconstruct sweep the Runs table's efficiency is summary.csv's", "[ui][finetune_demo]") {
    test::uiApp();
    FinetunePanel panel(nullptr, false);
    QAbstractItemModelTester tester(panel.runModel(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    REQUIRE(panel.openSweepFolder(QString::fromStdString(fixtureDir())));
    // summary.csv was written by the engine (`ctscope finetune`), not by the window.
    const EfficiencyTable summary = readSummaryCsv(fixtureDir() + "/summary.csv");
    REQUIRE(summary.rows.size() == 7);
    const RunTableModel* model = panel.runModel();
    REQUIRE(model->rowCount() == 28);
    int reconstructRows = 0;
    for (const EfficiencyRow& row : summary.rows) {
        INFO(row.spec().id());
        std::vector<double> cells, ownStart;
        for (int i = 0; i < model->rowCount(); ++i) {
            const RunResult& r = model->runs()[static_cast<size_t>(i)];
            if (!sameArm(r.spec, row) || std::abs(r.spec.lr - row.bestLr) > 1e-12) continue;
            const QModelIndex cell = model->index(i, RunTableModel::Efficiency);
            const double eff = model->data(cell, RunTableModel::kSortRole).toDouble();
            cells.push_back(eff);
            CHECK(model->data(cell).toString() == QStringLiteral("%1%").arg(100 * eff, 0, 'f', 1));
            // By hand, from summary.csv's L₀ and baseline: (L₀ − L_run) / (L₀ − L_full).
            CHECK(eff == Approx((summary.l0 - r.finalLoss) / (summary.l0 - summary.fullMean)).epsilon(1e-6));
            ownStart.push_back((r.startLoss - r.finalLoss) / (r.startLoss - summary.fullMean));
        }
        REQUIRE(static_cast<int>(cells.size()) == row.n);
        const double mean = (cells[0] + cells[1]) / 2;
        CHECK(mean == Approx(row.mean).margin(1e-7));
        if (row.arm == Arm::Amp && row.param == AmpParam::Reconstruct) {
            ++reconstructRows;
            // The run's own start (above L₀: the rank-K reconstruction) would
            // give another number: the column would disagree with the plot.
            CHECK(std::abs((ownStart[0] + ownStart[1]) / 2 - row.mean) > 0.02);
            QCPGraph* g = graphNamed(panel.plots()->efficiencyPlot(), QStringLiteral("amp · universal · reconstruct"));
            REQUIRE(g != nullptr);
            bool found = false;
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                if (it->key == row.k) {
                    found = true;
                    CHECK(it->value == Approx(100 * row.mean).margin(1e-5));
                }
            CHECK(found);
        }
    }
    CHECK(reconstructRows == 2);
}

TEST_CASE("an efficiency point stays provisional until its whole grid and the baseline's are in",
          "[ui][finetune_demo]") {
    test::uiApp();
    const QString recon = QStringLiteral("amp · universal · reconstruct");
    const QString resid = QStringLiteral("amp · universal");
    SECTION("the full grid: every point final") {
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(QString::fromStdString(fixtureDir())));
        for (const EfficiencyRow& row : panel.efficiency().rows) {
            CHECK(row.complete);
            CHECK(row.runsPlanned == 4);  // 2 lrs × 2 seeds
        }
        QCustomPlot* plot = panel.plots()->efficiencyPlot();
        for (int i = 0; i < plot->graphCount(); ++i) CHECK_FALSE(plot->graph(i)->name().contains(QStringLiteral("provisional")));
        REQUIRE(graphNamed(plot, recon) != nullptr);
        CHECK(graphNamed(plot, recon)->dataCount() == 2);
    }
    SECTION("one seed of K=16 missing: that point hollow, K=4 final") {
        test::TempDir tmp;
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(
            QString::fromStdString(partialCopy(tmp, {"amp-universal-reconstruct-k16-s1-lr1e-2"}))));
        QCustomPlot* plot = panel.plots()->efficiencyPlot();
        QCPGraph* done = graphNamed(plot, recon);
        QCPGraph* provisional = graphNamed(plot, recon + QStringLiteral(" (provisional)"));
        REQUIRE(done != nullptr);
        REQUIRE(provisional != nullptr);
        REQUIRE(done->dataCount() == 1);
        CHECK(done->data()->at(0)->key == 4);
        REQUIRE(provisional->dataCount() == 1);
        CHECK(provisional->data()->at(0)->key == 16);
        CHECK(provisional->scatterStyle().brush().color() == QColor(Qt::white));  // hollow
        CHECK(graphNamed(plot, QStringLiteral("provisional: not every seed and lr in")) != nullptr);
        CHECK(graphNamed(plot, resid + QStringLiteral(" (provisional)")) == nullptr);
        // The provisional point is also marked so in the export.
        bool exported = false;
        for (const PlotSeries& s : PlotData::collect(plot)) exported = exported || s.name == recon + QStringLiteral(" (provisional)");
        CHECK(exported);
    }
    SECTION("a learning rate that lost is still part of the grid") {
        test::TempDir tmp;
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(QString::fromStdString(partialCopy(tmp, {"amp-universal-residual-k4-s0-lr3e-3"}))));
        for (const EfficiencyRow& row : panel.efficiency().rows) {
            INFO(row.spec().id());
            const bool dropped = row.arm == Arm::Amp && row.param == AmpParam::Residual && row.k == 4;
            CHECK(row.complete == !dropped);
            if (dropped) CHECK(row.runsDone == 3);
        }
        CHECK(graphNamed(panel.plots()->efficiencyPlot(), resid + QStringLiteral(" (provisional)"))->dataCount() == 1);
    }
    SECTION("a baseline run missing: every point provisional") {
        test::TempDir tmp;
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(QString::fromStdString(partialCopy(tmp, {"full-s1-lr1e-2"}))));
        for (const EfficiencyRow& row : panel.efficiency().rows) CHECK_FALSE(row.complete);
        CHECK(graphNamed(panel.plots()->efficiencyPlot(), recon)->dataCount() == 0);
        CHECK(graphNamed(panel.plots()->efficiencyPlot(), recon + QStringLiteral(" (provisional)"))->dataCount() == 2);
    }
    SECTION("without sweep.json the grid is inferred from the runs") {
        test::TempDir tmp;
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(
            QString::fromStdString(partialCopy(tmp, {"amp-universal-reconstruct-k16-s1-lr1e-2"}, false))));
        int provisional = 0;
        for (const EfficiencyRow& row : panel.efficiency().rows) provisional += row.complete ? 0 : 1;
        CHECK(provisional == 1);
    }
}

TEST_CASE("loss curves: best lr, mean over seeds with a band, other lrs on request, K ramp, smoothing",
          "[ui][finetune_demo]") {
    test::uiApp();
    FinetunePanel panel(nullptr, false);
    REQUIRE(panel.openSweepFolder(QString::fromStdString(fixtureDir())));
    FinetunePlots* plots = panel.plots();
    QCustomPlot* loss = plots->lossPlot();
    const auto file = trainLossesFromFile();
    // summary.csv: K=4 residual's best lr is 1e-2.
    const RunSpec k4 = ampSpec(AmpParam::Residual, 4);
    const QString name = FinetunePlots::curveName(k4, 1e-2, 2);
    QCPGraph* mean = graphNamed(loss, name);
    REQUIRE(mean != nullptr);
    REQUIRE(mean->dataCount() == 4);
    const auto& s0 = file.at("amp-universal-residual-k4-s0-lr1e-2");
    const auto& s1 = file.at("amp-universal-residual-k4-s1-lr1e-2");
    // The band's upper edge: the filled one of the curve's two band graphs.
    QCPGraph* upper = nullptr;
    for (int i = 0; i < loss->graphCount(); ++i)
        if (loss->graph(i)->name() == name + QStringLiteral(" band") && loss->graph(i)->brush().style() != Qt::NoBrush)
            upper = loss->graph(i);
    REQUIRE(upper != nullptr);
    REQUIRE(upper->dataCount() == 4);
    std::vector<double> rawMean;
    for (int i = 0; i < 4; ++i) {
        const int step = i + 1;
        const double m = (s0.at(step) + s1.at(step)) / 2;
        const double sd = std::abs(s0.at(step) - s1.at(step)) / std::sqrt(2.0);  // sample s.d. of two
        rawMean.push_back(m);
        CHECK(mean->data()->at(i)->key == step);
        CHECK(mean->data()->at(i)->value == Approx(m).epsilon(1e-12));
        CHECK(upper->data()->at(i)->value == Approx(m + sd).epsilon(1e-12));
    }
    // The other lr of the grid only on request, and faint.
    const QString other = FinetunePlots::curveName(k4, 3e-3, 2) + QStringLiteral(" (not the best lr)");
    CHECK(graphNamed(loss, other) == nullptr);
    plots->allLearningRatesBox()->setChecked(true);
    REQUIRE(graphNamed(loss, other) != nullptr);
    CHECK(graphNamed(loss, other)->pen().color().alpha() < 128);
    plots->setShowAllLearningRates(false);
    CHECK(graphNamed(loss, other) == nullptr);
    CHECK_FALSE(plots->allLearningRatesBox()->isChecked());

    // Colour follows K within a basis: same hue, K=4 lighter than K=16;
    // reconstruct dashed, residual solid.
    // (Every toggle rebuilds the curves: look the graphs up again.)
    const QPen p4 = graphNamed(loss, name)->pen();
    const QPen p16 = graphNamed(loss, FinetunePlots::curveName(ampSpec(AmpParam::Residual, 16), 1e-2, 2))->pen();
    const QPen r16 = graphNamed(loss, FinetunePlots::curveName(ampSpec(AmpParam::Reconstruct, 16), 1e-2, 2))->pen();
    CHECK(std::abs(p4.color().hslHueF() - p16.color().hslHueF()) < 0.02);
    CHECK(p4.color().lightnessF() - p16.color().lightnessF() > 0.3);
    CHECK(p4.style() == Qt::SolidLine);
    CHECK(r16.style() == Qt::DashLine);
    CHECK(r16.color() == p16.color());

    // Smoothing: TensorBoard's debiased EMA by hand, the raw mean faint behind.
    plots->smoothingSlider()->setValue(60);
    CHECK(plots->smoothing() == Approx(0.6));
    mean = graphNamed(loss, name);
    QCPGraph* raw = graphNamed(loss, name + QStringLiteral(" (raw)"));
    REQUIRE(mean != nullptr);
    REQUIRE(raw != nullptr);
    double s = 0;
    for (int i = 0; i < 4; ++i) {
        s = 0.6 * s + 0.4 * rawMean[static_cast<size_t>(i)];
        CHECK(mean->data()->at(i)->value == Approx(s / (1 - std::pow(0.6, i + 1))).epsilon(1e-12));
        CHECK(raw->data()->at(i)->value == Approx(rawMean[static_cast<size_t>(i)]).epsilon(1e-12));
    }
    CHECK(raw->pen().color().alpha() < 128);
    plots->setSmoothing(0);
    CHECK(graphNamed(loss, name + QStringLiteral(" (raw)")) == nullptr);
    CHECK(plots->smoothingSlider()->value() == 0);
}

TEST_CASE("efficiency error bars stay on their points when the input is not sorted by K", "[ui][finetune_demo]") {
    test::uiApp();
    QCustomPlot plot;
    QCPGraph* g = PlotStyle::addEfficiencySeries(&plot, QStringLiteral("LoRA"), QPen(Qt::black), {16, 4, 8},
                                                 {30, 10, 20}, {3, 1, 2});
    QCPErrorBars* bars = barsOf(&plot, g);
    REQUIRE(bars != nullptr);
    REQUIRE(g->dataCount() == 3);
    REQUIRE(bars->dataCount() == 3);
    const double keys[] = {4, 8, 16}, values[] = {10, 20, 30}, errors[] = {1, 2, 3};
    for (int i = 0; i < 3; ++i) {
        CHECK(g->data()->at(i)->key == keys[i]);
        CHECK(g->data()->at(i)->value == values[i]);
        CHECK(bars->data()->at(i).errorPlus == errors[i]);
        CHECK(bars->data()->at(i).errorMinus == errors[i]);
    }
    const QList<PlotSeries> exported = PlotData::collect(&plot);
    REQUIRE(exported.size() == 1);
    CHECK(exported[0].yError == QVector<double>{1, 2, 3});
}

TEST_CASE("a sweep run in the window, reopened from its folder and exported look the same", "[ui][finetune_demo]") {
    test::uiApp();
    FinetunePanel reopened(nullptr, false);
    REQUIRE(reopened.openSweepFolder(QString::fromStdString(fixtureDir())));

    // As the sweep job delivers them: each run's steps, then the run.
    const SweepFolder folder = readSweepFolder(fixtureDir());
    FinetunePanel live(nullptr, false);
    QAbstractItemModelTester tester(live.runModel(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    for (const RunResult& r : folder.runs) {
        live.onSteps(std::vector<StepMetrics>(r.steps.begin(), r.steps.begin() + 2));
        live.onSteps(std::vector<StepMetrics>(r.steps.begin() + 2, r.steps.end()));
        live.onRunFinished(r);
    }
    // What `ctscope export --sweep` draws.
    FinetunePlots exported;
    exported.setRuns(folder.runs);
    exported.setEfficiency(folder.efficiency);

    for (FinetunePlots* other : {live.plots(), &exported}) {
        requireSameSeries(reopened.plots()->lossPlot(), other->lossPlot());
        requireSameSeries(reopened.plots()->heldOutPlot(), other->heldOutPlot());
        requireSameSeries(reopened.plots()->efficiencyPlot(), other->efficiencyPlot());
    }
    REQUIRE(live.runModel()->rowCount() == reopened.runModel()->rowCount());
    for (int i = 0; i < live.runModel()->rowCount(); ++i)
        for (int c = 0; c < RunTableModel::ColumnCount; ++c)
            CHECK(live.runModel()->data(live.runModel()->index(i, c)) ==
                  reopened.runModel()->data(reopened.runModel()->index(i, c)));

    reopened.resize(1500, 950);
    reopened.show();
    test::waitUntil([] { return false; }, 200);
    test::saveScreenshot(&reopened, QStringLiteral("finetune_demo_fixture"));
    // A larger sweep for a look by eye (not needed by the test).
    if (const char* dir = std::getenv("CTSCOPE_FINETUNE_DEMO_DIR")) {
        FinetunePanel demo(nullptr, false);
        REQUIRE(demo.openSweepFolder(QString::fromLocal8Bit(dir)));
        demo.resize(1500, 950);
        demo.show();
        test::waitUntil([] { return false; }, 200);
        test::saveScreenshot(&demo, QStringLiteral("finetune_demo"));
        demo.plots()->setSmoothing(0.6);
        demo.plots()->setShowAllLearningRates(true);
        test::waitUntil([] { return false; }, 200);  // let the queued replots run
        test::saveScreenshot(&demo, QStringLiteral("finetune_demo_all_lrs_smoothed"));
    }
}
