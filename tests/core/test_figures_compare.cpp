// Figure builders of the comparison views (overlay, update) and of the
// efficiency frontier: each figure's CSV read back with the independent
// reader of planted_figures.h and checked against values worked out here by
// hand from the planted spectra, plus every empty state.
#include "planted_figures.h"

#include "core/report/figure.h"
#include "core/report/figure_builders_compare.h"
#include "core/report/figure_builders_finetune.h"
#include "core/report/figure_builders_frontier_eff.h"
#include "core/report/frontier.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace ctscope;
using namespace ctscope::test::planted;

namespace {

/// A second, narrow checkpoint: d = 4, only `down` (λ = 1, 1, 1, 1: PR 4,
/// E = ¼, ½, ¾, 1, K90 = 4) and a universal Gram λ = (3, 1, 0, 0): PR =
/// 16/10, E = ¾, 1, 1, 1, K90 = 2.
SpectralAnalysis narrowAnalysis() {
    SpectralAnalysis a;
    a.dModel = 4;
    a.universal = makeSpectrumStats({3, 1, 0, 0});
    TypeResult down;
    down.type = Role::Down;
    down.spectrum = makeSpectrumStats({1, 1, 1, 1});
    a.types.push_back(down);
    return a;
}

const SpectralAnalysis& narrow() {
    static const SpectralAnalysis a = narrowAnalysis();
    return a;
}

std::vector<OverlayCheckpoint> twoCheckpoints() { return {{"A", &planted()}, {"B", &narrow()}}; }

double num(const std::string& s) { return s.empty() ? std::nan("") : std::stod(s); }

}  // namespace

TEST_CASE("overlay bars: PR/d and K90/d per type slot, one series per checkpoint, gaps where a type is absent",
          "[figures][compare]") {
    const FigureModel pr = overlayBarsFigure(twoCheckpoints(), false);
    CHECK(pr.id == "overlay_pr");
    CHECK(pr.placeholder.empty());
    CHECK(pr.subtitle == "2 checkpoints, each over its own d_model");
    // Slots: q at 1; up, down (MLP) 1.5 further, 1 apart; universal 1.5 after.
    REQUIRE(pr.x.textTicks.size() == 4);
    const std::vector<std::pair<double, std::string>> ticks{{1.0, "q"}, {2.5, "up"}, {3.5, "down"}, {5.0, "universal"}};
    CHECK(pr.x.textTicks == ticks);
    CHECK(pr.x.min == Approx(0.3));
    CHECK(pr.x.max == Approx(5.7));
    CHECK(pr.y.max == Approx(1.05));  // B's down bar is PR/d = 1: 1.12 capped at 1.05

    const auto [header, rows] = readCsv(figureCsv(pr));
    CHECK(header == "series,x,y,y_error,x_label");
    const std::vector<CsvRow> a = rowsOf(rows, "A"), b = rowsOf(rows, "B");
    REQUIRE(a.size() == 3);  // A has no down
    CHECK(a[0].x == 1.0);
    CHECK(a[0].xLabel == "q");
    CHECK(a[0].y == Approx(100.0 / 66.0 / 16.0).epsilon(1e-5));
    CHECK(a[1].x == 2.5);
    CHECK(a[1].y == Approx(10.0 / 16.0).epsilon(1e-5));
    CHECK(a[2].xLabel == "universal");
    CHECK(a[2].y == Approx(400.0 / 76.0 / 16.0).epsilon(1e-5));
    REQUIRE(b.size() == 2);  // B has only down
    CHECK(b[0].x == 3.5);
    CHECK(b[0].y == Approx(1.0));
    CHECK(b[1].x == 5.0);
    CHECK(b[1].y == Approx(1.6 / 4.0));
    REQUIRE(pr.series.size() == 2);
    CHECK(pr.series[0].kind == SeriesKind::Bars);
    CHECK(pr.series[1].style == StyleKey{"checkpoint", "1"});

    const FigureModel k90 = overlayBarsFigure(twoCheckpoints(), true);
    CHECK(k90.id == "overlay_k90");
    const std::vector<CsvRow> rowsK = readCsv(figureCsv(k90)).second;
    const std::vector<CsvRow> ak = rowsOf(rowsK, "A"), bk = rowsOf(rowsK, "B");
    REQUIRE(ak.size() == 3);
    CHECK(ak[0].y == Approx(2.0 / 16));
    CHECK(ak[1].y == Approx(9.0 / 16));
    CHECK((ak[2].y == Approx(11.0 / 16) || ak[2].y == Approx(12.0 / 16)));  // E_u(11) = 0.9 exactly: either side
    REQUIRE(bk.size() == 2);
    CHECK(bk[0].y == Approx(1.0));
    CHECK(bk[1].y == Approx(0.5));

    const FigureModel empty = overlayBarsFigure({}, false);
    CHECK(empty.series.empty());
    CHECK(empty.x.textTicks.empty());
    CHECK(empty.placeholder == "Add checkpoints to compare them");
    CHECK(overlaySlots({}).empty());
}

