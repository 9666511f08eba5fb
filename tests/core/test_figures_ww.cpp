// The WeightWatcher figures (Heavy tails and Alpha views) built from planted
// spectra and planted fits whose histogram bins, CCDF steps, fitted lines,
// bands and bars are worked out here by hand, read back from the CSV.
#include "planted_figures.h"

#include "core/report/figure_builders_ww.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <tuple>

using namespace ctscope;
using ctscope::test::planted::readCsv;
using ctscope::test::planted::rowsOf;

namespace {

MatrixResult matrix(MatrixType type, int layer, const std::vector<double>& evalsDescending) {
    MatrixResult m;
    m.type = type;
    m.layer = layer;
    m.rows = m.cols = static_cast<int64_t>(evalsDescending.size());
    for (double l : evalsDescending) m.singularValues.push_back(std::sqrt(l));
    return m;
}

// q: eight eigenvalues placed inside the bins [2^b, 2^(b+1)) of 7 log bins
// over [1, 128] (bin 4 empty, 128 itself in the last bin); k: {9, 4, 1, 0}.
SpectralAnalysis tailsAnalysis() {
    SpectralAnalysis a;
    a.dModel = 8;
    const double p = 2.0;
    a.matrices.push_back(matrix(Role::Q, 0, {128, std::pow(p, 6.5), std::pow(p, 5.5), std::pow(p, 3.5),
                                             std::pow(p, 3.3), std::pow(p, 2.5), std::pow(p, 1.5), 1}));
    a.matrices.push_back(matrix(Role::K, 0, {9, 4, 1, 0}));
    return a;
}

std::vector<WwMatrixMetrics> tailsMetrics() {
    std::vector<WwMatrixMetrics> w(2);
    w[0].fit.ok = true;
    w[0].alpha = w[0].fit.alpha = 2.5;
    w[0].fit.xmin = std::pow(2.0, 3.3);
    w[0].fit.xmax = 128;
    w[0].fit.tail = 5;
    w[0].fit.fitted = 8;
    w[0].fit.D = 0.25;
    w[1].fit.ok = false;  // a failed fit: data only
    return w;
}

}  // namespace

