// The LibTorch spectral path (torch_spectra.h) against the BLAS/LAPACK
// engine (core/spectral) on the shipped stories260K and the built-in demo:
// per-matrix singular values, per-type and universal spectra, R² curves and
// bases, in float64 and float32 accumulation. The CPU cases never skip; the
// CUDA case skips with a message when no GPU is present.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/torch_spectra.h"
#include "core/util/error.h"
#include "train_test_util.h"

#include <algorithm>
#include <cmath>

using namespace ctscope;

namespace {

SpectralAnalysis blasAnalysis(const Checkpoint& c) {
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = true;
    o.threads = 2;
    return analyzeCheckpoint(c, o);
}

/// Every value within rel·max(|reference|) of the reference (eigenvalues
/// near zero carry absolute, not relative, round-off).
void requireClose(const std::vector<double>& got, const std::vector<double>& ref, double rel, const std::string& what) {
    INFO(what);
    REQUIRE(got.size() == ref.size());
    double scale = 0;
    for (double v : ref) scale = std::max(scale, std::abs(v));
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(got[i] - ref[i]));
    INFO("worst difference " << worst << " against scale " << scale);
    REQUIRE(worst <= rel * std::max(scale, 1e-30));
}

/// |⟨a_i, b_i⟩| ≈ 1 for the leading rows whose eigenvalue gap is clear
/// (eigenvectors are defined up to sign, and only where eigenvalues differ).
void requireSameLeadingRows(const Basis& a, const Basis& b, const std::vector<double>& lambda, double tol) {
    REQUIRE(a.dim == b.dim);
    int checked = 0;
    for (int i = 0; i < std::min(a.dim - 1, 8); ++i) {
        const double gap = std::min(i > 0 ? lambda[static_cast<size_t>(i - 1)] - lambda[static_cast<size_t>(i)] : 1e300,
                                    lambda[static_cast<size_t>(i)] - lambda[static_cast<size_t>(i + 1)]);
        if (gap < 1e-3 * lambda[0]) continue;
        double dot = 0;
        for (int j = 0; j < a.dim; ++j) dot += static_cast<double>(a.row(i)[j]) * b.row(i)[j];
        INFO("basis row " << i);
        REQUIRE(std::abs(dot) == Approx(1.0).margin(tol));
        ++checked;
    }
    REQUIRE(checked >= 2);
}

void requireSameAnalysis(const SpectralAnalysis& t, const SpectralAnalysis& b, double rel) {
    REQUIRE(t.dModel == b.dModel);
    REQUIRE(t.tiedHead == b.tiedHead);
    REQUIRE(t.matrices.size() == b.matrices.size());
    for (size_t i = 0; i < b.matrices.size(); ++i) {
        const MatrixResult& x = t.matrices[i];
        const MatrixResult& y = b.matrices[i];
        REQUIRE(x.name == y.name);
        REQUIRE(x.type == y.type);
        requireClose(x.singularValues, y.singularValues, rel, "singular values of " + y.name);
        REQUIRE(x.sigmaMax == Approx(y.sigmaMax).epsilon(rel));
        REQUIRE(x.pr == Approx(y.pr).epsilon(10 * rel));
        REQUIRE(x.stableRank == Approx(y.stableRank).epsilon(10 * rel));
    }
    requireClose(t.universal.eigenvalues, b.universal.eigenvalues, rel, "universal spectrum");
    REQUIRE(t.universal.pr == Approx(b.universal.pr).epsilon(10 * rel));
    REQUIRE(t.universal.k90 == b.universal.k90);
    REQUIRE(t.types.size() == b.types.size());
    for (size_t i = 0; i < b.types.size(); ++i) {
        const std::string name = roleName(b.types[i].type);
        REQUIRE(t.types[i].type == b.types[i].type);
        REQUIRE(t.types[i].matrices == b.types[i].matrices);
        REQUIRE(t.types[i].otherSideSum == b.types[i].otherSideSum);
        requireClose(t.types[i].spectrum.eigenvalues, b.types[i].spectrum.eigenvalues, rel, name + " spectrum");
        requireClose(t.types[i].r2Universal, b.types[i].r2Universal, 10 * rel, name + " R² under the universal basis");
        requireClose(t.types[i].r2Type, b.types[i].r2Type, 10 * rel, name + " R² under its own basis");
        REQUIRE(t.typeBases[i]);
        requireSameLeadingRows(*t.typeBases[i], *b.typeBases[i], b.types[i].spectrum.eigenvalues, 1e-4);
    }
    REQUIRE(t.universalBasis);
    requireSameLeadingRows(*t.universalBasis, *b.universalBasis, b.universal.eigenvalues, 1e-4);
}

} // namespace

TEST_CASE("torch spectra: on the CPU, float64 equals the BLAS engine on stories260K and the demo",
          "[train][torch-spectra]") {
    for (const std::string& path : {test::storiesBin(), std::string("demo")}) {
        INFO(path);
        const auto ckpt = openCheckpoint(path);
        const SpectralAnalysis ref = blasAnalysis(*ckpt);
        TorchSpectraOptions o;
        o.device = DeviceKind::Cpu;
        o.fp64 = true;
        const SpectralAnalysis got = analyzeCheckpointTorch(*ckpt, o);
        requireSameAnalysis(got, ref, 1e-9);
    }
}

TEST_CASE("torch spectra: float32 accumulation agrees within float tolerance", "[train][torch-spectra]") {
    for (const std::string& path : {test::storiesBin(), std::string("demo")}) {
        INFO(path);
        const auto ckpt = openCheckpoint(path);
        const SpectralAnalysis ref = blasAnalysis(*ckpt);
        TorchSpectraOptions o;
        o.device = DeviceKind::Cpu;
        o.fp64 = false;
        requireSameAnalysis(analyzeCheckpointTorch(*ckpt, o), ref, 2e-5);
    }
}

TEST_CASE("torch spectra: a progress callback that says stop cancels the analysis", "[train][torch-spectra][cancel]") {
    const auto ckpt = openCheckpoint(test::storiesBin());
    TorchSpectraOptions o;
    o.device = DeviceKind::Cpu;
    int calls = 0;
    REQUIRE_THROWS_AS(analyzeCheckpointTorch(*ckpt, o, [&calls](const Progress&) { return ++calls < 3; }), Cancelled);
    REQUIRE(calls == 3);
}

TEST_CASE("torch spectra: on CUDA, float32 and float64 accumulation agree with the BLAS engine",
          "[train][torch-spectra][cuda]") {
    if (!cudaAvailable()) {
        WARN("SKIPPED: no CUDA device (LibTorch sees none)");
        return;
    }
    for (const std::string& path : {test::storiesBin(), std::string("demo")}) {
        INFO(path);
        const auto ckpt = openCheckpoint(path);
        const SpectralAnalysis ref = blasAnalysis(*ckpt);
        TorchSpectraOptions o;
        o.device = DeviceKind::Cuda;
        o.fp64 = true;
        requireSameAnalysis(analyzeCheckpointTorch(*ckpt, o), ref, 1e-9);
        o.fp64 = false;
        requireSameAnalysis(analyzeCheckpointTorch(*ckpt, o), ref, 2e-5);
    }
}