TEST_CASE("overlay energy: E(K) against K/d per checkpoint; a checkpoint without the type is named", "[figures][compare]") {
    const FigureModel f = overlayEnergyFigure(twoCheckpoints(), std::nullopt);
    CHECK(f.id == "overlay_energy");
    CHECK(f.subtitle == "universal Gram");
    CHECK(f.x.scale == AxisScale::Log);
    // Percent ticks down to 0.6 / 16 = 3.75%: 5%, 10%, 20%, 50%, 100%.
    REQUIRE(f.x.textTicks.size() == 5);
    CHECK(f.x.textTicks.front().second == "5%");
    CHECK(f.x.textTicks[1].second == "10%");
    CHECK(f.x.textTicks.back().first == 1.0);
    CHECK(f.x.textTicks.back().second == "100%");
    CHECK(f.x.min == Approx(0.85 / 16));
    REQUIRE(f.guides.size() == 2);
    CHECK(f.guides[1].y == 0.9);
    CHECK(f.guides[1].label == "90%");

    const std::vector<CsvRow> rows = readCsv(figureCsv(f)).second;
    const std::vector<CsvRow> a = rowsOf(rows, "A"), b = rowsOf(rows, "B");
    REQUIRE(a.size() == 16);
    for (int k = 1; k <= 16; ++k) {
        CHECK(a[static_cast<size_t>(k - 1)].x == Approx(k / 16.0));
        CHECK(a[static_cast<size_t>(k - 1)].y == Approx(k <= 13 ? (7.0 + k) / 20.0 : 1.0).epsilon(1e-6));
    }
    REQUIRE(b.size() == 4);
    const double eb[] = {0.75, 1, 1, 1};
    for (size_t i = 0; i < 4; ++i) {
        CHECK(b[i].x == Approx((i + 1) / 4.0));
        CHECK(b[i].y == Approx(eb[i]));
    }

    const FigureModel down = overlayEnergyFigure(twoCheckpoints(), Role::Down);
    CHECK(down.subtitle == "type down · absent from A");
    REQUIRE(down.series.size() == 1);
    CHECK(down.series[0].name == "B");
    CHECK(down.series[0].style == StyleKey{"checkpoint", "1"});  // B keeps its colour without A's curve
    CHECK(down.series[0].y == std::vector<double>{0.25, 0.5, 0.75, 1.0});

    const FigureModel empty = overlayEnergyFigure({}, std::nullopt);
    CHECK(empty.series.empty());
    CHECK(empty.subtitle.empty());
    CHECK(empty.placeholder == "Add checkpoints to compare them");
    CHECK(overlayTypes(twoCheckpoints()) == std::vector<MatrixType>{Role::Q, Role::Up, Role::Down});
}

namespace {

/// d = 4: q moved (captured per-type ½, .8, .9, 1; universal .1, .3, .6, 1);
/// embed did not (empty curves).
UpdateAnalysis plantedUpdate() {
    UpdateAnalysis u;
    u.dModel = 4;
    UpdateTypeResult q;
    q.type = Role::Q;
    q.relChange = 0.0123;
    q.capturedType = {0.5, 0.8, 0.9, 1.0};
    q.capturedUniversal = {0.1, 0.3, 0.6, 1.0};
    UpdateTypeResult embed;
    embed.type = Role::Embed;
    u.types = {q, embed};
    return u;
}

}  // namespace

