#pragma once
/// Thin wrappers over BLAS/LAPACK (OpenBLAS) for the spectral engine.
/// All matrices are row-major doubles unless stated. `Precision::Fast` forms
/// products in float32 (row blocks of at most 1024, accumulated in float64
/// across blocks) and solves eigenproblems in float32 (Auto is taken as Exact
/// here: the engine resolves it first); see docs/definitions.md,
/// "Precision of the spectral engine", for the error analysis.
#include "core/spectral/precision.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ctscope::linalg {

/// Whether a Gram product adds into G's upper triangle or overwrites it
/// (Assign: no zeroing pass over G first; the lower triangle is not touched).
enum class Into { Add, Assign };

/// G (n×n, upper triangle) += AᵀA for A (k×n, row-major float). Works in row
/// blocks so the scratch stays small. G is symmetrised by symmetrize().
void addGramInputSide(const float* a, int64_t k, int64_t n, double* g, Precision p = Precision::Exact,
                      Into into = Into::Add);
/// G (m×m, upper triangle) += AAᵀ for A (m×k, row-major float).
void addGramOutputSide(const float* a, int64_t m, int64_t k, double* g, Precision p = Precision::Exact,
                       Into into = Into::Add);
/// Copies the upper triangle into the lower one.
void symmetrize(double* g, int64_t n);

/// Packed upper triangles (row-major: row i holds columns i..n-1) halve the
/// memory of the Grams the engine keeps while it streams a checkpoint.
inline size_t packedSize(int64_t n) { return static_cast<size_t>(n) * static_cast<size_t>(n + 1) / 2; }
/// Offset of element (i, i) in a packed upper triangle of order n.
inline size_t packedRowStart(int64_t i, int64_t n) {
    return static_cast<size_t>(i) * static_cast<size_t>(n) - static_cast<size_t>(i) * static_cast<size_t>(i - 1) / 2;
}
/// Fast (float32 products, float64 sums across blocks) into a packed G:
/// the same products, blocks and sums as addGramInputSide/OutputSide with
/// Precision::Fast, so the packed G holds bit for bit their upper triangle.
void addGramInputSidePacked(const float* a, int64_t k, int64_t n, double* gp, Into into = Into::Add);
void addGramOutputSidePacked(const float* a, int64_t m, int64_t k, double* gp, Into into = Into::Add);
/// The upper triangle of a full row-major G (n×n) into packed `gp` (Assign) or added to it.
void packUpper(const double* g, int64_t n, double* gp, Into into);
/// A packed G into a full row-major n×n matrix: its upper triangle, and the
/// lower one too when `symmetric` (what the eigen-solvers read is the upper).
void unpack(const double* gp, int64_t n, float* full, bool symmetric);
void unpack(const float* gp, int64_t n, float* full, bool symmetric);
void unpack(const double* gp, int64_t n, double* full, bool symmetric);

/// Eigenvalues of a symmetric n×n matrix, descending. `a` is destroyed
/// (Exact) or left as it was (Fast, which solves a float32 copy).
std::vector<double> eigenvalues(double* a, int64_t n, Precision p = Precision::Exact);
/// Eigenvalues, descending, of a float32 copy of `g` (left untouched).
std::vector<double> eigenvaluesFast(const double* g, int64_t n);
/// Eigen-decomposition in place, float64: returns eigenvalues descending and
/// leaves in `a` the eigenvectors as rows (row i ↔ eigenvalue i).
std::vector<double> eigenDecompose(double* a, int64_t n);
/// Fast eigenvalues, descending, of a packed G (float64 or float32): the
/// same solve as eigenvaluesFast on the full matrix, in a per-thread scratch.
std::vector<double> eigenvaluesFastPacked(const double* gp, int64_t n);
std::vector<double> eigenvaluesFastPacked(const float* gp, int64_t n);
/// Eigen-decomposition of a float32 copy of a packed G (float32 or float64,
/// left untouched): eigenvalues descending; `rows` receives the eigenvectors
/// as float rows (n×n).
std::vector<double> eigenDecomposeFastPacked(const float* gp, int64_t n, std::vector<float>& rows);
std::vector<double> eigenDecomposeFastPacked(const double* gp, int64_t n, std::vector<float>& rows);

/// diag(Bᵀ G B) restricted to basis rows: c_i = b_iᵀ G b_i, where b_i is row i
/// of `basisRows` (n×n). G symmetric n×n. float64 product.
std::vector<double> diagQuadratic(const double* g, const double* basisRows, int64_t n);
/// The same with G packed float32 and a float32 product (sums of the row dots in float64).
std::vector<double> diagQuadraticFastPacked(const float* gp, const float* basisRows, int64_t n);

/// Resolution floor of the eigenvalues of an n×n Gram formed and solved at
/// precision `p`, from its largest eigenvalue: δ = 2·√n·ε₃₂·λ_max for Fast
/// (measured errors stay several times below it), 0 otherwise.
double resolutionFloor(double lambdaMax, int64_t n, Precision p);

/// The BLAS thread count (OpenBLAS keeps one count for the whole process).
int blasThreads();

/// Scoped BLAS thread count, safe when analyses and update jobs run at once
/// on different threads. All guards share one process-wide, mutex-protected
/// registry: while any guard lives, the count is the smallest any live guard
/// asked for (so no caller that fans out over its own workers is ever
/// oversubscribed); when the last guard ends, the count found by the first
/// one is restored. Saving and restoring by hand cannot do this: with two
/// overlapping callers the later one saves the earlier one's temporary count
/// and restores it last, leaving the process wrong. Any thread may construct
/// and destroy guards; each guard must be destroyed on the thread of its scope.
class BlasThreadsGuard {
public:
    /// Requests `threads` (clamped to ≥ 1) BLAS threads for this scope.
    explicit BlasThreadsGuard(int threads);
    ~BlasThreadsGuard();
    BlasThreadsGuard(const BlasThreadsGuard&) = delete;
    BlasThreadsGuard& operator=(const BlasThreadsGuard&) = delete;

    /// Number of live guards in the process (for tests).
    static int liveGuards();

private:
    int m_threads;
};

} // namespace ctscope::linalg
