// WeightWatcher's metrics on constructed spectra: the power-law fit against
// exact Pareto samples and a plain scan, the norm metrics against hand
// computations, the MP fit against scipy/sklearn. The real-checkpoint
// comparisons are in test_ww_reference.cpp.
#include "test_paths.h"

#include "core/spectral/spectral_analysis.h"
#include "core/spectral/ww_metrics.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>

using namespace ctscope;
using nlohmann::json;

namespace {

/// Uniform in (0, 1] from the raw 64-bit stream, the same on every library.
double uniform01(std::mt19937_64& rng) { return (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53; }

/// Exact Pareto law with density ∝ x^(−alpha) for x ≥ xmin (inverse CDF).
std::vector<double> pareto(std::mt19937_64& rng, int n, double alpha, double xmin) {
    std::vector<double> v;
    for (int i = 0; i < n; ++i) v.push_back(xmin * std::pow(uniform01(rng), -1.0 / (alpha - 1.0)));
    return v;
}

/// WWFit written out plainly: every candidate's α and D, first smallest D.
PowerLawFit bruteForceFit(std::vector<double> x) {
    std::sort(x.begin(), x.end());
    PowerLawFit best;
    best.D = 2.0;
    const size_t total = x.size();
    for (size_t i = 0; i + 1 < total; ++i) {
        const double n = static_cast<double>(total - i);
        double logs = 0.0;
        for (size_t j = i; j < total; ++j) logs += std::log(x[j] / x[i]);
        const double alpha = 1.0 + n / logs;
        double d = 1.0;
        if (alpha > 1.0) {
            d = 0.0;
            for (size_t k = 0; i + k < total; ++k)
                d = std::max(d, std::abs(1.0 - std::pow(x[i + k] / x[i], 1.0 - alpha) - k / n));
        }
        if (d < best.D) {
            best.D = d;
            best.alpha = alpha;
            best.xmin = x[i];
            best.tail = static_cast<int>(total - i);
        }
    }
    return best;
}

/// Quantiles of the Marchenko–Pastur law (σ = 1, aspect ratio q ≥ 1): the
/// spectrum of a random N × M matrix, as at initialisation.
std::vector<double> marchenkoPasturQuantiles(int m, double q) {
    const double a = std::pow(1 - 1 / std::sqrt(q), 2), b = std::pow(1 + 1 / std::sqrt(q), 2);
    const int grid = 20000;
    std::vector<double> x(grid + 1), cdf(grid + 1, 0.0);
    for (int i = 0; i <= grid; ++i) x[i] = a + (b - a) * i / grid;
    for (int i = 1; i <= grid; ++i) {
        const double mid = 0.5 * (x[i] + x[i - 1]);
        const double rho = q / (2 * M_PI * mid) * std::sqrt(std::max(0.0, (b - mid) * (mid - a)));
        cdf[i] = cdf[i - 1] + rho * (x[i] - x[i - 1]);
    }
    std::vector<double> out;
    for (int k = 0; k < m; ++k) {
        const double target = (k + 0.5) / m * cdf.back();
        const size_t j = static_cast<size_t>(std::lower_bound(cdf.begin(), cdf.end(), target) - cdf.begin());
        out.push_back(x[std::min<size_t>(j, grid)]);
    }
    return out;
}

json loadJson(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    return json::parse(in);
}

} // namespace

TEST_CASE("ww power-law fit recovers the exponent of an exact Pareto sample", "[ww]") {
    std::mt19937_64 rng(20240611);
    for (double alpha : {1.5, 2.0, 3.0, 4.5}) {
        const std::vector<double> x = pareto(rng, 3000, alpha, 0.5);
        const PowerLawFit f = fitPowerLaw(x);
        INFO("true alpha " << alpha << ", fitted " << f.alpha << " ± " << f.sigma << " from xmin " << f.xmin
                           << " (tail " << f.tail << ")");
        REQUIRE(f.ok);
        CHECK(f.sigma == Approx((f.alpha - 1.0) / std::sqrt(f.tail)));
        CHECK(std::abs(f.alpha - alpha) <= 4.0 * f.sigma);
        CHECK(f.tail >= 300);  // the fit uses a large part of a pure power law
        CHECK(f.D < 0.05);
        CHECK(f.xmax == *std::max_element(x.begin(), x.end()));
    }
}

TEST_CASE("ww power-law fit finds a planted xmin", "[ww]") {
    std::mt19937_64 rng(7);
    // A flat body on [0.05, 1) below a Pareto tail (alpha 3) from xmin = 1.
    std::vector<double> x = pareto(rng, 1500, 3.0, 1.0);
    for (int i = 0; i < 1500; ++i) x.push_back(0.05 + 0.95 * (uniform01(rng) - 1e-12));
    const PowerLawFit f = fitPowerLaw(x);
    INFO("xmin " << f.xmin << ", alpha " << f.alpha << " ± " << f.sigma << ", tail " << f.tail);
    REQUIRE(f.ok);
    CHECK(f.xmin >= 0.97);
    CHECK(f.xmin <= 1.15);
    CHECK(std::abs(f.alpha - 3.0) <= 4.0 * f.sigma);
    CHECK(f.tail >= 1100);
    CHECK(f.tail <= 1550);
}

TEST_CASE("ww power-law fit equals the plain scan over every candidate", "[ww]") {
    std::mt19937_64 rng(99);
    for (int trial = 0; trial < 6; ++trial) {
        std::vector<double> x = pareto(rng, 150 + 40 * trial, 2.0 + 0.5 * trial, 0.01);
        for (int i = 0; i < 30; ++i) x.push_back(0.001 + 0.01 * uniform01(rng));
        x.push_back(x[5]);  // duplicates: the first of equal D's wins
        x.push_back(x[5]);
        x.push_back(1e-7);  // below EVALS_THRESH: not fitted
        x.push_back(0.0);
        const PowerLawFit want = bruteForceFit(std::vector<double>(x.begin(), x.end() - 2));
        const PowerLawFit got = fitPowerLaw(x);
        INFO("trial " << trial);
        REQUIRE(got.ok);
        CHECK(got.xmin == want.xmin);
        CHECK(got.tail == want.tail);
        CHECK(got.alpha == Approx(want.alpha).epsilon(1e-12));
        CHECK(got.D == Approx(want.D).epsilon(1e-12));
        CHECK(got.fitted == static_cast<int>(x.size()) - 2);
        const PowerLawScan scan = scanPowerLaw(x);
        REQUIRE(scan.Ds.size() == x.size() - 3);
        CHECK(scan.xmins[static_cast<size_t>(got.bestIndex)] == got.xmin);
        CHECK(*std::min_element(scan.Ds.begin(), scan.Ds.end()) == Approx(got.D).epsilon(1e-12));
    }
    // A random-matrix bulk with a trained-looking tail: the best xmin lies deep
    // in the spectrum, past the candidates the first bound samples.
    std::vector<double> mp = marchenkoPasturQuantiles(700, 2.75);
    for (size_t i = 0; i < 40; ++i) mp[i] = 4.0 * std::pow(uniform01(rng), -0.5);
    const PowerLawFit want = bruteForceFit(mp);
    const PowerLawFit got = fitPowerLaw(mp);
    CHECK(got.xmin == want.xmin);
    CHECK(got.alpha == Approx(want.alpha).epsilon(1e-12));
    CHECK(got.D == Approx(want.D).epsilon(1e-12));
}

TEST_CASE("ww fit of too few eigenvalues fails as WeightWatcher's does", "[ww]") {
    CHECK_FALSE(fitPowerLaw({}).ok);
    CHECK_FALSE(fitPowerLaw({3.0, 1e-9}).ok);
    const PowerLawFit two = fitPowerLaw({1.0, 2.0});
    REQUIRE(two.ok);
    CHECK(two.xmin == 1.0);
    CHECK(two.alpha == Approx(1.0 + 2.0 / std::log(2.0)));
    const WwMatrixMetrics m = wwMatrixMetrics({5.0, 0.0}, 7, 2, {});
    CHECK(m.alpha == -1.0);
    CHECK(m.numPlSpikes == -1);
    CHECK(m.skipReason == "num_evals 2 < min_evals 10");
}

TEST_CASE("ww norm metrics and entropy follow their definitions", "[ww]") {
    const std::vector<double> ev = {16.0, 9.0, 4.0, 2.0, 1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01};
    const WwMatrixMetrics m = wwMatrixMetrics(ev, 30, 12, {});
    REQUIRE(m.computed);
    REQUIRE(m.fit.ok);
    double sum = 0, sumA = 0, h = 0;
    for (double v : ev) sum += v;
    for (double v : ev) sumA += std::pow(v, m.alpha);
    for (double v : ev) h -= v / sum * std::log(v / sum);
    CHECK(m.n == 30);
    CHECK(m.m == 12);
    CHECK(m.norm == Approx(sum));
    CHECK(m.logNorm == Approx(std::log10(sum)));
    CHECK(m.logSpectralNorm == Approx(std::log10(16.0)));
    CHECK(m.stableRank == Approx(sum / 16.0));
    CHECK(m.alphaWeighted == Approx(m.alpha * std::log10(16.0)));
    CHECK(m.logAlphaNorm == Approx(std::log10(sumA)));
    CHECK(m.matrixRank == 12);
    CHECK(m.entropy == Approx(h / std::log(12.0)));
    int spikes = 0;
    for (double v : ev) spikes += v >= m.fit.xmin;
    CHECK(m.numPlSpikes == spikes);
    // A rank-one spectrum: WeightWatcher divides by log(1.000001).
    const WwMatrixMetrics one = wwMatrixMetrics({4.0, 0.0, 0.0}, 3, 3, {});
    CHECK(one.matrixRank == 1);
    CHECK(one.entropy == Approx(0.0).margin(1e-12));
}

TEST_CASE("ww skip rules flag by default and drop under compat", "[ww]") {
    CHECK(wwSkipReason(100, 9) == "num_evals 9 < min_evals 10");
    CHECK(wwSkipReason(100, 10).empty());
    CHECK(wwSkipReason(20000, 15001) == "num_evals 15001 > max_evals 15000");
    CHECK(wwSkipReason(50001, 2048) == "N 50001 > max_N 50000");
    CHECK(wwSkipReason(50000, 15000).empty());
    std::vector<double> ev;
    for (int i = 1; i <= 8; ++i) ev.push_back(i * i);
    WwOptions compat;
    compat.compat = true;
    const WwMatrixMetrics flagged = wwMatrixMetrics(ev, 8, 64, {});
    CHECK(flagged.computed);
    CHECK(flagged.fit.ok);
    CHECK_FALSE(flagged.skipReason.empty());
    const WwMatrixMetrics dropped = wwMatrixMetrics(ev, 8, 64, compat);
    CHECK_FALSE(dropped.computed);
    CHECK(dropped.skipReason == flagged.skipReason);
}

TEST_CASE("ww MP fit matches scipy and sklearn as WeightWatcher calls them", "[ww]") {
    const json ref = loadJson(ctscope::test::sourcePath("tests/data/ww/mp_reference.json"));
    REQUIRE(ref["cases"].size() >= 4);
    for (const json& c : ref["cases"]) {
        const std::vector<double> ev = c["evals"].get<std::vector<double>>();
        const MpFit f = fitMarchenkoPastur(ev, c["N"].get<int64_t>(), c["M"].get<int64_t>());
        INFO(c["label"].get<std::string>() << ": sigma " << f.sigmaMp << " vs " << c["sigma_mp"]);
        REQUIRE(f.ok);
        CHECK(f.sigmaMp == Approx(c["sigma_mp"].get<double>()).epsilon(1e-6));
        CHECK(f.numSpikes == c["num_spikes"].get<int>());
        CHECK(f.mpSoftrank == Approx(c["mp_softrank"].get<double>()).epsilon(1e-6));
        CHECK(f.bulkMax == Approx(c["bulk_max"].get<double>()).epsilon(1e-6));
        CHECK(f.bulkMin == Approx(c["bulk_min"].get<double>()).epsilon(1e-6).margin(1e-12));
    }
}



// Hidden ([.]): the cost of the --ww pass on a 1.1B-shaped (TinyLlama) model's
// spectra, without reading its 2.2 GB: run with "[ww-bench]".
TEST_CASE("ww pass on 1.1B-shaped spectra", "[.][ww-bench]") {
    SpectralAnalysis a;
    a.dModel = 2048;
    std::mt19937_64 rng(5);
    auto add = [&](const std::string& name, MatrixType type, int layer, int64_t rows, int64_t cols) {
        MatrixResult m;
        m.name = name;
        m.type = type;
        m.layer = layer;
        m.rows = rows;
        m.cols = cols;
        const int64_t mm = std::min(rows, cols);
        std::vector<double> ev = marchenkoPasturQuantiles(static_cast<int>(mm), double(std::max(rows, cols)) / mm);
        // A trained-looking heavy tail on top of the bulk: 5% Pareto(α = 3) spikes.
        for (size_t i = 0; i < ev.size() / 20; ++i) ev[i] = 4.0 * std::pow(uniform01(rng), -0.5);
        std::sort(ev.begin(), ev.end(), std::greater<>());
        for (double v : ev) m.singularValues.push_back(std::sqrt(v * 0.02));
        a.matrices.push_back(m);
    };
    add("model.embed_tokens.weight", Role::Embed, -1, 32000, 2048);
    for (int l = 0; l < 22; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        add(p + "self_attn.q_proj.weight", Role::Q, l, 2048, 2048);
        add(p + "self_attn.k_proj.weight", Role::K, l, 256, 2048);
        add(p + "self_attn.v_proj.weight", Role::V, l, 256, 2048);
        add(p + "self_attn.o_proj.weight", Role::O, l, 2048, 2048);
        add(p + "mlp.gate_proj.weight", Role::Gate, l, 5632, 2048);
        add(p + "mlp.up_proj.weight", Role::Up, l, 5632, 2048);
        add(p + "mlp.down_proj.weight", Role::Down, l, 2048, 5632);
    }
    add("lm_head.weight", Role::Head, -1, 32000, 2048);
    for (int threads : {1, 2}) {
        for (bool mp : {false, true}) {
            WwOptions o;
            o.threads = threads;
            o.mpFit = mp;
            const WwAnalysis ww = analyzeWw(a, o);
            WARN(a.matrices.size() << " matrices, " << threads << " thread(s)" << (mp ? ", with MP fit" : "") << ": "
                                   << ww.seconds << " s");
            CHECK(ww.universal.fitted == 156);
        }
    }
}