TEST_CASE("update rows and figure: captured fractions at K beside K/d", "[figures][compare]") {
    const UpdateAnalysis u = plantedUpdate();
    const std::vector<UpdateCaptureRow> rows = updateCaptureRows(u, 2);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].type == Role::Q);
    CHECK(rows[0].relChange == 0.0123);
    CHECK(rows[0].capturedType == 0.8);
    CHECK(rows[0].capturedUniversal == 0.3);
    CHECK(rows[0].kOverD == 0.5);
    CHECK(rows[0].typeOverRandom == Approx(1.6));
    CHECK(rows[0].universalOverRandom == Approx(0.6));
    CHECK(std::isnan(rows[1].capturedType));
    CHECK(std::isnan(rows[1].typeOverRandom));
    CHECK(rows[1].kOverD == 0.5);
    CHECK(updateCaptureRows(u, 1, 8)[0].kOverD == 0.125);  // an explicit d wins
    CHECK(updateCaptureRows(UpdateAnalysis{}, 1).empty());

    const FigureModel f = updateFigure(u, Role::Q, 2, 0, "base → tuned");
    CHECK(f.id == "update_captured");
    CHECK(f.subtitle == "base → tuned · type q · rel_change 0.0123");
    CHECK(f.placeholder.empty());
    CHECK(f.x.max == Approx(4 * 1.15));
    const std::vector<CsvRow> csv = readCsv(figureCsv(f)).second;
    const std::vector<CsvRow> own = rowsOf(csv, "per-type basis"), uni = rowsOf(csv, "universal basis"),
                              diag = rowsOf(csv, "random subspace (K/d)");
    REQUIRE(own.size() == 4);
    REQUIRE(uni.size() == 4);
    REQUIRE(diag.size() == 4);
    for (size_t i = 0; i < 4; ++i) {
        CHECK(own[i].x == i + 1.0);
        CHECK(own[i].y == u.types[0].capturedType[i]);
        CHECK(uni[i].y == u.types[0].capturedUniversal[i]);
        CHECK(diag[i].y == Approx((i + 1) / 4.0));
    }
    CHECK(f.series[2].style == StyleKey{"chance", "random"});
    REQUIRE(f.guides.size() == 1);
    CHECK(f.guides[0].vertical);
    CHECK(f.guides[0].x == 2.0);

    for (const FigureModel& e : {updateFigure(UpdateAnalysis{}, Role::Q, 1, 0, ""), updateFigure(u, Role::Down, 2, 0, "")}) {
        CHECK(e.series.empty());
        CHECK(e.guides.empty());
        CHECK(e.placeholder == "Compare a base checkpoint with its fine-tune to see what moved");
    }
}

namespace {

EfficiencyFrontierRow frontierRow(Arm arm, BasisKind basis, AmpParam param, int k, int matchK, double mean,
                                  double spread, bool defined = true) {
    EfficiencyFrontierRow r;
    r.row.arm = arm;
    r.row.basis = basis;
    r.row.param = param;
    r.row.k = k;
    r.row.matchK = matchK;
    r.row.mean = mean;
    r.row.spread = spread;
    r.row.defined = defined;
    return r;
}

}  // namespace

