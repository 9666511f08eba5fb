// Precision of the spectral engine (docs/definitions.md, "Precision of the
// spectral engine"): the fast path against an independent float64 computation
// with Eigen, its resolution floor, Auto's choice, separate caches, and the
// process-wide BLAS thread guard under overlapping callers.
#include "memory_checkpoint.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/spectral/analysis_cache.h"
#include "core/spectral/linalg.h"
#include "core/spectral/spectral_analysis.h"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <condition_variable>
#include <map>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

using namespace ctscope;
using ctscope::test::MemoryCheckpoint;

namespace {

constexpr int kD = 96;

ModelConfig config() {
    ModelConfig c;
    c.dModel = kD;
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = 1;
    c.ffnDim = 2100;
    c.vocab = 1300;
    return c;
}

/// Gaussian entries with a decaying column scale (an anisotropic spectrum).
Eigen::MatrixXd randomMatrix(int rows, int cols, uint64_t seed, bool decayRows) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> n(0.0, 1.0);
    Eigen::MatrixXd w(rows, cols);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j)
            w(i, j) = static_cast<float>(0.02 * n(rng) / std::sqrt(1.0 + (decayRows ? i : j) / 4.0));
    return w;
}

struct Built {
    MemoryCheckpoint ck{config()};
    std::map<std::string, Eigen::MatrixXd> dSide;  ///< d×d Gram of each matrix, by name
    std::map<std::string, Eigen::MatrixXd> types;  ///< per-type Grams, by role name
};

Built build() {
    Built b;
    auto add = [&](const std::string& name, const std::string& type, Eigen::MatrixXd w, bool inputSide) {
        b.ck.add(name, w);
        // Round to float as the checkpoint stores it: the reference sees the same weights.
        w = w.cast<float>().cast<double>();
        const Eigen::MatrixXd g = inputSide ? Eigen::MatrixXd(w.transpose() * w) : Eigen::MatrixXd(w * w.transpose());
        b.dSide[name] = g;
        auto it = b.types.find(type);
        if (it == b.types.end()) b.types[type] = g;
        else it->second += g;
    };
    // Wider than the engine's 1024-row and 1024-column stream blocks, with a
    // short last block: embed and gate stream in row blocks, down in column blocks.
    add("model.embed_tokens.weight", "embed", randomMatrix(1300, kD, 1, false), true);
    for (int l = 0; l < 2; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        add(p + "self_attn.q_proj.weight", "q", randomMatrix(kD, kD, 10 + l, false), true);
        add(p + "self_attn.k_proj.weight", "k", randomMatrix(24, kD, 20 + l, false), true);
        add(p + "mlp.gate_proj.weight", "gate", randomMatrix(2100, kD, 30 + l, false), true);
        add(p + "mlp.down_proj.weight", "down", randomMatrix(kD, 2100, 40 + l, true), false);
    }
    return b;
}

AnalysisOptions options(Precision p) {
    AnalysisOptions o;
    o.useCache = false;
    o.threads = 2;
    o.precision = p;
    return o;
}

void checkRel(double got, double want, double rel, const std::string& what) {
    INFO(what << ": got " << got << ", float64 reference " << want);
    CHECK(std::abs(got - want) <= rel * std::abs(want));
}

/// Descending eigenvalues and the matching eigenvectors as columns.
std::pair<Eigen::VectorXd, Eigen::MatrixXd> eig(const Eigen::MatrixXd& g) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(g);
    return {es.eigenvalues().reverse(), es.eigenvectors().rowwise().reverse()};
}

void checkSpectrum(const SpectrumStats& s, const Eigen::VectorXd& lambda, double rel, const std::string& what) {
    const double total = lambda.sum();
    checkRel(s.pr, total * total / lambda.squaredNorm(), rel, what + " PR");
    double run = 0;
    for (int k = 0; k < lambda.size(); ++k) {
        run += lambda(k);
        checkRel(s.energy[static_cast<size_t>(k)], run / total, rel, what + " E(" + std::to_string(k + 1) + ")");
    }
}