TEST_CASE("ESD figure: log-binned density and the fitted law from xmin", "[figures][ww]") {
    const SpectralAnalysis a = tailsAnalysis();
    WwTailsFigureOptions o;
    o.bins = 7;
    const WwTailsFigure f = wwEsdFigure(&a, tailsMetrics(), o, "planted");
    CHECK(f.figure.id == "ww_esd");
    CHECK(f.shown == std::vector<int>{0, 1});
    CHECK(f.figure.x.scale == AxisScale::Log);
    CHECK(f.figure.y.scale == AxisScale::Log);
    const auto [header, rows] = readCsv(figureCsv(f.figure));
    CHECK(header == "series,x,y,y_error,x_label");

    // q: counts per bin 1, 1, 1, 2, 0, 1, 2 of N = 8; density = count / (N · 2^b).
    const auto q = rowsOf(rows, "L0 q α=2.50 D=0.25");
    const std::vector<std::pair<int, int>> bins{{0, 1}, {1, 1}, {2, 1}, {3, 2}, {5, 1}, {6, 2}};
    REQUIRE(q.size() == bins.size());
    double mass = 0;
    for (size_t i = 0; i < bins.size(); ++i) {
        const auto [b, count] = bins[i];
        CHECK(q[i].x == Approx(std::pow(2.0, b + 0.5)).epsilon(1e-12));
        CHECK(q[i].y == Approx(count / (8.0 * std::pow(2.0, b))).epsilon(1e-12));
        mass += q[i].y * std::pow(2.0, b);
    }
    CHECK(mass == Approx(1.0).epsilon(1e-12));

    // k: {1, 4, 9} over bins 9^(b/7): 1 in bin 0, 4 in bin 4 (log 4 / log 9 · 7 = 4.4), 9 in bin 6.
    const auto k = rowsOf(rows, "L0 k: power-law fit failed");
    REQUIRE(k.size() == 3);
    const int kb[3] = {0, 4, 6};
    for (int i = 0; i < 3; ++i) {
        const double lo = std::pow(9.0, kb[i] / 7.0), hi = std::pow(9.0, (kb[i] + 1) / 7.0);
        CHECK(k[static_cast<size_t>(i)].x == Approx(std::sqrt(lo * hi)).epsilon(1e-12));
        CHECK(k[static_cast<size_t>(i)].y == Approx(1.0 / (3.0 * (hi - lo))).epsilon(1e-12));
    }

    // The fit: 5/8 · 1.5/xmin · (λ/xmin)^−2.5 at 48 log-spaced λ from xmin to 128.
    const double xmin = std::pow(2.0, 3.3);
    const auto fit = rowsOf(rows, "L0 q power law from xmin = 9.849");
    REQUIRE(fit.size() == 48);
    for (size_t i : {size_t(0), size_t(20), size_t(47)}) {
        const double x = xmin * std::pow(128.0 / xmin, static_cast<double>(i) / 47.0);
        CHECK(fit[i].x == Approx(x).epsilon(1e-12));
        CHECK(fit[i].y == Approx(5.0 / 8.0 * 1.5 / xmin * std::pow(x / xmin, -2.5)).epsilon(1e-12));
    }
    REQUIRE(f.fitSeries.size() == 2);
    CHECK(f.fitSeries[1] == -1);
    CHECK_FALSE(f.figure.series[static_cast<size_t>(f.fitSeries[0])].inLegend);
    CHECK(f.figure.series[static_cast<size_t>(f.fitSeries[0])].style.hasVariant("fit"));
    // One xmin marker, vertical, in the fit's colour and dotted.
    REQUIRE(f.figure.guides.size() == 1);
    CHECK(f.figure.guides[0].vertical);
    CHECK(f.figure.guides[0].x == Approx(xmin));
    CHECK(f.figure.guides[0].style.hasVariant("mark"));
    CHECK(f.figure.guides[0].style.value == "type:q");
    CHECK(f.figure.subtitle == "planted · dashed: fit from xmin, dotted: xmin");

    // Fewer bins, same mass; a selection cut to maxCurves.
    o.selection = {1, 0, 7};
    o.maxCurves = 1;
    const WwTailsFigure cut = wwEsdFigure(&a, tailsMetrics(), o, "planted");
    CHECK(cut.shown == std::vector<int>{1});
    CHECK(cut.requested == 2);
    CHECK(cut.figure.series.size() == 1);
    CHECK(cut.figure.series[0].style.value == "type:k");
}

TEST_CASE("CCDF figure: survival at each eigenvalue and the fitted survival", "[figures][ww]") {
    const SpectralAnalysis a = tailsAnalysis();
    const WwTailsFigure f = wwCcdfFigure(&a, tailsMetrics(), {}, "planted");
    CHECK(f.figure.id == "ww_ccdf");
    const auto [header, rows] = readCsv(figureCsv(f.figure));
    // k: the zero eigenvalue is below WeightWatcher's threshold and left out.
    const auto k = rowsOf(rows, "L0 k: power-law fit failed");
    REQUIRE(k.size() == 3);
    const double kx[3] = {1, 4, 9}, ky[3] = {1, 2.0 / 3, 1.0 / 3};
    for (size_t i = 0; i < 3; ++i) {
        CHECK(k[i].x == Approx(kx[i]).epsilon(1e-12));
        CHECK(k[i].y == Approx(ky[i]).epsilon(1e-12));
    }
    const auto q = rowsOf(rows, "L0 q α=2.50 D=0.25");
    REQUIRE(q.size() == 8);
    CHECK(q[0].x == Approx(1.0));
    CHECK(q[0].y == 1.0);
    CHECK(q[7].x == Approx(128.0));
    CHECK(q[7].y == Approx(1.0 / 8));
    const double xmin = std::pow(2.0, 3.3);
    const auto fit = rowsOf(rows, "L0 q power law from xmin = 9.849");
    REQUIRE(fit.size() == 48);
    CHECK(fit[0].y == Approx(5.0 / 8.0));
    const double last = 5.0 / 8.0 * std::pow(128.0 / xmin, -1.5);
    CHECK(fit[47].y == Approx(last).epsilon(1e-12));
    // The default view: every positive point, widened ×1.5 in λ and ×2 in P.
    CHECK(f.figure.x.min == Approx(1.0 / 1.5));
    CHECK(f.figure.x.max == Approx(128.0 * 1.5));
    CHECK(f.figure.y.min == Approx(last / 2));
    CHECK(f.figure.y.max == Approx(2.0));
    CHECK(f.figure.legendColumns == 1);
}

