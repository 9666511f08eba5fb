// Issue 6 views (frontier, budget, efficiency frontier, overlay, update),
// driven like a user would and checked against the core's numbers; every
// item model runs under QAbstractItemModelTester; screenshots are saved.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/report/efficiency_frontier.h"
#include "core/report/frontier.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/update_analysis.h"
#include "ui/budget_view.h"
#include "ui/efficiency_frontier_view.h"
#include "ui/figure_export.h"
#include "ui/frontier_view.h"
#include "ui/overlay_view.h"
#include "ui/update_view.h"
#include "ui/value_table_model.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QSlider>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

AnalysisOptions analysisOptions() {
    AnalysisOptions o;
    o.useCache = false;  // tests must not write into the user's cache
    o.threads = 1;
    return o;
}

LoadedModelPtr loadModel(const std::string& path, const QString& label) {
    auto m = std::make_shared<LoadedModel>();
    m->path = label;
    std::shared_ptr<const Checkpoint> ck = openCheckpoint(path);
    m->analysis = analyzeCheckpoint(*ck, analysisOptions());
    m->checkpoint = std::move(ck);
    return m;
}

LoadedModelPtr demoModel() {
    static LoadedModelPtr m = loadModel("demo", QStringLiteral("demo"));
    return m;
}

/// stories260K as shipped in resources/examples (present in every checkout).
LoadedModelPtr storiesModel() {
    static LoadedModelPtr m =
        loadModel(test::examplePath("stories260K/stories260K.bin"), QStringLiteral("stories260K"));
    return m;
}

std::unique_ptr<QAbstractItemModelTester> testerFor(QAbstractItemModel* model) {
    return std::make_unique<QAbstractItemModelTester>(model, QAbstractItemModelTester::FailureReportingMode::Fatal);
}

/// A float32 copy of `source` held in memory; `perturb` (may be empty) edits
/// each tensor's values by name.
std::unique_ptr<Checkpoint> memoryCopy(const Checkpoint& source, const std::string& label,
                                       const std::function<void(const std::string&, std::vector<float>&)>& perturb) {
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = label;
    ck->m_format = "memory";
    ck->m_config = source.config();
    for (const TensorInfo& t : source.tensors()) {
        std::vector<float> v = source.readFloat(t);
        if (perturb) perturb(t.name, v);
        auto buf = std::make_shared<std::vector<uint8_t>>(v.size() * sizeof(float));
        std::memcpy(buf->data(), v.data(), buf->size());
        TensorInfo copy;
        copy.name = t.name;
        copy.dtype = DType::F32;
        copy.shape = t.shape;
        copy.transposed = t.transposed;
        copy.data = buf->data();
        copy.nbytes = buf->size();
        ck->m_buffers.push_back(buf);
        ck->m_tensors.push_back(copy);
    }
    return ck;
}

RunResult run(Arm arm, BasisKind basis, int k, int seed, double finalLoss, int matchK = 0) {
    RunResult r;
    r.spec.arm = arm;
    r.spec.basis = basis;
    r.spec.k = k;
    r.spec.matchK = matchK;
    r.spec.seed = seed;
    r.spec.lr = arm == Arm::Full ? 1e-3 : 1e-2;
    r.trainable = arm == Arm::Full ? 100000 : arm == Arm::Lora ? 640 : 80 * k;
    r.startLoss = 3.0;
    r.finalLoss = finalLoss;
    r.completed = true;
    return r;
}