void compareWithFloat64(Precision p, double rel) {
    Built b = build();
    const SpectralAnalysis a = analyzeCheckpoint(b.ck.get(), options(p));
    CHECK(a.precision == p);
    REQUIRE(a.matrices.size() == b.dSide.size());
    for (const MatrixResult& m : a.matrices) {
        const Eigen::VectorXd lambda = eig(b.dSide.at(m.name)).first.head(std::min(m.rows, m.cols));
        const double total = lambda.sum();
        checkRel(m.pr, total * total / lambda.squaredNorm(), rel, m.name + " PR");
        checkRel(m.sigmaMax, std::sqrt(lambda(0)), rel, m.name + " sigma_max");
        CHECK((p == Precision::Exact) == (m.lambdaFloor == 0.0));
    }
    Eigen::MatrixXd universal = Eigen::MatrixXd::Zero(kD, kD);
    for (const auto& [name, g] : b.types) universal += g;
    const auto [uLambda, uVectors] = eig(universal);
    checkSpectrum(a.universal, uLambda, rel, "universal");
    for (const auto& [name, g] : b.types) {
        const TypeResult* t = a.type(*matrixTypeFromName(name));
        REQUIRE(t);
        checkSpectrum(t->spectrum, eig(g).first, rel, name);
        const Eigen::VectorXd c = (uVectors.transpose() * g * uVectors).diagonal();
        double run = 0;
        for (int k = 0; k < kD; ++k) {
            run += c(k);
            checkRel(t->r2Universal[static_cast<size_t>(k)], run / g.trace(), rel,
                     name + " R2 universal @" + std::to_string(k + 1));
        }
    }
}

} // namespace

TEST_CASE("fast precision keeps PR, energy and R2 within 1e-4 of an independent float64 computation",
          "[spectral][precision]") {
    compareWithFloat64(Precision::Fast, 1e-4);  // the published contract is 1e-3
}

TEST_CASE("exact precision agrees with an independent float64 computation to 1e-9", "[spectral][precision]") {
    compareWithFloat64(Precision::Exact, 1e-9);
}

TEST_CASE("the streamed analysis is bit-identical on 1, 2 and 5 threads, fast and exact", "[spectral][precision]") {
    // Types stream one after another and only a window of them is live; the
    // sums must still be the same additions in the same order.
    Built b = build();
    for (Precision p : {Precision::Fast, Precision::Exact}) {
        INFO("precision " << precisionName(p));
        AnalysisOptions o = options(p);
        o.threads = 1;
        const SpectralAnalysis one = analyzeCheckpoint(b.ck.get(), o);
        for (int threads : {2, 5}) {
            INFO(threads << " threads");
            o.threads = threads;
            const SpectralAnalysis many = analyzeCheckpoint(b.ck.get(), o);
            CHECK(many.universal.eigenvalues == one.universal.eigenvalues);
            REQUIRE(many.types.size() == one.types.size());
            for (size_t i = 0; i < one.types.size(); ++i) {
                CHECK(many.types[i].spectrum.eigenvalues == one.types[i].spectrum.eigenvalues);
                CHECK(many.types[i].r2Universal == one.types[i].r2Universal);
                CHECK(many.types[i].otherSideSum == one.types[i].otherSideSum);
            }
            REQUIRE(many.matrices.size() == one.matrices.size());
            for (size_t i = 0; i < one.matrices.size(); ++i) CHECK(many.matrices[i].singularValues == one.matrices[i].singularValues);
        }
    }
}

TEST_CASE("fast precision reports planted zero singular values as 0 and states its floor", "[spectral][precision]") {
    ModelConfig cfg = config();
    MemoryCheckpoint mc(cfg);
    Eigen::VectorXd s(4);
    s << 4.0, 3.0, 2.0, 1.0;
    mc.add("model.layers.0.self_attn.q_proj.weight",
           test::withSingularValues(s, test::randomOrthonormal(kD, 4, 1), test::randomOrthonormal(kD, 4, 2)));
    const SpectralAnalysis fast = analyzeCheckpoint(mc.get(), options(Precision::Fast));
    const MatrixResult& m = fast.matrices.at(0);
    REQUIRE(m.singularValues.size() == static_cast<size_t>(kD));
    for (int i = 0; i < 4; ++i) CHECK(m.singularValues[static_cast<size_t>(i)] == Approx(s(i)).epsilon(1e-5));
    for (size_t i = 4; i < m.singularValues.size(); ++i) CHECK(m.singularValues[i] == 0.0);
    // The floor lies far below the smallest planted λ = 1 and above float32 round-off.
    CHECK(m.lambdaFloor > 1e-7);
    CHECK(m.lambdaFloor < 1e-3);
    const SpectralAnalysis exact = analyzeCheckpoint(mc.get(), options(Precision::Exact));
    CHECK(exact.matrices.at(0).lambdaFloor == 0.0);
    CHECK(exact.matrices.at(0).singularValues[4] < 1e-6);
}

