// Figure builders of a fine-tuning sweep (figure_builders_finetune.h): planted
// step records and efficiency tables with hand-worked answers, each figure's
// CSV read back with the independent reader of planted_figures.h; and the
// efficiency figure of the engine-written fixture against its summary.csv.
#include "planted_figures.h"
#include "test_paths.h"

#include "core/report/figure.h"
#include "core/report/figure_builders_finetune.h"
#include "core/report/metrics_io.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace ctscope;
using namespace ctscope::test::planted;

namespace {

RunSpec spec(Arm arm, double lr, int seed, int k = 0, AmpParam param = AmpParam::Residual) {
    RunSpec s;
    s.arm = arm;
    s.param = param;
    s.k = k;
    s.lr = lr;
    s.seed = seed;
    return s;
}

/// Step 0 (held-out only) and steps 1..3 with the given losses.
void addRun(FinetuneCurves& c, const RunSpec& s, std::vector<double> train, std::vector<double> heldOut) {
    std::vector<StepMetrics> steps;
    for (int step = 0; step <= 3; ++step) {
        StepMetrics m;
        m.runId = s.id();
        m.spec = s;
        m.step = step;
        if (step > 0) m.trainLoss = train[static_cast<size_t>(step - 1)];
        m.heldOutLoss = heldOut[static_cast<size_t>(step)];
        steps.push_back(m);
    }
    c.add(steps);
}

/// full ×2 seeds, amp universal K=4 at lr 1e-2 ×2 seeds and 3e-3 ×1, reconstruct K=16 ×1.
FinetuneCurves plantedCurves() {
    FinetuneCurves c;
    addRun(c, spec(Arm::Full, 1e-3, 0), {4, 3, 2}, {5, 4.5, 3.5, 2.5});
    addRun(c, spec(Arm::Full, 1e-3, 1), {6, 5, 2}, {5, 5.5, 4.5, 3.5});
    addRun(c, spec(Arm::Amp, 1e-2, 0, 4), {3, 2, 1}, {5, 4, 3, 2});
    addRun(c, spec(Arm::Amp, 1e-2, 1, 4), {5, 2, 3}, {5, 4, 3, 3});
    addRun(c, spec(Arm::Amp, 3e-3, 0, 4), {9, 9, 9}, {5, 5, 5, 5});  // last held-out 5 > 2.5: not the best
    addRun(c, spec(Arm::Amp, 1e-2, 0, 16, AmpParam::Reconstruct), {2, 1, 0.5}, {6, 3, 2, 1});
    return c;
}

const FigureSeries& series(const FigureModel& f, const std::string& name) {
    const FigureSeries* s = f.find(name);
    INFO(name);
    REQUIRE(s != nullptr);
    return *s;
}

const std::string kK4 = "amp · universal K=4, lr 1e-2 (mean of 2 seeds)";

}  // namespace