TEST_CASE("tails figures without a model show the placeholder", "[figures][ww]") {
    for (const WwTailsFigure& f : {wwEsdFigure(nullptr, {}, {}, ""), wwCcdfFigure(nullptr, {}, {}, "")}) {
        CHECK(f.figure.series.empty());
        CHECK(f.figure.guides.empty());
        CHECK(f.figure.placeholder == "Open a checkpoint (File ▸ Open) to see its tails");
        CHECK(f.figure.x.min == 1e-3);
        CHECK(f.figure.x.max == 1e3);
        CHECK(figureCsv(f.figure) == "series,x,y,y_error,x_label\n");
    }
}

namespace {

SpectralAnalysis alphaAnalysis() {
    SpectralAnalysis a;
    a.dModel = 16;
    a.config.nLayers = 2;
    for (auto [t, l] : std::vector<std::pair<MatrixType, int>>{
             {Role::Q, 0}, {Role::Q, 1}, {Role::K, 0}, {Role::K, 1}, {Role::Embed, -1}, {Role::Head, -1}})
        a.matrices.push_back(matrix(t, l, {1}));
    a.types.resize(2);
    a.types[0].type = Role::Q;
    a.types[0].spectrum.pr = 4, a.types[0].spectrum.k90 = 8;
    a.types[1].type = Role::K;
    a.types[1].spectrum.pr = 2, a.types[1].spectrum.k90 = 16;
    a.universal.pr = 6, a.universal.k90 = 12;
    return a;
}

WwAnalysis alphaWw() {
    WwAnalysis w;
    w.matrices.resize(6);
    const double alphas[6] = {1.5, 3, 4, -1, 7, 10};
    for (size_t i = 0; i < 6; ++i) {
        w.matrices[i].fit.ok = i != 3;
        w.matrices[i].alpha = alphas[i];
    }
    w.types.resize(2);
    w.types[0].type = Role::Q;
    w.types[0].alphaMean = 2.5, w.types[0].alphaStd = 0.5;
    w.types[0].stacked.ok = true, w.types[0].stacked.alpha = 3;
    w.types[1].type = Role::K;
    w.types[1].alphaMean = 4, w.types[1].alphaStd = std::nan("");
    w.universal.universal = true;
    w.universal.fitted = 5;
    w.universal.alphaMean = 3, w.universal.alphaStd = 1;
    w.universal.stacked.ok = true, w.universal.stacked.alpha = 2.8;
    return w;
}

}  // namespace

TEST_CASE("alpha by layer: one line per type over WeightWatcher's bands", "[figures][ww]") {
    const SpectralAnalysis a = alphaAnalysis();
    const WwAlphaLayersFigure f = wwAlphaLayersFigure(&a, alphaWw(), "planted");
    const FigureModel& m = f.figure;
    CHECK(m.id == "ww_alpha_layers");
    const auto [header, rows] = readCsv(figureCsv(m));
    CHECK(header == "series,x,y,y_error,x_label,band_low,band_high");
    const auto q = rowsOf(rows, "q");
    REQUIRE(q.size() == 2);
    CHECK((q[0].x == 0 && q[0].y == 1.5 && q[1].x == 1 && q[1].y == 3));
    CHECK(rowsOf(rows, "q points").size() == 2);
    const auto k = rowsOf(rows, "k");  // layer 1's fit failed: left out
    REQUIRE(k.size() == 1);
    CHECK((k[0].x == 0 && k[0].y == 4));
    const auto embed = rowsOf(rows, "embed"), head = rowsOf(rows, "head");
    REQUIRE(embed.size() == 1);
    REQUIRE(head.size() == 1);
    CHECK((embed[0].x == -1 && embed[0].y == 7));
    CHECK((head[0].x == 2 && head[0].y == 10));  // after the last layer
    CHECK(m.find("embed")->kind == SeriesKind::Markers);
    CHECK(m.find("embed")->style.hasVariant("filled"));
    CHECK(m.find("q")->kind == SeriesKind::Line);

    // α_max · 1.12 = 11.2 sets the top; the head widens the x range.
    CHECK(m.y.max == Approx(11.2));
    CHECK(m.x.min == Approx(-1.6));
    CHECK(m.x.max == Approx(2.6));
    const std::vector<std::tuple<std::string, double, double>> bands{
        {"over-trained", 0, 2}, {"typical", 2, 6}, {"under-trained", 6, 44.8}};
    for (const auto& [name, lo, hi] : bands) {
        INFO(name);
        const auto b = rowsOf(rows, name);
        REQUIRE(b.size() == 2);
        CHECK(std::isnan(b[0].y));
        CHECK(b[0].x == Approx(-1.6));
        CHECK(b[1].x == Approx(2.6));
        CHECK(std::stod(b[0].extra.at(0)) == Approx(lo));
        CHECK(std::stod(b[0].extra.at(1)) == Approx(hi));
        CHECK_FALSE(m.find(name)->inLegend);
    }
    REQUIRE(m.guides.size() == 2);
    CHECK((m.guides[0].y == 2 && m.guides[1].y == 6));
    REQUIRE(f.bandLabels.size() == 3);
    CHECK(f.bandLabels[2].first == Approx((6 + 11.2) / 2));
    const std::vector<std::pair<double, std::string>> ticks{{0, "0"}, {1, "1"}, {-1, "emb"}, {2, "head"}};
    CHECK(m.x.textTicks == ticks);
    CHECK(f.curves.size() == 4);

    const WwAlphaLayersFigure empty = wwAlphaLayersFigure(nullptr, {}, "");
    CHECK(empty.figure.series.empty());
    CHECK(empty.figure.placeholder == "Open a checkpoint (File ▸ Open) to see alpha by layer");
    CHECK(empty.figure.y.max == 8);
}

