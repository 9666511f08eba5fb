// The figure model and its builders: every figure's CSV against the builder's
// input, computed here independently from planted spectra.
#include "planted_figures.h"

#include "core/report/figure.h"
#include "core/report/figure_builders_spectral.h"
#include "core/report/list_parse.h"
#include "core/report/matrix_group.h"
#include "core/spectral/spectral_analysis.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <sstream>

using namespace ctscope;
using namespace ctscope::test::planted;

namespace {

}  // namespace

TEST_CASE("figure CSV is long format, quotes names and adds band columns only when needed", "[figures]") {
    FigureModel f;
    f.id = "t";
    f.x.label = "K";
    f.y.label = "loss";
    f.y.unit = "nats";
    FigureSeries a;
    a.name = "arm, \"lora\"";
    a.x = {1, 2};
    a.y = {0.5, std::nan("")};
    a.yError = {0.25, 0.125};
    f.series.push_back(a);
    const std::string csv = figureCsv(f);
    CHECK(csv == "series,x,y,y_error,x_label\n\"arm, \"\"lora\"\"\",1,0.5,0.25,\n\"arm, \"\"lora\"\"\",2,,0.125,\n");
    const auto [header, rows] = readCsv(csv);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].series == "arm, \"lora\"");

    FigureSeries band;
    band.name = "seeds";
    band.x = {4};
    band.y = {0.1};
    band.bandLow = {0.05};
    band.bandHigh = {0.2};
    f.series.push_back(band);
    const std::string withBand = figureCsv(f);
    CHECK(withBand.rfind("series,x,y,y_error,x_label,band_low,band_high\n", 0) == 0);
    CHECK(withBand.find("\nseeds,4,0.10000000000000001,,,0.050000000000000003,0.20000000000000001\n") !=
          std::string::npos);

    const nlohmann::json j = nlohmann::json::parse(figureJson(f));
    CHECK(j["id"] == "t");
    CHECK(j["axes"]["y"]["title"] == "loss (nats)");
    REQUIRE(j["series"].size() == 2);
    CHECK(j["series"][0]["y_axis"] == "loss (nats)");
    CHECK(j["series"][0]["y"][1].is_null());
    CHECK(j["series"][0]["y_error"][0] == 0.25);
    CHECK(j["series"][1]["band_high"][0] == 0.2);
    CHECK_FALSE(j["series"][0].contains("band_low"));
}

TEST_CASE("the group split is one function", "[figures]") {
    CHECK(matrixGroup(Role::Q) == MatrixGroup::Attention);
    CHECK(matrixGroup(Role::O) == MatrixGroup::Attention);
    CHECK(matrixGroup(Role::Gate) == MatrixGroup::Mlp);
    CHECK(matrixGroup(Role::Down) == MatrixGroup::Mlp);
    CHECK(matrixGroup(Role::Embed) == MatrixGroup::Embedding);
    CHECK(matrixGroup(Role::Head) == MatrixGroup::Embedding);
    CHECK(std::string(matrixGroupName(MatrixGroup::Mlp)) == "MLP");
}

TEST_CASE("spectrum figure CSV holds each matrix's singular values", "[figures]") {
    const SpectralAnalysis& a = planted();
    REQUIRE(a.matrices.size() == 2);
    SpectrumFigureOptions o;
    o.logLog = false;
    const SpectrumFigure s = spectrumFigure(&a, o, "planted");
    CHECK(s.shown == std::vector<int>{0, 1});  // default: layer 0
    CHECK(s.figure.subtitle == "planted");
    CHECK(s.figure.series[0].style == StyleKey{"type", "q"});
    const auto [header, rows] = readCsv(figureCsv(s.figure));
    CHECK(header == "series,x,y,y_error,x_label");
    const std::vector<CsvRow> q = rowsOf(rows, "L0 q (16×16)");
    const std::vector<CsvRow> up = rowsOf(rows, "L0 up (32×16)");
    REQUIRE(q.size() == 16);
    REQUIRE(up.size() == 16);
    // The planted values, and exactly the engine's values (17 digits round-trip).
    CHECK(q[0].y == Approx(std::sqrt(8.0)).epsilon(1e-5));
    CHECK(q[1].y == Approx(1.0).epsilon(1e-5));
    CHECK(q[2].y == Approx(1.0).epsilon(1e-5));
    CHECK(std::abs(q[3].y) < 1e-4);
    for (size_t i = 0; i < 16; ++i) {
        CHECK(q[i].x == static_cast<double>(i + 1));
        CHECK(q[i].y == a.matrices[0].singularValues[i]);
        CHECK(up[i].y == a.matrices[1].singularValues[i]);
        CHECK(up[i].y == Approx(i < 10 ? 1.0 : 0.0).margin(1e-4));
    }

    o.normalized = true;
    o.selection = {0, 7, -1};  // out-of-range indices are dropped
    const SpectrumFigure n = spectrumFigure(&a, o, "planted");
    CHECK(n.shown == std::vector<int>{0});
    CHECK(n.requested == 1);
    CHECK(n.figure.y.label == "σᵢ / σ_max");
    CHECK(n.figure.series[0].y[0] == 1.0);
    CHECK(n.figure.series[0].y[1] == Approx(1 / std::sqrt(8.0)).epsilon(1e-5));
    o.maxCurves = 1;
    o.selection = {1, 0};
    const SpectrumFigure cut = spectrumFigure(&a, o, "");
    CHECK(cut.shown == std::vector<int>{1});
    CHECK(cut.requested == 2);
    const SpectrumFigure empty = spectrumFigure(nullptr, o, "");
    CHECK(empty.figure.series.empty());
    CHECK_FALSE(empty.figure.placeholder.empty());
}