TEST_CASE("finetune loss figure: best-lr means with ± s.d. bands, K ramp, baseline on top", "[figures][finetune]") {
    const FigureModel f = finetuneLossFigure(plantedCurves(), {}, {LossKind::Train, 0.0, false});
    CHECK(f.id == "finetune_loss");
    CHECK(f.y.title() == "Training loss (nats/token)");
    CHECK(f.placeholder.empty());
    const auto [header, rows] = readCsv(figureCsv(f));
    CHECK(header == "series,x,y,y_error,x_label,band_low,band_high");
    // Mean and sample s.d. of (3, 5), (2, 2), (1, 3) by hand: s.d. of two is |a − b| / √2.
    const std::vector<CsvRow> k4 = rowsOf(rows, kK4);
    REQUIRE(k4.size() == 3);
    const double mean[] = {4, 2, 2}, sd[] = {std::sqrt(2.0), 0, std::sqrt(2.0)};
    for (size_t i = 0; i < 3; ++i) {
        CHECK(k4[i].x == i + 1);
        CHECK(k4[i].y == Approx(mean[i]));
        REQUIRE(k4[i].extra.size() == 2);
        CHECK(std::stod(k4[i].extra[0]) == Approx(mean[i] - sd[i]).margin(1e-12));
        CHECK(std::stod(k4[i].extra[1]) == Approx(mean[i] + sd[i]).margin(1e-12));
    }
    // One seed: no band. The lr that lost is hidden.
    const std::string r16 = "amp · universal · reconstruct K=16, lr 1e-2 (mean of 1 seed)";
    CHECK(series(f, r16).bandLow.empty());
    CHECK(series(f, r16).y == std::vector<double>{2, 1, 0.5});
    for (const FigureSeries& s : f.series) CHECK(s.name.find("lr 3e-3") == std::string::npos);
    // Colour on the ramp over K within the basis (K=4 the light end, K=16 the dark one), reconstruct dashed.
    CHECK(series(f, kK4).style == StyleKey{"finetune", "universal:0", false, ""});
    CHECK(series(f, r16).style == StyleKey{"finetune", "universal:1000", false, "reconstruct"});
    // The baseline is drawn after the arms (on top), then one empty legend entry per category.
    const std::string full = "full fine-tuning, lr 1e-3 (mean of 2 seeds)";
    REQUIRE(f.series.size() == 6);
    CHECK(f.series[2].name == full);
    CHECK(f.series[2].style == StyleKey{"finetune", "full", false, ""});
    CHECK(series(f, full).y == std::vector<double>{5, 4, 2});
    const std::vector<std::string> legend = {"full fine-tuning", "amp · universal", "amp · universal · reconstruct"};
    for (size_t i = 0; i < 3; ++i) {
        CHECK(f.series[3 + i].name == legend[i]);
        CHECK(f.series[3 + i].inLegend);
        CHECK(f.series[3 + i].x.empty());
    }
    // The view: steps from 0 to the last + 0.5; losses (bands included) padded by 6%.
    CHECK(f.x.min == 0.0);
    CHECK(f.x.max == 3.5);
    const double lo = 0.5, hi = 5 + std::sqrt(2.0);
    CHECK(f.y.min == Approx(lo - 0.06 * (hi - lo)));
    CHECK(f.y.max == Approx(hi + 0.06 * (hi - lo)));

    // Held-out: step 0 is part of the curve.
    const FigureModel h = finetuneLossFigure(plantedCurves(), {}, {LossKind::HeldOut, 0.0, false});
    CHECK(h.id == "finetune_heldout");
    CHECK(series(h, kK4).x == std::vector<double>{0, 1, 2, 3});
    CHECK(series(h, kK4).y == std::vector<double>{5, 4, 3, 2.5});
}

