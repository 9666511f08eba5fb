// Frontier, budgets and update capture on constructions with known answers.
#include "memory_checkpoint.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/report/analysis_report.h"
#include "core/report/frontier.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/update_analysis.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>

using namespace ctscope;
using ctscope::test::MemoryCheckpoint;

namespace {

constexpr int kD = 16;

ModelConfig config() {
    ModelConfig c;
    c.dModel = kD;
    c.nLayers = 1;
    c.nHeads = 4;
    c.nKvHeads = 4;
    c.ffnDim = 32;
    c.vocab = 64;
    return c;
}

AnalysisOptions opts() {
    AnalysisOptions o;
    o.useCache = false;
    o.threads = 1;
    return o;
}

/// q: 16×16 with σ² = (8, 1, 1) on three directions → E(1)=0.8, E(2)=0.9;
/// up: 32×16 with flat σ² on 10 directions → K90 = 9.
void plant(MemoryCheckpoint& mc) {
    const Eigen::MatrixXd v = ctscope::test::randomOrthonormal(kD, kD, 11);
    Eigen::VectorXd sq(3);
    sq << std::sqrt(8.0), 1.0, 1.0;
    mc.add("model.layers.0.self_attn.q_proj.weight",
           ctscope::test::withSingularValues(sq, ctscope::test::randomOrthonormal(kD, 3, 12), v.leftCols(3)));
    Eigen::VectorXd su = Eigen::VectorXd::Ones(10);
    mc.add("model.layers.0.mlp.up_proj.weight",
           ctscope::test::withSingularValues(su, ctscope::test::randomOrthonormal(32, 10, 13), v.middleCols(3, 10)));
}

} // namespace

TEST_CASE("energy budgets follow the closed form", "[frontier]") {
    MemoryCheckpoint mc(config());
    plant(mc);
    const SpectralAnalysis a = analyzeCheckpoint(mc.get(), opts());
    const Budget b = energyBudget(a, 0.9);
    REQUIRE(b.types.size() == 2);
    const BudgetType& q = b.types[0];
    const BudgetType& up = b.types[1];
    CHECK(q.type == Role::Q);
    CHECK(q.k == 2);
    CHECK(q.r2 == Approx(0.9).margin(1e-6));
    CHECK(up.k == 9);
    CHECK(up.r2 == Approx(0.9).margin(1e-6));
    // scores rows_W·K_t plus one K_t×d basis per type
    CHECK(q.params == 16 * 2 + 2 * kD);
    CHECK(up.params == 32 * 9 + 9 * kD);
    CHECK(b.original == (16 + 32) * kD);
    CHECK(b.fraction == Approx(double(16 * 2 + 2 * kD + 32 * 9 + 9 * kD) / ((16 + 32) * kD)));

    const Budget half = energyBudget(a, 0.5);
    CHECK(half.types[0].k == 1);
    CHECK(half.types[1].k == 5);
    const Budget fixed = fixedBudget(a, 4);
    CHECK(fixed.types[1].params == 32 * 4 + 4 * kD);
}

TEST_CASE("frontier and group tables", "[frontier]") {
    MemoryCheckpoint mc(config());
    plant(mc);
    const SpectralAnalysis a = analyzeCheckpoint(mc.get(), opts());
    const auto rows = compressionFrontier(a, {1, 2, 16});
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].compression == Approx(16.0));
    CHECK(rows[2].r2TypeMean == Approx(1.0));
    CHECK(rows[2].energy == Approx(1.0));
    // per-type bases are optimal for their own type: the gain is at least 1
    for (const auto& r : rows) CHECK(r.gain >= 1.0 - 1e-9);
    CHECK(rows[1].r2TypeMean == Approx((0.9 + 0.2) / 2).margin(1e-6));
    const GroupComparison g = compareGroups(a, 2);
    CHECK(g.attention.types == 1);
    CHECK(g.mlp.types == 1);
    CHECK(g.mlpOverAttentionPr == Approx(a.type(Role::Up)->spectrum.pr / a.type(Role::Q)->spectrum.pr));
}

