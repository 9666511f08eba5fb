#pragma once
/// The spectral engine: one streaming pass over a checkpoint's matrices.
/// See docs/definitions.md for the contract.
#include "core/format/model_config.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/precision.h"
#include "core/spectral/spectrum_stats.h"
#include "core/util/huge_pages.h"
#include "core/util/progress.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ctscope {

class Checkpoint;

/// An orthonormal basis of the d_model space, rows ordered by descending
/// eigenvalue: row i (d values) is the i-th eigenvector.
struct Basis {
    int dim = 0;
    std::vector<float> rows;  ///< dim × dim, row-major
    const float* row(int i) const { return rows.data() + static_cast<size_t>(i) * dim; }
};

struct MatrixResult {
    std::string name;
    MatrixType type = Role::Q;
    int layer = -1;
    int64_t rows = 0, cols = 0;
    std::vector<double> singularValues;  ///< descending, min(rows, cols) values
    double pr = 0, sigmaMax = 0, stableRank = 0;
    int k50 = 0, k90 = 0;
    /// Resolution floor on λ = σ² (same units): eigenvalues computed below it
    /// are reported as 0. 0 under Precision::Exact (only round-off negatives
    /// are clamped); see docs/definitions.md, "Precision of the spectral engine".
    double lambdaFloor = 0;
};

struct TypeResult {
    MatrixType type = Role::Q;
    int matrices = 0;
    SpectrumStats spectrum;            ///< of G_t
    std::vector<double> r2Universal;   ///< R²_t(K) under the universal basis, K = 1..d
    std::vector<double> r2Type;        ///< under the per-type basis (= spectrum.energy)
    /// Σ over the type's matrices of the non-d_model side (rows_W), for budgets.
    int64_t otherSideSum = 0;
};

struct SpectralAnalysis {
    std::string checkpointPath;
    std::string checkpointFormat;
    bool synthetic = false;
    ModelConfig config;
    int dModel = 0;
    bool tiedHead = false;
    Precision precision = Precision::Exact;  ///< how the figures were computed (never Auto)
    SpectrumStats universal;                 ///< of G_u = Σ_t G_t
    std::vector<TypeResult> types;           ///< only types present, in Role order
    std::vector<MatrixResult> matrices;      ///< file order
    std::vector<SkippedTensor> skipped;
    /// Frozen bases for the training engine; may be null if not requested.
    std::shared_ptr<Basis> universalBasis;
    std::vector<std::shared_ptr<Basis>> typeBases;  ///< parallel to `types`
    /// A Fast analysis made for the cache without keepBases (the default
    /// `analyze`) solves the per-type Grams for eigenvalues only: their
    /// eigenvectors are a third of its run time and no figure needs them.
    /// The float32 Grams (packed upper triangles, linalg::packedRowStart),
    /// parallel to `types`, go into the cache instead (as full d×d), and
    /// completeTypeBases() turns them into the bases when a later run asks.
    std::vector<std::shared_ptr<const HugeVector<float>>> pendingTypeGrams;

    const TypeResult* type(MatrixType t) const;
    const std::shared_ptr<Basis> basisFor(MatrixType t) const;
};

struct AnalysisOptions {
    int threads = 0;          ///< 0: hardware concurrency
    bool keepBases = true;
    bool useCache = true;
    /// Auto (default): Exact for small analyses, Fast for large ones; Fast:
    /// float32 products and solvers with float64 accumulation; Exact: float64
    /// throughout (`--precision exact`). Each choice is cached separately.
    Precision precision = Precision::Auto;
    std::string cacheDir;     ///< empty: $XDG_CACHE_HOME/ctscope or ~/.cache/ctscope
};

struct WeightInventory;

/// Fills r's PR, K50/K90, singular values, σ_max and stable rank from the
/// eigenvalues of its Gram (λ = σ², any order; the definitions in
/// spectrum_stats.h). Both spectral engines call it.
void setMatrixSpectrum(MatrixResult& r, std::vector<double> lambda);

/// The analysis of `ckpt` before any spectrum: its identity, d_model, the tied
/// head and what is skipped, with one MatrixSpectrum slot per matrix of `inv`
/// still empty. Throws FormatError when `inv` has no d_model or no matrices.
/// Shared by the BLAS engine and the LibTorch one (core/train/torch_spectra).
SpectralAnalysis analysisShell(const Checkpoint& ckpt, const WeightInventory& inv);

/// Computes the per-type bases still pending (see pendingTypeGrams), on up
/// to `threads` workers (0: hardware concurrency); true when any was.
/// Bit-identical to the bases an analysis with keepBases computes.
bool completeTypeBases(SpectralAnalysis& a, int threads = 0);

/// Runs the analysis. Throws FormatError on bad input (including NaN/Inf
/// weights, named by tensor) and Cancelled when `progress` returns false.
/// Callable from any thread; `progress` is called from the calling thread.
SpectralAnalysis analyzeCheckpoint(const Checkpoint& ckpt, const AnalysisOptions& opts = {},
                                   const ProgressFn& progress = {});

} // namespace ctscope