TEST_CASE("finetune loss figure: other learning rates faint on request, the table's best lr, smoothing",
          "[figures][finetune]") {
    const FinetuneCurves curves = plantedCurves();
    const FigureModel all = finetuneLossFigure(curves, {}, {LossKind::Train, 0.0, true});
    const FigureSeries& other = series(all, "amp · universal K=4, lr 3e-3 (mean of 1 seed) (not the best lr)");
    CHECK(other.style.hasVariant("faint"));
    CHECK(other.y == std::vector<double>{9, 9, 9});
    CHECK_FALSE(other.inLegend);

    // The efficiency table decides the best lr once it has the arm.
    EfficiencyTable table;
    EfficiencyRow row;
    row.arm = Arm::Amp;
    row.k = 4;
    row.bestLr = 3e-3;
    table.rows = {row};
    const FigureModel byTable = finetuneLossFigure(curves, table, {LossKind::Train, 0.0, false});
    CHECK(byTable.find(kK4) == nullptr);
    CHECK(series(byTable, "amp · universal K=4, lr 3e-3 (mean of 1 seed)").y == std::vector<double>{9, 9, 9});

    // TensorBoard's debiased EMA by hand (w = 0.5) over the mean (4, 2, 2); the raw mean faint behind.
    const FigureModel smooth = finetuneLossFigure(curves, {}, {LossKind::Train, 0.5, false});
    double s = 0;
    const double raw[] = {4, 2, 2};
    const FigureSeries& k4 = series(smooth, kK4);
    const FigureSeries& rawSeries = series(smooth, kK4 + " (raw)");
    for (size_t i = 0; i < 3; ++i) {
        s = 0.5 * s + 0.5 * raw[i];
        CHECK(k4.y[i] == Approx(s / (1 - std::pow(0.5, static_cast<double>(i + 1)))));
        CHECK(rawSeries.y[i] == raw[i]);
    }
    CHECK(k4.y[1] == Approx(2.0 / 0.75));
    CHECK(rawSeries.style.variant == "faint");  // solid even for a dashed arm
    CHECK(series(smooth, "amp · universal · reconstruct K=16, lr 1e-2 (mean of 1 seed) (raw)").style.variant == "faint");

    const FigureModel empty = finetuneLossFigure({}, {}, {LossKind::Train, 0.0, false});
    CHECK(empty.series.empty());
    CHECK(empty.placeholder == "Press Run to start a sweep,\nor open a sweep folder");
    CHECK(finetuneLossFigure({}, {}, {LossKind::HeldOut, 0.0, false}).placeholder ==
          "Held-out loss of every run\nappears here");
    CHECK(curves.trainPointCount() == 6 * 3);
}