TEST_CASE("alpha per type: mean ± s.d., PR / d and K90 / d, stacked α", "[figures][ww]") {
    const SpectralAnalysis a = alphaAnalysis();
    const WwAlphaTypesFigure f = wwAlphaTypesFigure(&a, alphaWw());
    const FigureModel& m = f.figure;
    CHECK(m.id == "ww_alpha_types");
    const auto [header, rows] = readCsv(figureCsv(m));
    const auto alpha = rowsOf(rows, "α mean ± s.d. (left)");
    const auto pr = rowsOf(rows, "PR / d (right)"), k90 = rowsOf(rows, "K90 / d (right)");
    const auto stacked = rowsOf(rows, "α of the stacked spectrum");
    REQUIRE(alpha.size() == 3);
    REQUIRE(pr.size() == 3);
    REQUIRE(k90.size() == 3);
    REQUIRE(stacked.size() == 3);
    const double mean[3] = {2.5, 4, 3}, sd[3] = {0.5, 0, 1};  // k's s.d. is NaN (one fit): 0
    const double prd[3] = {4.0 / 16, 2.0 / 16, 6.0 / 16}, k90d[3] = {8.0 / 16, 16.0 / 16, 12.0 / 16};
    const char* labels[3] = {"q", "k", "all"};
    for (size_t i = 0; i < 3; ++i) {
        INFO(labels[i]);
        CHECK(alpha[i].x == i + 1.0);
        CHECK(alpha[i].xLabel == labels[i]);
        CHECK(alpha[i].y == mean[i]);
        CHECK(std::stod(alpha[i].yError) == sd[i]);
        CHECK(pr[i].y == Approx(prd[i]));
        CHECK(k90[i].y == Approx(k90d[i]));
        CHECK(stacked[i].x == Approx(i + 1.0 - 0.27));
    }
    CHECK(stacked[0].y == 3);
    CHECK(std::isnan(stacked[1].y));  // its fit failed
    CHECK(stacked[2].y == 2.8);
    CHECK(f.rightSeries == std::vector<int>{1, 2});
    CHECK(m.series[static_cast<size_t>(f.stackedSeries)].name == "α of the stacked spectrum");
    CHECK(f.right.max == Approx(1.05));
    CHECK(m.y.max == Approx(4 * 1.15));  // the largest bar
    CHECK(m.x.max == Approx(3.6));

    CHECK(wwAlphaSummaryText(alphaWw()) == "α over 5 matrices: 3.00 ± 1.00; stacked spectrum 2.80; 3 outside 2–6.");
    const WwAlphaTypesFigure empty = wwAlphaTypesFigure(nullptr, {});
    CHECK(empty.figure.series.empty());
    CHECK(empty.figure.placeholder == "Open a checkpoint to compare types");
}