/// A sweep with known answers: L₀ = 3, the baseline ends at 2, so
/// efficiency = 3 − final. Universal: K=4 fails in seed 1 (K_min = 8);
/// random never beats 0 in every seed; LoRA matches K = 8.
std::vector<RunResult> knownSweep() {
    std::vector<RunResult> runs;
    for (int s = 0; s < 3; ++s) runs.push_back(run(Arm::Full, BasisKind::Universal, 0, s, 2.0));
    const double u4[] = {2.9, 3.05, 2.8}, u8[] = {2.6, 2.7, 2.5}, u16[] = {2.3, 2.4, 2.35};
    for (int s = 0; s < 3; ++s) {
        runs.push_back(run(Arm::Amp, BasisKind::Universal, 4, s, u4[s]));
        runs.push_back(run(Arm::Amp, BasisKind::Universal, 8, s, u8[s]));
        runs.push_back(run(Arm::Amp, BasisKind::Universal, 16, s, u16[s]));
        runs.push_back(run(Arm::Amp, BasisKind::Random, 8, s, s == 0 ? 3.1 : 2.95));
        runs.push_back(run(Arm::Amp, BasisKind::Random, 16, s, s == 2 ? 3.02 : 2.9));
        runs.push_back(run(Arm::Lora, BasisKind::Universal, 2, s, 2.45 + 0.05 * s, 8));
    }
    return runs;
}

void checkExports(PlotPanel& view, const QList<TableExport>& tables, const QString& stem) {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    QString error;
    const QStringList files =
        FigureExport::writeAll(view.figures(), dir.path(),
                               {FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf, FigureFormat::Csv},
                               ExportSize::singleColumn(), &error);
    INFO(stem.toStdString() << ": " << error.toStdString());
    CHECK(files.size() == view.figures().size() * 5);  // four formats and a manifest
    for (const QString& f : files) CHECK(QFileInfo(f).size() > 0);
    for (const TableExport& t : tables) {
        // A table's CSV must not overwrite a figure's CSV of plotted series.
        for (const Figure& f : view.figures()) CHECK(f.id != t.id);
        const QString path = QDir(dir.path()).filePath(t.id + QStringLiteral(".csv"));
        REQUIRE(t.model->writeCsv(path, &error));
        QFile file(path);
        REQUIRE(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        CHECK(lines.size() == t.model->rowCount() + 1);
    }
}

void checkFrontier(const LoadedModelPtr& model, const QString& shot) {
    FrontierView view;
    auto tester = testerFor(view.tableModel());
    auto groupTester = testerFor(view.groupModel());
    view.resize(1200, 620);
    view.setModel(model);
    const SpectralAnalysis& a = model->analysis;

    const std::vector<int> ks = defaultFrontierKs(a);
    CHECK(view.ks() == ks);
    const std::vector<FrontierRow> expected = compressionFrontier(a, ks);
    ValueTableModel* t = view.tableModel();
    REQUIRE(t->rowCount() == static_cast<int>(expected.size()));
    for (int r = 0; r < t->rowCount(); ++r) {
        const FrontierRow& e = expected[static_cast<size_t>(r)];
        CHECK(t->value(r, FrontierView::K) == e.k);
        CHECK(t->value(r, FrontierView::KOverD) == Approx(e.kOverD));
        CHECK(t->value(r, FrontierView::Energy) == Approx(e.energy));
        CHECK(t->value(r, FrontierView::Compression) == Approx(e.compression));
        CHECK(t->value(r, FrontierView::R2Universal) == Approx(e.r2UniversalMean));
        CHECK(t->value(r, FrontierView::R2Type) == Approx(e.r2TypeMean));
        CHECK(t->value(r, FrontierView::Gain) == Approx(e.gain));
    }
    CHECK(t->highlightedColumn() == FrontierView::Gain);
    CHECK(t->data(t->index(0, FrontierView::Gain), Qt::BackgroundRole).isValid());

    const GroupComparison g = compareGroups(a, view.groupK());
    CHECK(view.groupModel()->value(0, FrontierView::GroupPr) == Approx(g.attention.pr));
    CHECK(view.groupModel()->value(1, FrontierView::GroupK90) == Approx(g.mlp.k90));
    CHECK(view.groupModel()->value(2, FrontierView::GroupPr) == Approx(g.mlpOverAttentionPr));
    CHECK(view.summary().contains(QStringLiteral("%1×").arg(g.mlpOverAttentionPr, 0, 'f', 2)));

    // Two curves over K = 1..d plus their markers at the table's Ks.
    QCustomPlot* plot = view.plot();
    REQUIRE(plot->graphCount() == 4);
    CHECK(plot->graph(0)->dataCount() == a.dModel);
    CHECK(plot->graph(1)->dataCount() == static_cast<int>(ks.size()));
    test::saveScreenshot(&view, shot);

    // Typing a K list: invalid and out-of-range values are dropped, order fixed.
    view.kListEdit()->setText(QStringLiteral("32, 4 16, 0, 100000"));
    emit view.kListEdit()->editingFinished();
    const std::vector<int> typed{4, 16, 32};
    CHECK(view.ks() == typed);
    REQUIRE(t->rowCount() == 3);
    CHECK(t->value(2, FrontierView::Gain) == Approx(compressionFrontier(a, {32}).front().gain));
    CHECK(plot->graph(1)->dataCount() == 3);
    view.setGroupK(4);
    CHECK(view.groupModel()->value(0, FrontierView::GroupR2) == Approx(compareGroups(a, 4).attention.r2Type));
    checkExports(view, view.tables(), QStringLiteral("frontier"));
    view.setModel(nullptr);
    CHECK(t->rowCount() == 0);
}

}  // namespace