TEST_CASE("finetune efficiency figure: % of full FT by K, provisional points apart, labels", "[figures][finetune]") {
    EfficiencyTable t;
    t.baselineLearns = true;
    const auto add = [&](Arm arm, int k, int matchK, AmpParam param, double mean, double spread, bool complete) {
        EfficiencyRow r;
        r.arm = arm, r.k = k, r.matchK = matchK, r.param = param, r.mean = mean, r.spread = spread;
        r.defined = true, r.complete = complete, r.runsPlanned = 4, r.runsDone = complete ? 4 : 3;
        t.rows.push_back(r);
        return &t.rows.back();
    };
    add(Arm::Full, 0, 0, AmpParam::Residual, 1.0, 0.0, true);
    add(Arm::Amp, 16, 0, AmpParam::Residual, 1.1, 0.05, true);  // before K=4: sorted by K
    add(Arm::Amp, 4, 0, AmpParam::Residual, 0.3, 0.1, true);
    add(Arm::Amp, 4, 0, AmpParam::Reconstruct, 0.1, 0.02, false);
    add(Arm::Lora, 2, 8, AmpParam::Residual, 0.5, std::nan(""), true);
    add(Arm::Amp, 32, 0, AmpParam::Residual, 0.9, 0.0, true)->basis = BasisKind::Type;
    t.rows.back().defined = false;  // undefined: not drawn

    const FigureModel f = finetuneEfficiencyFigure(t);
    CHECK(f.id == "finetune_efficiency");
    CHECK(f.placeholder.empty());
    const auto [header, rows] = readCsv(figureCsv(f));
    CHECK(header == "series,x,y,y_error,x_label");
    const std::vector<CsvRow> resid = rowsOf(rows, "amp · universal");
    REQUIRE(resid.size() == 2);
    CHECK(resid[0].x == 4);
    CHECK(resid[0].y == Approx(30));
    CHECK(std::stod(resid[0].yError) == Approx(10));
    CHECK(resid[1].x == 16);
    CHECK(resid[1].y == Approx(110));
    CHECK(std::stod(resid[1].yError) == Approx(5));
    // The reconstruct arm: its series (no final point yet) and its hollow provisional point.
    CHECK(rowsOf(rows, "amp · universal · reconstruct").empty());
    CHECK(series(f, "amp · universal · reconstruct").style == StyleKey{"finetune", "universal", false, "filled,reconstruct"});
    const FigureSeries& prov = series(f, "amp · universal · reconstruct (provisional)");
    CHECK(prov.kind == SeriesKind::Markers);
    CHECK_FALSE(prov.style.hasVariant("filled"));
    CHECK_FALSE(prov.inLegend);
    CHECK(prov.x == std::vector<double>{4});
    CHECK(prov.y[0] == Approx(10));
    // LoRA at the K its trainable count matches; an unknown spread draws no bar.
    const std::vector<CsvRow> lora = rowsOf(rows, "LoRA (matched trainable count)");
    REQUIRE(lora.size() == 1);
    CHECK(lora[0].x == 8);
    CHECK(lora[0].y == Approx(50));
    CHECK(std::stod(lora[0].yError) == 0.0);
    CHECK(series(f, "LoRA (matched trainable count)").style.value == "lora");
    CHECK(f.find("provisional: not every seed and lr in") != nullptr);
    for (const CsvRow& r : rows) CHECK(r.x != 32);
    // Axes: log-2 K to 1.4 × the largest K; efficiency −10…115 widened to every value ± 15.
    CHECK(f.x.scale == AxisScale::Log2);
    CHECK(f.x.tickMax == 16);
    CHECK(f.x.max == Approx(16 * 1.4));
    CHECK(f.y.min == -10);
    CHECK(f.y.max == Approx(125));
    REQUIRE(f.guides.size() == 2);
    CHECK(f.guides[0].y == 100);
    CHECK(f.guides[1].y == 0);

    const std::vector<FigurePointLabel> labels = finetuneEfficiencyLabels(t);
    REQUIRE(labels.size() == 1);
    CHECK(labels[0].x == 4);
    CHECK(labels[0].y == Approx(10));
    CHECK(labels[0].text == "3/4 runs");
    // All of the arm in but not the baseline: the label says so.
    t.rows[0].runsDone = 2;
    t.rows[3].runsDone = 4;
    CHECK(finetuneRunsInLabel(t.rows[3], t) == "4/4 runs, baseline 2/4");

    const FigureModel empty = finetuneEfficiencyFigure({});
    CHECK(empty.series.empty());
    CHECK(empty.placeholder == "Efficiency appears as each K finishes\n(needs the full baseline)");
    CHECK(empty.x.max == Approx(64 * 1.4));
    EfficiencyTable flat = t;
    flat.baselineLearns = false;
    flat.note = "the baseline did not learn";
    for (EfficiencyRow& r : flat.rows) r.defined = false;
    CHECK(finetuneEfficiencyFigure(flat).placeholder == "the baseline did not learn");
}

TEST_CASE("finetune efficiency figure of an engine-written sweep equals its summary.csv", "[figures][finetune]") {
    const std::string dir = test::sourcePath("tests/data/finetune_demo");
    const EfficiencyTable summary = readSummaryCsv(dir + "/summary.csv");  // written by `ctscope finetune`
    const FigureModel f = finetuneEfficiencyFigure(readSweepFolder(dir).efficiency);
    int checked = 0;
    for (const EfficiencyRow& row : summary.rows) {
        if (row.arm == Arm::Full) continue;
        INFO(row.spec().id());
        const std::string name = row.arm == Arm::Lora ? "LoRA (matched trainable count)" : finetuneArmLabel(row.spec());
        const FigureSeries& s = series(f, name);
        const double k = row.arm == Arm::Lora ? row.matchK : row.k;
        bool found = false;
        for (size_t i = 0; i < s.x.size(); ++i)
            if (s.x[i] == k) {
                found = true;
                CHECK(s.y[i] == Approx(100 * row.mean).margin(1e-5));
                CHECK(s.yError[i] == Approx(100 * row.spread).margin(1e-5));
            }
        CHECK(found);
        ++checked;
    }
    CHECK(checked == 6);
}