TEST_CASE("efficiency frontier figure: efficiency (%) per arm at its plotted K, K_min guides, empty states",
          "[figures][compare]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EfficiencyFrontier fr;
    fr.defined = true;
    fr.rows = {frontierRow(Arm::Amp, BasisKind::Universal, AmpParam::Residual, 4, 0, 0.2, 0.05),
               frontierRow(Arm::Amp, BasisKind::Universal, AmpParam::Residual, 8, 0, 1.1, nan),
               frontierRow(Arm::Amp, BasisKind::Type, AmpParam::Reconstruct, 4, 0, 0.5, 0.1),
               frontierRow(Arm::Amp, BasisKind::Random, AmpParam::Residual, 16, 0, nan, nan, false),
               // LoRA ranks 2 and 4 drawn at matched K 8 and 4: out of rank order.
               frontierRow(Arm::Lora, BasisKind::Universal, AmpParam::Residual, 2, 8, 0.1, 0.02),
               frontierRow(Arm::Lora, BasisKind::Universal, AmpParam::Residual, 4, 4, 0.3, 0.04)};
    KMin kUniversal, kRandom;
    kUniversal.k = 8;
    kRandom.basis = BasisKind::Random;
    fr.kMin = {kUniversal, kRandom};

    const FigureModel f = efficiencyFrontierFigure({&fr, 12, "demo"});
    CHECK(f.id == "efficiency_frontier");
    CHECK(f.subtitle == "demo");
    CHECK(f.placeholder.empty());
    const auto [header, rows] = readCsv(figureCsv(f));
    CHECK(header == "series,x,y,y_error,x_label");
    const std::vector<CsvRow> lora = rowsOf(rows, "LoRA"), uni = rowsOf(rows, "amp · universal"),
                              rec = rowsOf(rows, "amp · type · reconstruct");
    REQUIRE(lora.size() == 2);
    CHECK(lora[0].x == 4);
    CHECK(lora[0].y == Approx(30));
    CHECK(num(lora[0].yError) == Approx(4));
    CHECK(lora[1].x == 8);
    CHECK(lora[1].y == Approx(10));
    CHECK(num(lora[1].yError) == Approx(2));
    REQUIRE(uni.size() == 2);
    CHECK(uni[0].y == Approx(20));
    CHECK(num(uni[0].yError) == Approx(5));
    CHECK(uni[1].y == Approx(110));
    CHECK(num(uni[1].yError) == 0);  // one seed: no spread
    REQUIRE(rec.size() == 1);
    CHECK(rowsOf(rows, "amp · random").empty());  // undefined: not drawn
    // Series in name order, each followed by its filled points.
    REQUIRE(f.series.size() == 6);
    CHECK(f.series[0].name == "LoRA");
    CHECK(f.series[0].style == StyleKey{"finetune", "lora"});
    CHECK(f.series[1].kind == SeriesKind::Markers);
    CHECK(f.series[1].attachedTo == 0);
    CHECK_FALSE(f.series[1].inLegend);
    CHECK(f.series[1].style.hasVariant("filled"));
    CHECK(f.series[2].name == "amp · type · reconstruct");
    CHECK(f.series[2].style.hasVariant("reconstruct"));
    CHECK(f.series[4].name == "amp · universal");
    CHECK(f.series[4].style == StyleKey{"finetune", "universal"});
    // Ranges: K up to 16 (the random row counts though it is not drawn); 110 + 15 widens the top.
    CHECK(f.x.scale == AxisScale::Log2);
    CHECK(f.x.tickMax == 16);
    CHECK(f.x.max == Approx(16 * 1.4));
    CHECK(f.y.min == -10);
    CHECK(f.y.max == Approx(125));
    // Guides: full FT, no learning, K_min of the universal arm (the random arm has none).
    REQUIRE(f.guides.size() == 3);
    CHECK(f.guides[0].y == 100);
    CHECK(f.guides[0].label == "full FT");
    CHECK(f.guides[1].y == 0);
    CHECK(f.guides[2].vertical);
    CHECK(f.guides[2].x == 8);
    CHECK(f.guides[2].style == StyleKey{"finetune", "universal"});

    CHECK(efficiencyFrontierFigure({nullptr, 0, ""}).placeholder == "No sweep yet");
    CHECK(efficiencyFrontierFigure({nullptr, 0, ""}).x.tickMax == 64);
    EfficiencyFrontier undefined = fr;
    undefined.defined = false;
    for (EfficiencyFrontierRow& r : undefined.rows) r.row.defined = false;
    const FigureModel u = efficiencyFrontierFigure({&undefined, 12, ""});
    CHECK(u.placeholder == "Efficiency undefined: the baseline does not learn");
    CHECK(u.series.empty());
    EfficiencyFrontier waiting;
    waiting.defined = true;
    CHECK(efficiencyFrontierFigure({&waiting, 3, ""}).placeholder == "Waiting for finished runs…");
    CHECK(finetuneArmLabel(kRandom.spec()) == "amp · random");
}

TEST_CASE("group comparison uses the one matrix grouping: embeddings are in neither group", "[figures][compare]") {
    // Planted: q (attention, PR 100/66, K90 2) and up (MLP, PR 10, K90 9).
    const GroupComparison g = compareGroups(planted(), 2);
    CHECK(g.attention.types == 1);
    CHECK(g.mlp.types == 1);
    CHECK(g.attention.pr == Approx(100.0 / 66.0).epsilon(1e-5));
    CHECK(g.mlp.k90 == Approx(9));
    CHECK(g.mlpOverAttentionPr == Approx(10.0 * 66.0 / 100.0).epsilon(1e-5));
    SpectralAnalysis withEmbed = narrowAnalysis();
    TypeResult embed;
    embed.type = Role::Embed;
    embed.spectrum = makeSpectrumStats({1, 0, 0, 0});
    embed.r2Type = embed.spectrum.energy;
    withEmbed.types.push_back(embed);
    withEmbed.types[0].r2Type = withEmbed.types[0].spectrum.energy;
    const GroupComparison e = compareGroups(withEmbed, 1);
    CHECK(e.attention.types == 0);
    CHECK(e.mlp.types == 1);
    CHECK(e.mlp.pr == Approx(4));
}
