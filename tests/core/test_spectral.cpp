// Spectral engine against constructions with known answers and against the
// independent float64 reference figures of stories260K.
#include "memory_checkpoint.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/demo_checkpoint.h"
#include "core/spectral/analysis_cache.h"
#include "core/spectral/spectral_analysis.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>

using namespace ctscope;
using ctscope::test::MemoryCheckpoint;

namespace {

double prOf(const std::vector<double>& lambda) {
    double s = 0, s2 = 0;
    for (double l : lambda) s += l, s2 += l * l;
    return s * s / s2;
}

ModelConfig smallConfig() {
    ModelConfig c;
    c.dModel = 16;
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = 2;
    c.ffnDim = 24;
    c.vocab = 32;
    return c;
}

AnalysisOptions noCache() {
    AnalysisOptions o;
    o.useCache = false;
    o.threads = 2;
    return o;
}

} // namespace

TEST_CASE("spectrum stats follow the definitions", "[spectral]") {
    SpectrumStats s = makeSpectrumStats({1.0, 4.0, 2.0, 3.0});
    REQUIRE(s.eigenvalues == std::vector<double>{4, 3, 2, 1});
    CHECK(s.total == Approx(10.0));
    CHECK(s.pr == Approx(100.0 / 30.0));
    CHECK(s.energy[0] == Approx(0.4));
    CHECK(s.energy[1] == Approx(0.7));
    CHECK(s.energy[2] == Approx(0.9));
    CHECK(s.k50 == 2);
    CHECK(s.k90 == 3);  // E(3) = 0.9 exactly counts
    CHECK(s.kAt(0.95) == 4);

    SpectrumStats flat = makeSpectrumStats(std::vector<double>(10, 2.0));
    CHECK(flat.pr == Approx(10.0));
    CHECK(flat.k50 == 5);
    CHECK(flat.k90 == 9);

    SpectrumStats clamped = makeSpectrumStats({1.0, -1e-15});
    CHECK(clamped.eigenvalues[1] == 0.0);
    CHECK(clamped.pr == Approx(1.0));
}

TEST_CASE("chosen singular values come back per matrix, per type and universally", "[spectral]") {
    const ModelConfig cfg = smallConfig();
    const int d = cfg.dModel;
    const Eigen::MatrixXd v = ctscope::test::randomOrthonormal(d, d, 7);
    Eigen::VectorXd sa(4), sb(4), sk(4), sd(4);
    sa << 4.0, 3.0, 2.0, 1.0;
    sb << 3.5, 2.5, 1.5, 0.5;
    sk << 5.0, 0.3, 0.2, 0.1;
    sd << 2.2, 1.1, 0.7, 0.6;
    MemoryCheckpoint mc(cfg);
    mc.add("model.layers.0.self_attn.q_proj.weight",
           ctscope::test::withSingularValues(sa, ctscope::test::randomOrthonormal(d, 4, 1), v.middleCols(0, 4)));
    mc.add("model.layers.1.self_attn.q_proj.weight",
           ctscope::test::withSingularValues(sb, ctscope::test::randomOrthonormal(d, 4, 2), v.middleCols(4, 4)));
    mc.add("model.layers.0.self_attn.k_proj.weight",
           ctscope::test::withSingularValues(sk, ctscope::test::randomOrthonormal(8, 4, 3), v.middleCols(8, 4)));
    // down_proj is [d, ffn]: its d_model side is its columns (output side).
    mc.add("model.layers.0.mlp.down_proj.weight",
           ctscope::test::withSingularValues(sd, v.middleCols(12, 4), ctscope::test::randomOrthonormal(24, 4, 4)));

    const SpectralAnalysis a = analyzeCheckpoint(mc.get(), noCache());
    REQUIRE(a.dModel == d);
    REQUIRE(a.matrices.size() == 4);

    SECTION("per matrix") {
        const MatrixResult& q0 = a.matrices[0];
        CHECK(q0.type == Role::Q);
        CHECK(q0.layer == 0);
        REQUIRE(q0.singularValues.size() == 16);
        for (int i = 0; i < 4; ++i) CHECK(q0.singularValues[i] == Approx(sa(i)).epsilon(1e-5));
        CHECK(q0.singularValues[4] < 1e-5);
        CHECK(q0.sigmaMax == Approx(4.0).epsilon(1e-5));
        CHECK(q0.pr == Approx(prOf({16, 9, 4, 1})).epsilon(1e-5));
        CHECK(q0.stableRank == Approx(30.0 / 16.0).epsilon(1e-5));
        const MatrixResult& k0 = a.matrices[2];
        REQUIRE(k0.singularValues.size() == 8);  // the smaller side
        CHECK(k0.singularValues[0] == Approx(5.0).epsilon(1e-5));
        CHECK(k0.k50 == 1);
        const MatrixResult& d0 = a.matrices[3];
        CHECK(d0.type == Role::Down);
        CHECK(d0.singularValues[1] == Approx(1.1).epsilon(1e-5));
    }

    SECTION("per type: layers stacked") {
        const TypeResult* q = a.type(Role::Q);
        REQUIRE(q);
        CHECK(q->matrices == 2);
        std::vector<double> lambda;
        for (int i = 0; i < 4; ++i) lambda.push_back(sa(i) * sa(i)), lambda.push_back(sb(i) * sb(i));
        std::sort(lambda.rbegin(), lambda.rend());
        for (size_t i = 0; i < lambda.size(); ++i) CHECK(q->spectrum.eigenvalues[i] == Approx(lambda[i]).epsilon(1e-5));
        CHECK(q->spectrum.pr == Approx(prOf(lambda)).epsilon(1e-5));
        CHECK(q->r2Type == q->spectrum.energy);
        const TypeResult* down = a.type(Role::Down);
        REQUIRE(down);
        CHECK(down->spectrum.eigenvalues[0] == Approx(2.2 * 2.2).epsilon(1e-5));
        CHECK(down->otherSideSum == 24);
    }

    SECTION("universal basis: R² is the type's share of the top-K universal directions") {
        // All four matrices live in mutually orthogonal subspaces, so the
        // universal eigenvalues are their union, each tagged by its type.
        std::vector<std::pair<double, Role>> all;
        for (int i = 0; i < 4; ++i) {
            all.push_back({sa(i) * sa(i), Role::Q});
            all.push_back({sb(i) * sb(i), Role::Q});
            all.push_back({sk(i) * sk(i), Role::K});
            all.push_back({sd(i) * sd(i), Role::Down});
        }
        std::sort(all.begin(), all.end(), [](auto& x, auto& y) { return x.first > y.first; });
        for (Role t : {Role::Q, Role::K, Role::Down}) {
            const TypeResult* r = a.type(t);
            REQUIRE(r);
            double total = 0;
            for (auto& [l, tt] : all)
                if (tt == t) total += l;
            double run = 0;
            for (int k = 1; k <= 16; ++k) {
                if (all[k - 1].second == t) run += all[k - 1].first;
                CHECK(r->r2Universal[k - 1] == Approx(run / total).margin(1e-6));
            }
        }
        std::vector<double> lambda;
        for (auto& p : all) lambda.push_back(p.first);
        CHECK(a.universal.pr == Approx(prOf(lambda)).epsilon(1e-5));
    }

    SECTION("bases are orthonormal, ordered by eigenvalue") {
        REQUIRE(a.universalBasis);
        const Basis& b = *a.universalBasis;
        for (int i = 0; i < d; ++i)
            for (int j = 0; j < d; ++j) {
                double dot = 0;
                for (int x = 0; x < d; ++x) dot += double(b.row(i)[x]) * b.row(j)[x];
                CHECK(dot == Approx(i == j ? 1.0 : 0.0).margin(1e-5));
            }
        // The top universal direction is k's dominant right singular vector.
        double align = 0;
        for (int x = 0; x < d; ++x) align += b.row(0)[x] * v(x, 8);
        CHECK(std::abs(align) == Approx(1.0).epsilon(1e-5));
    }
}

