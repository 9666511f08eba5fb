// The fast engine's deferred per-type bases (SpectralAnalysis::pendingTypeGrams,
// completeTypeBases), its Gram products that overwrite instead of zero-then-add,
// the reused read buffers and the huge-page buffers they live in.
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/analysis_cache.h"
#include "core/spectral/linalg.h"
#include "core/spectral/spectral_analysis.h"
#include "core/util/huge_pages.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

using namespace ctscope;

namespace {

std::unique_ptr<Checkpoint> stories() { return openCheckpoint(test::examplePath("stories260K/stories260K.bin")); }

AnalysisOptions fastOptions(const std::string& cacheDir, bool keepBases) {
    AnalysisOptions o;
    o.cacheDir = cacheDir;
    o.useCache = !cacheDir.empty();
    o.threads = 2;
    o.precision = Precision::Fast;
    o.keepBases = keepBases;
    return o;
}

} // namespace

TEST_CASE("a fast analysis without bases caches its per-type Grams; a later run that needs the bases gets them "
          "bit-identical to an analysis that computed them at once",
          "[spectral][cache][bases]") {
    test::TempDir tmp;
    auto ckpt = stories();
    const SpectralAnalysis eager = analyzeCheckpoint(*ckpt, fastOptions("", true));
    REQUIRE(eager.universalBasis);
    REQUIRE(eager.typeBases.size() == eager.types.size());
    for (const auto& b : eager.typeBases) REQUIRE(b);

    const SpectralAnalysis plain = analyzeCheckpoint(*ckpt, fastOptions(tmp.path().string(), false));
    CHECK(plain.typeBases.empty());
    CHECK_FALSE(plain.universalBasis);
    CHECK(plain.pendingTypeGrams.empty());  // held only until the cache is written

    const std::string file = analysisCachePath(*ckpt, tmp.path().string(), Precision::Fast);
    const std::string identity = analysisCacheIdentity(*ckpt, Precision::Fast);
    {
        const auto cached = loadCachedAnalysis(file, identity);
        REQUIRE(cached);
        REQUIRE(cached->pendingTypeGrams.size() == cached->types.size());
        const size_t d = static_cast<size_t>(cached->dModel);
        for (size_t i = 0; i < cached->types.size(); ++i) {
            INFO("type " << i);
            CHECK_FALSE(cached->typeBases.at(i));
            REQUIRE(cached->pendingTypeGrams[i]);
            const HugeVector<float>& g = *cached->pendingTypeGrams[i];
            REQUIRE(g.size() == d * (d + 1) / 2);  // packed upper triangle
            // The Gram itself: its trace is the type's total energy.
            double trace = 0;
            for (size_t j = 0; j < d; ++j) trace += g[linalg::packedRowStart(static_cast<int64_t>(j), static_cast<int64_t>(d))];
            CHECK(trace == Approx(cached->types[i].spectrum.total).epsilon(1e-5));
        }
    }

    {
        // Reopened without bases: the same figures, nothing of the bases or Grams read.
        const auto light = loadCachedAnalysis(file, identity, false);
        REQUIRE(light);
        CHECK_FALSE(light->universalBasis);
        CHECK(light->pendingTypeGrams.empty());
        REQUIRE(light->types.size() == plain.types.size());
        for (size_t i = 0; i < plain.types.size(); ++i) {
            CHECK_FALSE(light->typeBases.at(i));
            CHECK(light->types[i].spectrum.eigenvalues == plain.types[i].spectrum.eigenvalues);
            CHECK(light->types[i].r2Universal == plain.types[i].r2Universal);
        }
        REQUIRE(light->matrices.size() == plain.matrices.size());
        CHECK(light->matrices.back().singularValues == plain.matrices.back().singularValues);
    }

    // Type spectra do not depend on whether bases were asked for.
    REQUIRE(plain.types.size() == eager.types.size());
    for (size_t i = 0; i < eager.types.size(); ++i) {
        CHECK(plain.types[i].spectrum.eigenvalues == eager.types[i].spectrum.eigenvalues);
        CHECK(plain.types[i].r2Universal == eager.types[i].r2Universal);
    }

    const SpectralAnalysis later = analyzeCheckpoint(*ckpt, fastOptions(tmp.path().string(), true));
    REQUIRE(later.universalBasis);
    CHECK(later.universalBasis->rows == eager.universalBasis->rows);
    REQUIRE(later.typeBases.size() == eager.types.size());
    for (size_t i = 0; i < eager.types.size(); ++i) {
        INFO("type " << i);
        REQUIRE(later.typeBases[i]);
        CHECK(later.typeBases[i]->dim == eager.typeBases[i]->dim);
        CHECK(later.typeBases[i]->rows == eager.typeBases[i]->rows);
        CHECK(later.types[i].spectrum.eigenvalues == eager.types[i].spectrum.eigenvalues);
    }
    CHECK(later.pendingTypeGrams.empty());

    // The cache was rewritten once with the bases in place of the Grams.
    const auto rewritten = loadCachedAnalysis(file, identity);
    REQUIRE(rewritten);
    for (size_t i = 0; i < rewritten->types.size(); ++i) {
        CHECK_FALSE(rewritten->pendingTypeGrams.at(i));
        REQUIRE(rewritten->typeBases.at(i));
        CHECK(rewritten->typeBases[i]->rows == eager.typeBases[i]->rows);
    }
    SpectralAnalysis copy = *rewritten;
    CHECK_FALSE(completeTypeBases(copy));  // nothing pending any more
}