TEST_CASE("frontier view shows compressionFrontier's rows (demo)", "[ui][issue6]") {
    test::uiApp();
    checkFrontier(demoModel(), QStringLiteral("issue6_frontier_demo"));
}

TEST_CASE("frontier view shows compressionFrontier's rows (stories260K)", "[ui][issue6]") {
    test::uiApp();
    checkFrontier(storiesModel(), QStringLiteral("issue6_frontier_stories260K"));
}

TEST_CASE("budget view follows the τ slider and the fixed-K rule live", "[ui][issue6]") {
    test::uiApp();
    const LoadedModelPtr model = storiesModel();
    const SpectralAnalysis& a = model->analysis;
    BudgetView view;
    auto tester = testerFor(view.tableModel());
    view.resize(1100, 720);
    view.setModel(model);

    view.tauSlider()->setValue(50);
    CHECK(view.tau() == Approx(0.5));
    CHECK(view.budget().fraction == Approx(energyBudget(a, 0.5).fraction));
    view.setTau(0.9);
    CHECK(view.tauSlider()->value() == 90);
    const Budget expected = energyBudget(a, 0.9);
    CHECK(view.budget().fraction == Approx(expected.fraction));
    ValueTableModel* t = view.tableModel();
    REQUIRE(t->rowCount() == static_cast<int>(expected.types.size()) + 1);
    for (int r = 0; r < static_cast<int>(expected.types.size()); ++r) {
        const BudgetType& bt = expected.types[static_cast<size_t>(r)];
        CHECK(t->value(r, BudgetView::Kt) == bt.k);
        CHECK(t->value(r, BudgetView::Kt) == a.type(bt.type)->spectrum.k90);
        CHECK(t->value(r, BudgetView::R2) == Approx(bt.r2));
        CHECK(t->value(r, BudgetView::Params) == bt.params);
    }
    const int total = t->rowCount() - 1;
    CHECK(t->text(total, BudgetView::Type) == QStringLiteral("total"));
    CHECK(t->value(total, BudgetView::Fraction) == Approx(expected.fraction));
    CHECK(t->value(total, BudgetView::Params) == expected.params);
    CHECK(t->value(total, BudgetView::Original) == expected.original);
    CHECK(view.totalText().contains(QStringLiteral("%1%").arg(100 * expected.fraction, 0, 'f', 1)));
    // The fraction plot marks the current rule on its curve.
    REQUIRE(view.fractionPlot()->graphCount() == 2);
    CHECK(view.fractionPlot()->graph(1)->data()->at(0)->value == Approx(expected.fraction));
    CHECK(view.kPlot()->plottableCount() == 1);
    // The plots are rendered from core figure models; exports read those.
    const QList<Figure> figs = view.figures();
    REQUIRE(figs.size() == 2);
    for (const Figure& f : figs) REQUIRE(f.model != nullptr);
    const FigureSeries* kt = figs[1].model->find("K_t");
    REQUIRE(kt != nullptr);
    REQUIRE(kt->y.size() == expected.types.size());
    for (size_t i = 0; i < expected.types.size(); ++i) CHECK(kt->y[i] == expected.types[i].k);
    const FigureSeries* current = figs[0].model->find("current rule");
    REQUIRE(current != nullptr);
    CHECK(current->y.at(0) == Approx(expected.fraction));
    test::saveScreenshot(&view, QStringLiteral("issue6_budget_tau090"));

    // Every slider position matches the core (the table updates in place).
    for (int v = 5; v <= 99; v += 7) {
        view.tauSlider()->setValue(v);
        CHECK(view.budget().fraction == Approx(energyBudget(a, v / 100.0).fraction));
        CHECK(t->value(t->rowCount() - 1, BudgetView::Fraction) == Approx(energyBudget(a, v / 100.0).fraction));
    }
    view.setFixedK(16);
    CHECK(view.rule() == BudgetView::Rule::FixedK);
    CHECK(view.budget().fraction == Approx(fixedBudget(a, 16).fraction));
    CHECK(view.fractionPlot()->graph(0)->dataCount() == a.dModel);
    test::saveScreenshot(&view, QStringLiteral("issue6_budget_fixed16"));
    checkExports(view, view.tables(), QStringLiteral("budget"));
    view.setModel(nullptr);
    CHECK(t->rowCount() == 0);
}