TEST_CASE("NaN weights are an error naming the tensor", "[spectral]") {
    MemoryCheckpoint mc(smallConfig());
    Eigen::MatrixXd w = Eigen::MatrixXd::Identity(16, 16);
    w(3, 5) = std::nan("");
    mc.add("model.layers.0.self_attn.q_proj.weight", w);
    try {
        analyzeCheckpoint(mc.get(), noCache());
        FAIL("expected an error");
    } catch (const FormatError& e) {
        CHECK_THAT(e.what(), Catch::Contains("model.layers.0.self_attn.q_proj.weight"));
        CHECK_THAT(e.what(), Catch::Contains("NaN"));
    }
}

TEST_CASE("the demo checkpoint is deterministic and has planted per-type structure", "[spectral][demo]") {
    auto a1 = analyzeCheckpoint(*makeDemoCheckpoint(), noCache());
    auto a2 = analyzeCheckpoint(*makeDemoCheckpoint(), noCache());
    REQUIRE(a1.synthetic);
    REQUIRE(a1.types.size() == 9);
    CHECK(a1.universal.eigenvalues == a2.universal.eigenvalues);
    const int k = 8;
    double uni = 0, typ = 0;
    for (const auto& t : a1.types) uni += t.r2Universal[k - 1], typ += t.r2Type[k - 1];
    CHECK(typ > 1.2 * uni);  // the per-type basis captures clearly more
    // attention q/k were planted with few dominant directions, v nearly flat
    CHECK(a1.type(Role::Q)->spectrum.pr < a1.type(Role::V)->spectrum.pr / 3);
}

TEST_CASE("cancel stops the analysis and leaves no cache file", "[spectral][cancel]") {
    ctscope::test::TempDir tmp;
    auto ckpt = openCheckpoint(ctscope::test::examplePath("stories260K/stories260K.bin"));
    AnalysisOptions o;
    o.cacheDir = tmp.path().string();
    o.threads = 1;
    int calls = 0;
    CHECK_THROWS_AS(analyzeCheckpoint(*ckpt, o, [&](const Progress&) { return ++calls < 2; }), Cancelled);
    CHECK(std::filesystem::is_empty(tmp.path()));

    // Then a full run writes the cache, and a re-open gives identical numbers.
    auto fresh = analyzeCheckpoint(*ckpt, o);
    CHECK(std::filesystem::exists(analysisCachePath(*ckpt, o.cacheDir)));
    std::string stage;
    auto cached = analyzeCheckpoint(*ckpt, o, [&](const Progress& p) { stage = p.stage; return true; });
    CHECK(stage == "cached");
    CHECK(cached.universal.eigenvalues == fresh.universal.eigenvalues);
    REQUIRE(cached.matrices.size() == fresh.matrices.size());
    CHECK(cached.matrices[5].singularValues == fresh.matrices[5].singularValues);
    REQUIRE(cached.universalBasis);
    CHECK(cached.universalBasis->rows == fresh.universalBasis->rows);
}