TEST_CASE("energy figure CSV holds E(K) per type and universal with K50/K90 marks", "[figures]") {
    const SpectralAnalysis& a = planted();
    const FigureModel f = energyFigure(&a, true, "planted");
    CHECK(f.x.scale == AxisScale::Log2);
    // E_u(3) = 0.5 and E_u(11) = 0.9 exactly in theory: round-off picks K or K + 1.
    const int k50 = a.universal.k50, k90 = a.universal.k90;
    CHECK((k50 == 3 || k50 == 4));
    CHECK((k90 == 11 || k90 == 12));
    CHECK(f.subtitle == "planted · universal K50 = " + std::to_string(k50) + ", K90 = " + std::to_string(k90));
    const auto [header, rows] = readCsv(figureCsv(f));
    const std::vector<CsvRow> q = rowsOf(rows, "q"), up = rowsOf(rows, "up"), u = rowsOf(rows, "universal");
    REQUIRE(q.size() == kD);
    REQUIRE(up.size() == kD);
    REQUIRE(u.size() == kD);
    CHECK(q[0].y == Approx(0.8).epsilon(1e-5));
    CHECK(q[1].y == Approx(0.9).epsilon(1e-5));
    for (int k = 1; k <= kD; ++k) {
        CHECK(up[static_cast<size_t>(k - 1)].y == Approx(std::min(k, 10) / 10.0).epsilon(1e-5));
        CHECK(u[static_cast<size_t>(k - 1)].y == Approx(std::min(8.0 + (k - 1), 20.0) / 20.0).epsilon(1e-5));
    }
    const std::vector<CsvRow> qMarks = rowsOf(rows, "q K50, K90"), uMarks = rowsOf(rows, "universal K50, K90");
    REQUIRE(qMarks.size() == 2);
    CHECK(qMarks[0].x == 1);
    CHECK(qMarks[1].x == 2);
    REQUIRE(uMarks.size() == 2);
    CHECK(uMarks[0].x == k50);
    CHECK(uMarks[1].x == k90);
    CHECK(uMarks[0].y == u[static_cast<size_t>(k50 - 1)].y);
    CHECK(uMarks[1].y == u[static_cast<size_t>(k90 - 1)].y);
    CHECK(rows.size() == 3 * kD + 6);

    const FigureModel universalOnly = energyFigure(&a, false, "");
    REQUIRE(universalOnly.series.size() == 2);
    CHECK(universalOnly.series[0].style.key == "reference");
    CHECK(universalOnly.series[1].attachedTo == 0);
}