TEST_CASE("efficiency frontier view: rows, K_min per amp arm, live runs", "[ui][issue6]") {
    test::uiApp();
    EfficiencyFrontierView view;
    auto tester = testerFor(view.tableModel());
    view.resize(1200, 700);
    view.setModel(demoModel());
    const std::vector<RunResult> runs = knownSweep();
    view.setRuns(runs);

    const long long params = EfficiencyFrontierView::modelParameterCount(*demoModel()->checkpoint);
    const EfficiencyFrontier expected =
        efficiencyFrontier(computeEfficiency(runs), runs, &demoModel()->analysis.universal, params);
    ValueTableModel* t = view.tableModel();
    REQUIRE(t->rowCount() == static_cast<int>(expected.rows.size()));
    CHECK(t->rowCount() == 6);  // universal 4, 8, 16; random 8, 16; LoRA 2
    for (int r = 0; r < t->rowCount(); ++r) {
        const EfficiencyFrontierRow& e = expected.rows[static_cast<size_t>(r)];
        CHECK(t->value(r, EfficiencyFrontierView::K) == e.row.k);
        CHECK(t->value(r, EfficiencyFrontierView::Efficiency) == Approx(e.row.mean));
        CHECK(t->value(r, EfficiencyFrontierView::Seeds) == e.row.n);
        CHECK(t->value(r, EfficiencyFrontierView::Trainable) == e.row.trainable);
        if (std::isfinite(e.energy)) CHECK(t->value(r, EfficiencyFrontierView::Energy) == Approx(e.energy));
        if (std::isfinite(e.paramsPerPoint))
            CHECK(t->value(r, EfficiencyFrontierView::ParamsPerPoint) == Approx(e.paramsPerPoint));
    }
    // universal K=8: mean efficiency 0.4, K=16: 0.65 → +0.25 / 8 per K.
    CHECK(t->value(1, EfficiencyFrontierView::Efficiency) == Approx(0.4));
    CHECK(t->value(2, EfficiencyFrontierView::MarginalPerK) == Approx(0.25 / 8));
    CHECK(t->value(0, EfficiencyFrontierView::Energy) == Approx(demoModel()->analysis.universal.energyAt(4)));
    CHECK(t->value(1, EfficiencyFrontierView::TrainablePct) == Approx(100.0 * 640 / double(params)));

    const QStringList kMin = view.kMinLines();
    REQUIRE(kMin.size() == 2);
    CHECK(kMin.filter(QStringLiteral("universal")).value(0).endsWith(QStringLiteral("K_min = 8")));
    CHECK(kMin.filter(QStringLiteral("random")).value(0).endsWith(
        QStringLiteral("no K has efficiency > 0 in every seed")));
    // One series per arm in the plot (universal, random, LoRA), each with error bars
    // (its points are a second graph, left out of the legend).
    int inLegend = 0, errorBars = 0;
    for (int i = 0; i < view.plot()->plottableCount(); ++i) {
        QCPAbstractPlottable* p = view.plot()->plottable(i);
        errorBars += qobject_cast<QCPErrorBars*>(p) != nullptr;
        inLegend += qobject_cast<QCPGraph*>(p) && view.plot()->legend->hasItemWithPlottable(p);
    }
    CHECK(inLegend == 3);
    CHECK(errorBars == 3);
    test::saveScreenshot(&view, QStringLiteral("issue6_efficiency_frontier"));
    checkExports(view, view.tables(), QStringLiteral("efficiency_frontier"));
    for (const Figure& fig : view.figures()) CHECK(fig.model != nullptr);  // exports come from the core figure

    // A running sweep: runs arrive one by one, redraws merge on a timer.
    view.clear();
    CHECK(t->rowCount() == 0);
    for (const RunResult& r : runs) view.addRun(r);
    REQUIRE(test::waitUntil([&] { return t->rowCount() == 6; }, 5000));
    CHECK(view.runs().size() == runs.size());

    // A baseline that does not learn: efficiency and K_min are undefined.
    std::vector<RunResult> flat = runs;
    for (RunResult& r : flat)
        if (r.spec.arm == Arm::Full) r.finalLoss = 3.0;
    view.setRuns(flat);
    CHECK(std::isnan(t->value(0, EfficiencyFrontierView::Efficiency)));
    for (const QString& line : view.kMinLines())
        CHECK(line.endsWith(QStringLiteral("undefined: the baseline does not learn")));
    test::saveScreenshot(&view, QStringLiteral("issue6_efficiency_frontier_undefined"));
}