TEST_CASE("Gram products with Into::Assign overwrite the upper triangle of a dirty buffer", "[spectral][linalg]") {
    // k = 2100 rows spans three 1024-row blocks of both precisions.
    const int64_t k = 2100, n = 40;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> a(static_cast<size_t>(k * n));
    for (float& v : a) v = normal(rng);
    for (Precision p : {Precision::Exact, Precision::Fast}) {
        for (bool inputSide : {true, false}) {
            INFO("precision " << precisionName(p) << (inputSide ? ", AᵀA" : ", AAᵀ"));
            const int64_t side = n;  // AAᵀ reads the same floats as an n×k matrix: n×n as well
            std::vector<double> added(static_cast<size_t>(side * side), 0.0);
            std::vector<double> assigned(static_cast<size_t>(side * side), std::numeric_limits<double>::quiet_NaN());
            if (inputSide) {
                linalg::addGramInputSide(a.data(), k, n, added.data(), p);
                linalg::addGramInputSide(a.data(), k, n, assigned.data(), p, linalg::Into::Assign);
            } else {
                linalg::addGramOutputSide(a.data(), n, k, added.data(), p);
                linalg::addGramOutputSide(a.data(), n, k, assigned.data(), p, linalg::Into::Assign);
            }
            double expect01 = 0;  // an independent entry: row-dot of columns/rows 0 and 1
            for (int64_t r = 0; r < k; ++r)
                expect01 += inputSide ? double(a[size_t(r * n)]) * a[size_t(r * n + 1)]
                                      : double(a[size_t(r)]) * a[size_t(k + r)];
            for (int64_t i = 0; i < side; ++i)
                for (int64_t j = i; j < side; ++j) REQUIRE(assigned[size_t(i * side + j)] == added[size_t(i * side + j)]);
            CHECK(std::isnan(assigned[size_t(1 * side + 0)]));  // the lower triangle is not touched
            CHECK(added[1] == Approx(expect01).epsilon(p == Precision::Fast ? 1e-5 : 1e-12));
        }
    }
    std::vector<double> g(9, 5.0);
    linalg::addGramInputSide(a.data(), 0, 3, g.data(), Precision::Fast, linalg::Into::Assign);
    CHECK(g == std::vector<double>{0, 0, 0, 5, 0, 0, 5, 5, 0});
}

TEST_CASE("readMatrixInto reuses one buffer and reads what readMatrix reads", "[formats][spectral]") {
    auto ckpt = stories();
    const WeightInventory inv = buildInventory(*ckpt);
    REQUIRE(inv.matrices.size() > 10);
    HugeVector<float> buffer;
    size_t largest = 0;
    for (const WeightMatrix& m : inv.matrices) {
        INFO(m.name);
        const std::vector<float> want = readMatrix(*ckpt, m);
        const float* got = readMatrixInto(*ckpt, m, buffer);
        REQUIRE(got == buffer.data());
        largest = std::max(largest, want.size());
        CHECK(buffer.size() == largest);  // grows to the largest matrix, never shrinks
        CHECK(std::equal(want.begin(), want.end(), got));
    }
    const TensorInfo& t = ckpt->require(inv.matrices.front().tensor);
    CHECK_THROWS_WITH(ckpt->readRowsInto(t, t.shape[0], 1, buffer.data()), Catch::Contains("outside its"));
}

TEST_CASE("huge-page vectors align large storage to 2 MiB and behave as vectors", "[util]") {
    HugeVector<double> big(std::size_t(3) << 18, 1.5);  // 6 MiB
    CHECK(reinterpret_cast<std::uintptr_t>(big.data()) % (std::uintptr_t(2) << 20) == 0);
    big.back() = 7.0;
    big.resize(big.size() * 3, 2.0);  // moves to a new mapping, keeps the contents
    CHECK(reinterpret_cast<std::uintptr_t>(big.data()) % (std::uintptr_t(2) << 20) == 0);
    CHECK(big[0] == 1.5);
    CHECK(big[(std::size_t(3) << 18) - 1] == 7.0);
    CHECK(big.back() == 2.0);
    HugeVector<int> small(10, 3);  // below 2 MiB: the ordinary allocator
    CHECK(small[9] == 3);
    HugeVector<double>().swap(big);
    CHECK(big.capacity() == 0);
}
