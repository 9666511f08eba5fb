#include "core/spectral/linalg.h"

#include "core/util/error.h"

#include <algorithm>
#include <cblas.h>
#include <stdexcept>
#include <string>

extern "C" {
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info);
}

namespace ctscope::linalg {

namespace {
// Rows converted to float64 per DSYRK call. The Gram is formed in float64
// throughout: a float32 Gram would put a floor near 2e-4·σ_max under every
// singular value (σ = √λ amplifies round-off), hiding the spectrum's tail.
constexpr int64_t kBlockRows = 1024;
} // namespace

void addGramInputSide(const float* a, int64_t k, int64_t n, double* g) {
    std::vector<double> block(static_cast<size_t>(std::min(k, kBlockRows) * n));
    for (int64_t r0 = 0; r0 < k; r0 += kBlockRows) {
        const int64_t rows = std::min(kBlockRows, k - r0);
        std::copy(a + r0 * n, a + (r0 + rows) * n, block.begin());
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(n), static_cast<int>(rows), 1.0,
                    block.data(), static_cast<int>(n), 1.0, g, static_cast<int>(n));
    }
}

void addGramOutputSide(const float* a, int64_t m, int64_t k, double* g) {
    // AAᵀ = Σ over column blocks of A_blk A_blkᵀ.
    std::vector<double> block(static_cast<size_t>(m * std::min(k, kBlockRows)));
    for (int64_t c0 = 0; c0 < k; c0 += kBlockRows) {
        const int64_t cols = std::min(kBlockRows, k - c0);
        for (int64_t i = 0; i < m; ++i)
            std::copy(a + i * k + c0, a + i * k + c0 + cols, block.begin() + i * cols);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(m), static_cast<int>(cols), 1.0,
                    block.data(), static_cast<int>(cols), 1.0, g, static_cast<int>(m));
    }
}

void symmetrize(double* g, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < i; ++j) g[i * n + j] = g[j * n + i];
}

namespace {

std::vector<double> syevd(double* a, int64_t n64, bool vectors) {
    const int n = static_cast<int>(n64);
    std::vector<double> w(static_cast<size_t>(n));
    if (n == 0) return w;
    const char jobz = vectors ? 'V' : 'N';
    const char uplo = 'L';  // row-major upper == column-major lower
    int info = 0, lwork = -1, liwork = -1, iworkQuery = 0;
    double workQuery = 0;
    dsyevd_(&jobz, &uplo, &n, a, &n, w.data(), &workQuery, &lwork, &iworkQuery, &liwork, &info);
    lwork = static_cast<int>(workQuery) + 1;
    liwork = std::max(iworkQuery, 1);
    std::vector<double> work(static_cast<size_t>(lwork));
    std::vector<int> iwork(static_cast<size_t>(liwork));
    dsyevd_(&jobz, &uplo, &n, a, &n, w.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
    if (info != 0)
        throw NumericError("eigen-decomposition failed (LAPACK dsyevd info " + std::to_string(info) +
                           "); the matrix may hold NaN or Inf");
    return w;
}

} // namespace

std::vector<double> eigenvalues(double* a, int64_t n) {
    auto w = syevd(a, n, false);
    std::reverse(w.begin(), w.end());
    return w;
}

std::vector<double> eigenDecompose(double* a, int64_t n) {
    auto w = syevd(a, n, true);
    // Column-major column j (= row-major row j) is the eigenvector of w[j],
    // ascending. Reverse the row order to get descending.
    for (int64_t i = 0, j = n - 1; i < j; ++i, --j)
        std::swap_ranges(a + i * n, a + (i + 1) * n, a + j * n);
    std::reverse(w.begin(), w.end());
    return w;
}

std::vector<double> diagQuadratic(const double* g, const double* basisRows, int64_t n) {
    // M = B G (rows of B times G), then c_i = <M_i, B_i>.
    std::vector<double> m(static_cast<size_t>(n * n));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n), static_cast<int>(n),
                static_cast<int>(n), 1.0, basisRows, static_cast<int>(n), g, static_cast<int>(n), 0.0, m.data(),
                static_cast<int>(n));
    std::vector<double> c(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        double s = 0.0;
        for (int64_t j = 0; j < n; ++j) s += m[i * n + j] * basisRows[i * n + j];
        c[i] = s;
    }
    return c;
}

void setBlasThreads(int n) { openblas_set_num_threads(std::max(1, n)); }
int blasThreads() { return openblas_get_num_threads(); }

} // namespace ctscope::linalg