TEST_CASE("auto is exact for a small model, and each precision has its own cache file", "[spectral][precision]") {
    test::TempDir tmp;
    auto ckpt = openCheckpoint(test::examplePath("stories260K/stories260K.bin"));
    AnalysisOptions o;
    o.cacheDir = tmp.path().string();
    o.threads = 1;
    const SpectralAnalysis automatic = analyzeCheckpoint(*ckpt, o);
    CHECK(automatic.precision == Precision::Exact);
    CHECK(resolvePrecision(Precision::Auto, 2.25e12) == Precision::Fast);

    o.precision = Precision::Fast;
    const SpectralAnalysis fast = analyzeCheckpoint(*ckpt, o);
    CHECK(fast.precision == Precision::Fast);
    const std::string autoFile = analysisCachePath(*ckpt, o.cacheDir);
    const std::string fastFile = analysisCachePath(*ckpt, o.cacheDir, Precision::Fast);
    const std::string exactFile = analysisCachePath(*ckpt, o.cacheDir, Precision::Exact);
    CHECK(autoFile != fastFile);
    CHECK(fastFile != exactFile);
    CHECK(std::filesystem::exists(autoFile));
    CHECK(std::filesystem::exists(fastFile));
    CHECK_FALSE(std::filesystem::exists(exactFile));
    // A fast file copied over the exact name is refused: the identity differs.
    std::filesystem::copy_file(fastFile, exactFile);
    CHECK_FALSE(loadCachedAnalysis(exactFile, analysisCacheIdentity(*ckpt, Precision::Exact)));
    const auto reopened = loadCachedAnalysis(fastFile, analysisCacheIdentity(*ckpt, Precision::Fast));
    REQUIRE(reopened);
    CHECK(reopened->precision == Precision::Fast);
    CHECK(reopened->matrices.at(3).lambdaFloor == fast.matrices.at(3).lambdaFloor);
    CHECK(fast.matrices.at(3).lambdaFloor > 0.0);
}

TEST_CASE("overlapping BLAS thread guards on two threads restore the count the first one found",
          "[spectral][blas]") {
    const int baseline = linalg::blasThreads();
    REQUIRE(linalg::BlasThreadsGuard::liveGuards() == 0);
    std::mutex mutex;
    std::condition_variable cv;
    int step = 0;
    auto waitFor = [&](int s) {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return step >= s; });
    };
    auto advance = [&] {
        std::lock_guard<std::mutex> lock(mutex);
        ++step;
        cv.notify_all();
    };
    int seenByB = -1;
    // A takes a guard, then B; A leaves while B still works; then B leaves.
    // Save/restore by hand would end with B restoring A's temporary 1.
    std::thread a([&] {
        {
            linalg::BlasThreadsGuard g(1);
            advance();  // 1
            waitFor(2);
        }
        advance();  // 3
    });
    std::thread b([&] {
        waitFor(1);
        {
            linalg::BlasThreadsGuard g(1);
            advance();  // 2
            waitFor(3);
            seenByB = linalg::blasThreads();
        }
    });
    a.join();
    b.join();
    CHECK(seenByB == 1);  // A's exit did not raise the count under B
    CHECK(linalg::blasThreads() == baseline);
    CHECK(linalg::BlasThreadsGuard::liveGuards() == 0);

    // Nested guards: the smallest live request wins; leaving restores.
    {
        linalg::BlasThreadsGuard outer(2);
        CHECK(linalg::blasThreads() == 2);
        {
            linalg::BlasThreadsGuard inner(1);
            CHECK(linalg::blasThreads() == 1);
        }
        CHECK(linalg::blasThreads() == 2);
    }
    CHECK(linalg::blasThreads() == baseline);
}

TEST_CASE("two analyses at once on two threads leave the BLAS thread count as found", "[spectral][blas]") {
    const int baseline = linalg::blasThreads();
    auto ckpt = openCheckpoint(test::examplePath("stories260K/stories260K.bin"));
    SpectralAnalysis r1, r2;
    std::thread t1([&] { r1 = analyzeCheckpoint(*ckpt, options(Precision::Exact)); });
    std::thread t2([&] { r2 = analyzeCheckpoint(*ckpt, options(Precision::Fast)); });
    t1.join();
    t2.join();
    CHECK(linalg::blasThreads() == baseline);
    CHECK(linalg::BlasThreadsGuard::liveGuards() == 0);
    CHECK(r1.universal.pr == Approx(r2.universal.pr).epsilon(1e-4));
}