TEST_CASE("overlay view draws every checkpoint in every plot", "[ui][issue6]") {
    test::uiApp();
    OverlayView view;
    view.resize(1200, 760);
    CHECK(view.checkpointCount() == 0);
    view.addModel(demoModel());
    view.addModel(storiesModel());
    REQUIRE(view.checkpointCount() == 2);
    const QString names[] = {view.checkpoints()[0].name, view.checkpoints()[1].name};
    for (QCustomPlot* plot : {view.prPlot(), view.k90Plot(), view.energyPlot()}) {
        INFO(plot->objectName().toStdString());
        REQUIRE(plot->plottableCount() == 2);
        for (int i = 0; i < 2; ++i) {
            QCPAbstractPlottable* p = plot->plottable(i);
            CHECK(p->name() == names[i]);
            if (qobject_cast<QCPBars*>(p))
                CHECK(p->brush().color() == OverlayView::colorFor(i));
            else
                CHECK(p->pen().color() == OverlayView::colorFor(i));
            CHECK(p->interface1D()->dataCount() > 0);
        }
    }
    // PR/d of the first checkpoint's q bar, and the energy curve on a K/d axis ending at 1.
    const SpectralAnalysis& a = demoModel()->analysis;
    auto* bars = qobject_cast<QCPBars*>(view.prPlot()->plottable(0));
    REQUIRE(bars);
    CHECK(bars->data()->at(0)->value == Approx(a.type(Role::Q)->spectrum.pr / a.dModel));
    QCPGraph* curve = view.energyPlot()->graph(0);
    CHECK(curve->data()->at(curve->dataCount() - 1)->key == Approx(1.0));
    CHECK(curve->data()->at(0)->key == Approx(1.0 / a.dModel));
    test::saveScreenshot(&view, QStringLiteral("issue6_overlay"));

    view.setEnergyType(Role::Down);
    REQUIRE(view.energyType().has_value());
    CHECK(view.energyPlot()->graphCount() == 2);
    CHECK(view.energyPlot()->graph(0)->data()->at(0)->value == Approx(a.type(Role::Down)->spectrum.energy[0]));
    test::saveScreenshot(&view, QStringLiteral("issue6_overlay_down"));
    checkExports(view, {}, QStringLiteral("overlay"));
    for (const Figure& fig : view.figures()) CHECK(fig.model != nullptr);  // exports come from the core figure
    view.removeCheckpoint(0);
    CHECK(view.prPlot()->plottableCount() == 1);
    view.clear();
    CHECK(view.energyPlot()->graphCount() == 0);
}