TEST_CASE("an update inside a chosen subspace is captured fully there; a random one near K/d", "[frontier][compare]") {
    MemoryCheckpoint base(config());
    plant(base);
    const SpectralAnalysis a = analyzeCheckpoint(base.get(), opts());
    const Basis& u = *a.universalBasis;

    SECTION("inside the top-3 universal directions") {
        MemoryCheckpoint tuned(config());
        Eigen::MatrixXd b3(3, kD);
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < kD; ++j) b3(i, j) = u.row(i)[j];
        const Eigen::MatrixXd s = ctscope::test::randomOrthonormal(16, 3, 21);
        // tuned = base + S·B3 (rows of B3 are the top-3 universal directions)
        const Eigen::MatrixXd v = ctscope::test::randomOrthonormal(kD, kD, 11);
        Eigen::VectorXd sq(3);
        sq << std::sqrt(8.0), 1.0, 1.0;
        Eigen::MatrixXd q = ctscope::test::withSingularValues(sq, ctscope::test::randomOrthonormal(kD, 3, 12), v.leftCols(3));
        Eigen::VectorXd su = Eigen::VectorXd::Ones(10);
        Eigen::MatrixXd upm = ctscope::test::withSingularValues(su, ctscope::test::randomOrthonormal(32, 10, 13), v.middleCols(3, 10));
        tuned.add("model.layers.0.self_attn.q_proj.weight", q + 0.01 * s * b3);
        tuned.add("model.layers.0.mlp.up_proj.weight", upm);
        const UpdateAnalysis up = analyzeUpdate(base.get(), tuned.get(), a);
        const UpdateTypeResult* r = up.type(Role::Q);
        REQUIRE(r);
        CHECK(r->relChange == Approx(0.01 * std::sqrt(3.0) / std::sqrt(10.0)).epsilon(1e-3));
        CHECK(r->capturedUniversal[2] == Approx(1.0).margin(1e-4));
        CHECK(r->capturedUniversal[1] < 0.9);
        const UpdateTypeResult* ru = up.type(Role::Up);
        REQUIRE(ru);
        CHECK(ru->relChange == 0.0);
    }

    SECTION("a random update captures about K/d") {
        MemoryCheckpoint tuned(config());
        std::mt19937_64 rng(5);
        std::normal_distribution<double> n(0, 1);
        const Eigen::MatrixXd v = ctscope::test::randomOrthonormal(kD, kD, 11);
        Eigen::VectorXd sq(3);
        sq << std::sqrt(8.0), 1.0, 1.0;
        Eigen::MatrixXd q = ctscope::test::withSingularValues(sq, ctscope::test::randomOrthonormal(kD, 3, 12), v.leftCols(3));
        Eigen::MatrixXd noise(16, kD);
        for (int i = 0; i < 16; ++i)
            for (int j = 0; j < kD; ++j) noise(i, j) = 0.01 * n(rng);
        Eigen::VectorXd su = Eigen::VectorXd::Ones(10);
        Eigen::MatrixXd upm = ctscope::test::withSingularValues(su, ctscope::test::randomOrthonormal(32, 10, 13), v.middleCols(3, 10));
        Eigen::MatrixXd noise2(32, kD);
        for (int i = 0; i < 32; ++i)
            for (int j = 0; j < kD; ++j) noise2(i, j) = 0.01 * n(rng);
        tuned.add("model.layers.0.self_attn.q_proj.weight", q + noise);
        tuned.add("model.layers.0.mlp.up_proj.weight", upm + noise2);
        const UpdateAnalysis up = analyzeUpdate(base.get(), tuned.get(), a);
        for (const auto& t : up.types)
            for (int k : {4, 8, 12}) CHECK(t.capturedUniversal[k - 1] == Approx(double(k) / kD).margin(0.15));
    }
}

TEST_CASE("stories260K: the K90 budget fraction in the JSON equals the formula", "[frontier][reference]") {
    auto ckpt = openCheckpoint(ctscope::test::examplePath("stories260K/stories260K.bin"));
    const SpectralAnalysis a = analyzeCheckpoint(*ckpt, opts());
    const auto j = nlohmann::json::parse(analysisJson(a, {4, 32}, {0.9}));
    const int d = j["d_model"];
    long long scores = 0, bases = 0, original = 0;
    for (auto& [name, m] : j["matrices"].items()) {
        const std::string type = m["type"];
        const int k90 = j["types"][type]["k90"];
        const long long rows = m["shape"][0], cols = m["shape"][1];
        const long long other = type == "down" ? cols : rows;
        scores += other * k90;
        original += other * d;
    }
    for (auto& [name, t] : j["types"].items()) bases += t["k90"].get<long long>() * d;
    const double fraction = double(scores + bases) / double(original);
    CHECK(j["budget"]["0.9"]["fraction"].get<double>() == Approx(fraction).epsilon(1e-12));
    CHECK(j["budget"]["0.9"]["original"].get<long long>() == original);
    REQUIRE(j["frontier"].size() >= 7);
    CHECK(j["groups"]["mlp_over_attention_pr"].get<double>() > 0);
}
