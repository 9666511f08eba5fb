#pragma once
/// WeightWatcher's layer metrics (WeightWatcher 0.7.5.5, default `analyze`),
/// computed from the spectra the spectral engine already holds, plus what
/// WeightWatcher does not give: alpha per matrix type and for the whole model,
/// as mean and spread over the matrices and as the fit of the stacked
/// spectrum. Definitions: docs/definitions.md, "WeightWatcher metrics".
///
/// For a matrix W (N the larger side, M the smaller) the ESD is its M
/// eigenvalues λ = σ², not normalised by N.
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/ww_mp_fit.h"
#include "core/spectral/ww_powerlaw.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ctscope {

/// WeightWatcher's defaults for which layers it analyses.
constexpr int64_t kWwMinEvals = 10;     ///< DEFAULT_MIN_EVALS: M below it is skipped
constexpr int64_t kWwMaxEvals = 15000;  ///< DEFAULT_MAX_EVALS: M above it is skipped
constexpr int64_t kWwMaxN = 50000;      ///< DEFAULT_MAX_N: N above it is skipped
/// WeightWatcher's guide: α below is over-trained, above is under-trained.
constexpr double kWwOverTrainedAlpha = 2.0;
constexpr double kWwUnderTrainedAlpha = 6.0;

struct WwOptions {
    bool mpFit = false;   ///< also the Marchenko–Pastur fit (`--ww-mp`)
    /// WeightWatcher's skip rules applied: a matrix it would skip gets no
    /// metrics (`--ww-compat`). Off: every matrix is measured and flagged.
    bool compat = false;
    int threads = 0;      ///< 0: hardware concurrency
};

struct WwMatrixMetrics {
    int64_t n = 0, m = 0;   ///< N ≥ M
    int numEvals = 0;       ///< M
    std::string skipReason; ///< why WeightWatcher would skip it; empty when it would not
    bool computed = false;  ///< false only under compat for a matrix WeightWatcher skips
    PowerLawFit fit;
    int numPlSpikes = 0;    ///< eigenvalues ≥ xmin
    double alpha = -1.0;    ///< fit.alpha (−1 when the fit failed, as WeightWatcher)
    double alphaWeighted = 0.0;
    double norm = 0.0;              ///< Σλ
    double logNorm = 0.0;           ///< log10 Σλ
    double spectralNorm = 0.0;      ///< λ_max
    double logSpectralNorm = 0.0;   ///< log10 λ_max
    double logAlphaNorm = 0.0;      ///< log10 Σ λ^α
    double stableRank = 0.0;        ///< Σλ / λ_max
    double entropy = 0.0;           ///< WeightWatcher's matrix entropy, in [0, 1]
    int matrixRank = 0;             ///< σ above σ_max · N · ε
    std::optional<MpFit> mp;
};

/// One matrix type, or the whole model (`universal`).
struct WwTypeSummary {
    MatrixType type = Role::Q;
    bool universal = false;
    int matrices = 0;           ///< matrices of the type
    int fitted = 0;             ///< of them, with an alpha (the mean's n)
    double alphaMean = 0.0;
    double alphaStd = 0.0;      ///< sample standard deviation; NaN when fitted < 2
    double alphaMin = 0.0, alphaMax = 0.0;
    PowerLawFit stacked;        ///< the fit of the stacked spectrum (G_t, or G_u)
    int stackedEvals = 0;
};

struct WwAnalysis {
    bool compat = false;
    bool mpFit = false;
    bool fp16 = false;  ///< set by the caller when the eigenvalues were of float16-rounded weights
    std::vector<WwMatrixMetrics> matrices;  ///< parallel to SpectralAnalysis::matrices
    std::vector<WwTypeSummary> types;       ///< parallel to SpectralAnalysis::types
    WwTypeSummary universal;
    double seconds = 0.0;                   ///< wall time of analyzeWw

    /// WeightWatcher's layer_id: the position of the matrix's tensor among the
    /// checkpoint's `.weight` tensors sorted by name (norms included), from 0.
    std::vector<int> layerIds;              ///< parallel to matrices
};

/// WeightWatcher's reason to skip an N × M matrix (N ≥ M), or "".
std::string wwSkipReason(int64_t n, int64_t m);

/// Every metric of one matrix from its eigenvalues (any order, ≥ 0) and shape.
/// Pure function, any thread.
WwMatrixMetrics wwMatrixMetrics(const std::vector<double>& evals, int64_t rows, int64_t cols, const WwOptions& opts);

/// The metrics of every matrix, type and the whole model of `a`. Uses
/// `opts.threads` workers; callable from any thread.
WwAnalysis analyzeWw(const SpectralAnalysis& a, const WwOptions& opts = {});
/// The same with each matrix's eigenvalues taken from `evals` (parallel to
/// a.matrices, e.g. halfPrecisionEigenvalues); the stacked spectra stay a's.
WwAnalysis analyzeWw(const SpectralAnalysis& a, const std::vector<std::vector<double>>& evals,
                     const WwOptions& opts = {});

/// The eigenvalues λ = σ² of matrix `i`.
std::vector<double> matrixEigenvalues(const SpectralAnalysis& a, size_t i);

} // namespace ctscope
