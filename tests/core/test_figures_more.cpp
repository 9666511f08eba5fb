// Figure builders of the budget and WeightWatcher views: each figure's CSV
// read back and checked against the builder's input, computed here
// independently from planted spectra.
#include "planted_figures.h"

#include "core/report/figure.h"
#include "core/report/figure_builders_budget.h"
#include "core/spectral/spectral_analysis.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <sstream>

using namespace ctscope;
using namespace ctscope::test::planted;

namespace {

/// The planted budget, by hand: q is 16×16 and up is 32×16, so the original
/// holds 16·16 + 32·16 = 768 parameters and K_q, K_up keep
/// 16·K_q + K_q·16 + 32·K_up + K_up·16.
double plantedFraction(int kq, int kup) { return (32.0 * kq + 48.0 * kup) / 768.0; }
/// Smallest K with E(K) ≥ τ: E_q = 0.8, 0.9, 1, …; E_up(K) = K/10.
int plantedKq(double tau) { return tau <= 0.8 ? 1 : (tau <= 0.9 ? 2 : 3); }
int plantedKup(double tau) { return static_cast<int>(std::ceil(tau * 10.0 - 1e-9)); }

}  // namespace

TEST_CASE("budget fraction figure: the τ staircase and the current rule against hand-computed budgets", "[figures]") {
    const BudgetRule rule{true, 0.85, 32};
    const FigureModel f = budgetFractionFigure(&planted(), rule, "planted");
    CHECK(f.id == "budget_fraction");
    CHECK(f.subtitle == "planted");
    const auto [header, rows] = readCsv(figureCsv(f));
    CHECK(header == "series,x,y,y_error,x_label");
    const std::vector<CsvRow> curve = rowsOf(rows, "K_t from τ");
    REQUIRE(curve.size() == 95);
    int checked = 0;
    for (size_t i = 0; i < curve.size(); ++i) {
        const int v = 5 + static_cast<int>(i);
        CHECK(curve[i].x == Approx(v / 100.0));
        if (v % 10 == 0) continue;  // E(K) = τ exactly: rounding decides
        CHECK(curve[i].y == Approx(plantedFraction(plantedKq(v / 100.0), plantedKup(v / 100.0))));
        ++checked;
    }
    CHECK(checked == 86);
    const std::vector<CsvRow> current = rowsOf(rows, "current rule");
    REQUIRE(current.size() == 1);
    CHECK(current[0].x == Approx(0.85));
    CHECK(current[0].y == Approx(496.0 / 768.0));
    REQUIRE(f.guides.size() == 1);
    CHECK(f.guides[0].y == 1.0);
    CHECK(f.y.max == Approx(1.1));  // every fraction ≤ 1 here
    CHECK(f.x.min == 0.0);
    CHECK(f.x.max == 1.0);

    const FigureModel empty = budgetFractionFigure(nullptr, rule, "planted");
    CHECK(empty.series.empty());
    CHECK_FALSE(empty.placeholder.empty());
}

TEST_CASE("budget fraction figure: the fixed-K curve is 80K/768 for K = 1..d", "[figures]") {
    const BudgetRule rule{false, 0.9, 4};
    const FigureModel f = budgetFractionFigure(&planted(), rule, "planted");
    CHECK(f.x.scale == AxisScale::Log2);
    const auto [header, rows] = readCsv(figureCsv(f));
    const std::vector<CsvRow> curve = rowsOf(rows, "fixed K");
    REQUIRE(curve.size() == kD);
    for (int k = 1; k <= kD; ++k) {
        CHECK(curve[static_cast<size_t>(k - 1)].x == k);
        CHECK(curve[static_cast<size_t>(k - 1)].y == Approx(80.0 * k / 768.0));
    }
    const std::vector<CsvRow> current = rowsOf(rows, "current rule");
    REQUIRE(current.size() == 1);
    CHECK(current[0].x == 4);
    CHECK(current[0].y == Approx(320.0 / 768.0));
    // K = 16 keeps 1280 of 768: the view's range must reach it.
    CHECK(f.y.max == Approx(1280.0 / 768.0 * 1.05));
}

TEST_CASE("budget K figure: one bar per type at K_t, labelled by type", "[figures]") {
    const SpectralAnalysis& a = planted();
    for (const BudgetRule& rule : {BudgetRule{true, 0.85, 32}, BudgetRule{true, 0.45, 32}, BudgetRule{false, 0.9, 7}}) {
        const FigureModel f = budgetKFigure(&a, budgetFor(a, rule), rule);
        CHECK(f.id == "budget_k");
        const auto [header, rows] = readCsv(figureCsv(f));
        REQUIRE(rows.size() == 2);
        std::map<std::string, double> k;
        for (const CsvRow& r : rows) {
            CHECK(r.series == "K_t");
            k[r.xLabel] = r.y;
        }
        REQUIRE(k.count("q") == 1);
        REQUIRE(k.count("up") == 1);
        CHECK(k["q"] == (rule.energy ? plantedKq(rule.tau) : rule.fixedK));
        CHECK(k["up"] == (rule.energy ? plantedKup(rule.tau) : rule.fixedK));
        CHECK(rows[0].x == 1);
        CHECK(rows[1].x == 2);
        CHECK(f.subtitle == (rule.energy ? (rule.tau > 0.5 ? "τ = 0.85" : "τ = 0.45") : "K = 7"));
        CHECK(f.y.max == Approx(std::max(k["q"], k["up"]) * 1.18));
    }
}