TEST_CASE("type comparison figures hold PR, K90 and R² per type; the summary is the frontier's mean", "[figures]") {
    const SpectralAnalysis& a = planted();
    const std::vector<TypeSlot> slots = typeSlots(a);
    REQUIRE(slots.size() == 2);
    CHECK(slots[1].position == Approx(2.6));  // a group gap between q and up

    const auto [header, rows] = readCsv(figureCsv(typeStatsFigure(&a, "")));
    const std::vector<CsvRow> pr = rowsOf(rows, "PR"), k90 = rowsOf(rows, "K90");
    REQUIRE(pr.size() == 2);
    CHECK(pr[0].xLabel == "q");
    CHECK(pr[1].xLabel == "up");
    CHECK(pr[0].y == Approx(100.0 / 66.0).epsilon(1e-5));
    CHECK(pr[1].y == Approx(10.0).epsilon(1e-5));
    REQUIRE(k90.size() == 2);
    CHECK(k90[0].y == 2);
    CHECK(k90[1].y == 9);
    CHECK(rows.size() == 4);  // guides are not data
    const FigureModel stats = typeStatsFigure(&a, "");
    REQUIRE(stats.guides.size() == 2);
    CHECK(stats.guides[0].y == Approx(400.0 / 76.0).epsilon(1e-5));

    // K = 1: the universal direction is q's top one (λ = 8): q keeps 0.8, up 0.
    const auto [h1, r2rows] = readCsv(figureCsv(typeR2Figure(&a, 1, "")));
    const std::vector<CsvRow> own = rowsOf(r2rows, "per-type basis"), univ = rowsOf(r2rows, "universal basis");
    REQUIRE(own.size() == 2);
    REQUIRE(univ.size() == 2);
    CHECK(own[0].y == Approx(0.8).epsilon(1e-5));
    CHECK(own[1].y == Approx(0.1).epsilon(1e-5));
    CHECK(univ[0].y == Approx(0.8).epsilon(1e-5));
    CHECK(univ[1].y == Approx(0.0).margin(1e-5));
    const TypeR2Summary s = typeR2Summary(a, 1);
    CHECK(s.meanType == Approx(0.45).epsilon(1e-5));
    CHECK(s.meanUniversal == Approx(0.4).epsilon(1e-5));
    CHECK(s.gain == Approx(1.125).epsilon(1e-4));
    CHECK(s.leftOutRatio == Approx(0.6 / 0.55).epsilon(1e-4));
    const std::string text = typeR2SummaryText(s, kD);
    CHECK(text.rfind("At K = 1 of 16 directions, each type's own basis keeps 45.0% of its energy on average, the "
                     "universal basis 40.0% (×1.1",
                     0) == 0);
    CHECK(text.find("); the energy left out is 1.09× smaller.") != std::string::npos);
}

TEST_CASE("frontier figure CSV holds the mean R² over types for every K", "[figures]") {
    const SpectralAnalysis& a = planted();
    const FigureModel f = frontierFigure(&a, {1, 13}, "planted");
    CHECK(f.subtitle.rfind("planted · gain at K = 16: ", 0) == 0);
    const auto [header, rows] = readCsv(figureCsv(f));
    const std::vector<CsvRow> own = rowsOf(rows, "per-type basis"), univ = rowsOf(rows, "universal basis");
    REQUIRE(own.size() == kD);
    REQUIRE(univ.size() == kD);
    // Mean of q's E_q(K) and up's min(K, 10)/10.
    const double eq[] = {0.8, 0.9, 1.0};
    for (int k = 1; k <= kD; ++k) {
        const double want = (eq[std::min(k, 3) - 1] + std::min(k, 10) / 10.0) / 2;
        CHECK(own[static_cast<size_t>(k - 1)].y == Approx(want).epsilon(1e-5));
    }
    CHECK(univ[0].y == Approx(0.4).epsilon(1e-5));
    CHECK(univ[12].y == Approx(1.0).epsilon(1e-5));
    const std::vector<CsvRow> marks = rowsOf(rows, "per-type basis at the table's K");
    REQUIRE(marks.size() == 2);
    CHECK(marks[1].x == 13);
    CHECK(marks[1].y == Approx(1.0).epsilon(1e-5));
}

TEST_CASE("the integer list parser reads K lists and names the bad part", "[figures]") {
    std::vector<int> v;
    std::string bad;
    REQUIRE(parseIntList("1, 2 4;8\t-3 +5", &v, &bad));
    CHECK(v == std::vector<int>{1, 2, 4, 8, -3, 5});
    REQUIRE(parseIntList("", &v));
    CHECK(v.empty());
    CHECK_FALSE(parseIntList("4, 8x, 16", &v, &bad));
    CHECK(bad == "8x");
    CHECK(v.empty());
    CHECK_FALSE(parseIntList("1,-", &v, &bad));
    CHECK(bad == "-");
    CHECK_FALSE(parseIntList("99999999999", &v, &bad));
    CHECK_FALSE(parseIntList("2.5", &v, &bad));
}