TEST_CASE("update view shows captured fractions beside K/d", "[ui][issue6]") {
    test::uiApp();
    const std::unique_ptr<Checkpoint> demo = openCheckpoint("demo");
    const auto base = memoryCopy(*demo, "memory-base", {});
    // Tuned: q matrices move by small noise, down matrices by a scaled copy
    // of themselves (an update inside the base's own directions).
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.0f, 0.002f);
    const auto tuned = memoryCopy(*demo, "memory-tuned", [&](const std::string& name, std::vector<float>& v) {
        if (name.find("q_proj") != std::string::npos)
            for (float& x : v) x += noise(rng);
        if (name.find("down_proj") != std::string::npos)
            for (float& x : v) x *= 1.05f;
    });
    const SpectralAnalysis a = analyzeCheckpoint(*base, analysisOptions());
    const UpdateAnalysis up = analyzeUpdate(*base, *tuned, a);
    REQUIRE(up.type(Role::Q));
    REQUIRE(up.type(Role::Down));

    UpdateView view;
    auto tester = testerFor(view.tableModel());
    view.resize(1000, 680);
    view.setUpdate(up, 0, QStringLiteral("demo → demo + noise"));
    CHECK(view.dModel() == a.dModel);
    view.setK(16);
    ValueTableModel* t = view.tableModel();
    REQUIRE(t->rowCount() == static_cast<int>(up.types.size()));
    for (int r = 0; r < t->rowCount(); ++r) {
        const UpdateTypeResult& e = up.types[static_cast<size_t>(r)];
        CHECK(t->value(r, UpdateView::KOverD) == Approx(16.0 / a.dModel));
        CHECK(t->value(r, UpdateView::RelChange) == Approx(e.relChange));
        if (e.relChange == 0.0) {  // an unmoved type: where its update lies is undefined, shown "–"
            CHECK(std::isnan(t->value(r, UpdateView::CapturedUniversal)));
            CHECK(t->text(r, UpdateView::CapturedUniversal) == QStringLiteral("–"));
            continue;
        }
        CHECK(t->value(r, UpdateView::CapturedUniversal) == Approx(e.capturedUniversal[15]));
        CHECK(t->value(r, UpdateView::CapturedType) == Approx(e.capturedType[15]));
    }
    CHECK(t->text(0, UpdateView::KOverD) == QStringLiteral("%1%").arg(1600.0 / a.dModel, 0, 'f', 1));
    const UpdateTypeResult* q = up.type(Role::Q);
    CHECK(q->capturedType[15] == Approx(16.0 / a.dModel).margin(0.1));  // noise: about K/d
    CHECK(up.type(Role::Down)->relChange == Approx(0.05).margin(1e-4));

    view.setPlotType(Role::Down);
    CHECK(view.plotType() == Role::Down);
    REQUIRE(view.plot()->graphCount() == 3);  // per-type, universal, K/d diagonal
    QCPGraph* diagonal = view.plot()->graph(2);
    CHECK(diagonal->data()->at(15)->value == Approx(16.0 / a.dModel));
    // ΔW = 0.05·W: its Gram is the base's own, so the per-type basis captures E_down(K).
    const SpectrumStats& down = a.type(Role::Down)->spectrum;
    CHECK(view.plot()->graph(0)->data()->at(down.k90 - 1)->value == Approx(down.energy[down.k90 - 1]).margin(1e-4));
    test::saveScreenshot(&view, QStringLiteral("issue6_update"));
    checkExports(view, view.tables(), QStringLiteral("update"));
    for (const Figure& fig : view.figures()) CHECK(fig.model != nullptr);  // exports come from the core figure
    view.clear();
    CHECK(t->rowCount() == 0);
}
