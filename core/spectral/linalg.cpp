#include "core/spectral/linalg.h"

#include "core/util/error.h"
#include "core/util/huge_pages.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

extern "C" {
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
             const int* lwork, int* iwork, const int* liwork, int* info);
void ssyevd_2stage_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w,
                    float* work, const int* lwork, int* iwork, const int* liwork, int* info);
}

namespace ctscope::linalg {

namespace {
// Rows converted to float64 per DSYRK call (Exact). Exact forms the Gram in
// float64 throughout: a float32 Gram puts a floor near √ε₃₂·σ_max under the
// singular values (σ = √λ amplifies round-off).
constexpr int64_t kBlockRows = 1024;
// Rows (or columns) per float32 SSYRK call (Fast); each block's float32 Gram
// is added into the float64 one, so round-off grows with this, not with k.
constexpr int64_t kFastBlockRows = 1024;
// From this size on the two-stage float32 tridiagonalisation is the faster
// (measured here: 1.8–2.1 s against 2.3–2.9 s at 4096, no gain at 2048).
constexpr int64_t kTwoStageFrom = 3072;

int toInt(int64_t v) { return static_cast<int>(v); }

/// Per-thread scratch that only grows. Fresh 16–64 MB vectors per call cost
/// more in page faults and zeroing than the products themselves (a third of
/// the run time, measured with perf on a 1.1B checkpoint), so workers reuse.
template <class T, int Slot>
T* scratch(size_t n) {
    thread_local HugeVector<T> buffer;
    if (buffer.size() < n) buffer.resize(n);
    return buffer.data();
}

/// Adds (or, with `assign`, copies) the upper triangle of the float n×n `s` into the double `g`.
void addUpper(const float* s, int64_t n, double* g, bool assign) {
    for (int64_t i = 0; i < n; ++i) {
        const float* src = s + i * n;
        double* dst = g + i * n;
        if (assign)
            for (int64_t j = i; j < n; ++j) dst[j] = static_cast<double>(src[j]);
        else
            for (int64_t j = i; j < n; ++j) dst[j] += static_cast<double>(src[j]);
    }
}

void zeroUpper(double* g, int64_t n) {
    for (int64_t i = 0; i < n; ++i) std::fill(g + i * n + i, g + (i + 1) * n, 0.0);
}

/// Adds (or, with `assign`, copies) the upper triangle of the float n×n `s` into the packed `gp`.
void addUpperPacked(const float* s, int64_t n, double* gp, bool assign) {
    for (int64_t i = 0; i < n; ++i) {
        const float* src = s + i * n + i;
        double* dst = gp + packedRowStart(i, n);
        const int64_t len = n - i;
        if (assign)
            for (int64_t j = 0; j < len; ++j) dst[j] = static_cast<double>(src[j]);
        else
            for (int64_t j = 0; j < len; ++j) dst[j] += static_cast<double>(src[j]);
    }
}

/// Fast AᵀA for A (k×n): one float32 SSYRK per block of kFastBlockRows rows,
/// each handed to `sink(s, first)` (s: n×n, upper triangle) to be summed in float64.
template <class Sink>
void fastGramInputSide(const float* a, int64_t k, int64_t n, Sink sink) {
    float* s = scratch<float, 1>(static_cast<size_t>(n * n));
    for (int64_t r0 = 0; r0 < k; r0 += kFastBlockRows) {
        const int64_t rows = std::min(kFastBlockRows, k - r0);
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, toInt(n), toInt(rows), 1.0f, a + r0 * n, toInt(n), 0.0f,
                    s, toInt(n));
        sink(static_cast<const float*>(s), r0 == 0);
    }
}

/// Fast AAᵀ for A (m×k): the same over blocks of kFastBlockRows columns.
template <class Sink>
void fastGramOutputSide(const float* a, int64_t m, int64_t k, Sink sink) {
    float* s = scratch<float, 1>(static_cast<size_t>(m * m));
    for (int64_t c0 = 0; c0 < k; c0 += kFastBlockRows) {
        const int64_t cols = std::min(kFastBlockRows, k - c0);
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, toInt(m), toInt(cols), 1.0f, a + c0, toInt(k), 0.0f, s,
                    toInt(m));
        sink(static_cast<const float*>(s), c0 == 0);
    }
}

template <class From, class To>
void unpackTo(const From* gp, int64_t n, To* full, bool symmetric) {
    for (int64_t i = 0; i < n; ++i) {
        const From* src = gp + packedRowStart(i, n);
        To* dst = full + i * n + i;
        for (int64_t j = 0; j < n - i; ++j) dst[j] = static_cast<To>(src[j]);
    }
    if (!symmetric) return;
    // The lower triangle from the upper, in tiles: a plain transposing loop
    // walks one side a row apart and took longer than the solves it feeds.
    constexpr int64_t kTile = 64;
    for (int64_t i0 = 0; i0 < n; i0 += kTile)
        for (int64_t j0 = 0; j0 <= i0; j0 += kTile)
            for (int64_t i = i0; i < std::min(i0 + kTile, n); ++i)
                for (int64_t j = j0; j < std::min({j0 + kTile, i, n}); ++j) full[i * n + j] = full[j * n + i];
}

template <class T, class Solver>
std::vector<T> syevd(Solver solver, const char* name, T* a, int64_t n64, bool vectors) {
    const int n = toInt(n64);
    std::vector<T> w(static_cast<size_t>(n));
    if (n == 0) return w;
    const char jobz = vectors ? 'V' : 'N';
    const char uplo = 'L';  // row-major upper == column-major lower
    int info = 0, lwork = -1, liwork = -1, iworkQuery = 0;
    T workQuery = 0;
    solver(&jobz, &uplo, &n, a, &n, w.data(), &workQuery, &lwork, &iworkQuery, &liwork, &info);
    lwork = static_cast<int>(workQuery) + 1;
    liwork = std::max(iworkQuery, 1);
    // Eigenvalue-only work is O(n) and reused; the O(n²) work of a vector
    // solve (rare, not in the per-matrix loop) is not kept by the thread.
    HugeVector<T> ownWork;
    HugeVector<int> ownIwork;
    T* work = vectors ? (ownWork.resize(static_cast<size_t>(lwork)), ownWork.data())
                      : scratch<T, 0>(static_cast<size_t>(lwork));
    int* iwork = vectors ? (ownIwork.resize(static_cast<size_t>(liwork)), ownIwork.data())
                         : scratch<int, 0>(static_cast<size_t>(liwork));
    solver(&jobz, &uplo, &n, a, &n, w.data(), work, &lwork, iwork, &liwork, &info);
    if (info != 0)
        throw NumericError(std::string("eigen-decomposition failed (LAPACK ") + name + " info " +
                           std::to_string(info) + "); the matrix may hold NaN or Inf");
    return w;
}

} // namespace

void addGramInputSide(const float* a, int64_t k, int64_t n, double* g, Precision p, Into into) {
    if (n <= 0) return;
    if (k <= 0) {
        if (into == Into::Assign) zeroUpper(g, n);
        return;
    }
    if (p == Precision::Fast) {
        fastGramInputSide(a, k, n, [&](const float* s, bool first) { addUpper(s, n, g, first && into == Into::Assign); });
        return;
    }
    double* block = scratch<double, 1>(static_cast<size_t>(std::min(k, kBlockRows) * n));
    for (int64_t r0 = 0; r0 < k; r0 += kBlockRows) {
        const int64_t rows = std::min(kBlockRows, k - r0);
        std::copy(a + r0 * n, a + (r0 + rows) * n, block);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, toInt(n), toInt(rows), 1.0, block, toInt(n),
                    r0 == 0 && into == Into::Assign ? 0.0 : 1.0, g, toInt(n));
    }
}

void addGramOutputSide(const float* a, int64_t m, int64_t k, double* g, Precision p, Into into) {
    if (m <= 0) return;
    if (k <= 0) {
        if (into == Into::Assign) zeroUpper(g, m);
        return;
    }
    // AAᵀ = Σ over column blocks of A_blk A_blkᵀ.
    if (p == Precision::Fast) {
        fastGramOutputSide(a, m, k, [&](const float* s, bool first) { addUpper(s, m, g, first && into == Into::Assign); });
        return;
    }
    double* block = scratch<double, 1>(static_cast<size_t>(m * std::min(k, kBlockRows)));
    for (int64_t c0 = 0; c0 < k; c0 += kBlockRows) {
        const int64_t cols = std::min(kBlockRows, k - c0);
        for (int64_t i = 0; i < m; ++i) std::copy(a + i * k + c0, a + i * k + c0 + cols, block + i * cols);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, toInt(m), toInt(cols), 1.0, block, toInt(cols),
                    c0 == 0 && into == Into::Assign ? 0.0 : 1.0, g, toInt(m));
    }
}

void addGramInputSidePacked(const float* a, int64_t k, int64_t n, double* gp, Into into) {
    if (n <= 0) return;
    if (k <= 0) {
        if (into == Into::Assign) std::fill(gp, gp + packedSize(n), 0.0);
        return;
    }
    fastGramInputSide(a, k, n, [&](const float* s, bool first) { addUpperPacked(s, n, gp, first && into == Into::Assign); });
}

void addGramOutputSidePacked(const float* a, int64_t m, int64_t k, double* gp, Into into) {
    if (m <= 0) return;
    if (k <= 0) {
        if (into == Into::Assign) std::fill(gp, gp + packedSize(m), 0.0);
        return;
    }
    fastGramOutputSide(a, m, k, [&](const float* s, bool first) { addUpperPacked(s, m, gp, first && into == Into::Assign); });
}

void packUpper(const double* g, int64_t n, double* gp, Into into) {
    for (int64_t i = 0; i < n; ++i) {
        const double* src = g + i * n + i;
        double* dst = gp + packedRowStart(i, n);
        if (into == Into::Assign)
            std::copy(src, src + (n - i), dst);
        else
            for (int64_t j = 0; j < n - i; ++j) dst[j] += src[j];
    }
}

void unpack(const double* gp, int64_t n, float* full, bool symmetric) { unpackTo(gp, n, full, symmetric); }
void unpack(const float* gp, int64_t n, float* full, bool symmetric) { unpackTo(gp, n, full, symmetric); }
void unpack(const double* gp, int64_t n, double* full, bool symmetric) { unpackTo(gp, n, full, symmetric); }

void symmetrize(double* g, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < i; ++j) g[i * n + j] = g[j * n + i];
}

namespace {
/// Eigenvalues, descending, of the float32 symmetric `f` (upper triangle read, destroyed).
std::vector<double> floatEigenvalues(float* f, int64_t n) {
    const std::vector<float> w = n >= kTwoStageFrom ? syevd(ssyevd_2stage_, "ssyevd_2stage", f, n, false)
                                                    : syevd(ssyevd_, "ssyevd", f, n, false);
    return std::vector<double>(w.rbegin(), w.rend());
}
} // namespace

std::vector<double> eigenvaluesFast(const double* g, int64_t n) {
    float* f = scratch<float, 2>(static_cast<size_t>(n * n));
    std::copy(g, g + n * n, f);
    return floatEigenvalues(f, n);
}

// The packed forms solve in the Gram products' scratch (slot 1): a worker
// that has just formed a Gram needs no second n×n float buffer for its solve.
namespace {
template <class T>
std::vector<double> packedEigenvalues(const T* gp, int64_t n) {
    float* f = scratch<float, 1>(static_cast<size_t>(n * n));
    unpack(gp, n, f, false);
    return floatEigenvalues(f, n);
}
} // namespace

std::vector<double> eigenvaluesFastPacked(const double* gp, int64_t n) { return packedEigenvalues(gp, n); }
std::vector<double> eigenvaluesFastPacked(const float* gp, int64_t n) { return packedEigenvalues(gp, n); }

std::vector<double> eigenvalues(double* a, int64_t n, Precision p) {
    if (p == Precision::Fast) return eigenvaluesFast(a, n);
    std::vector<double> out = syevd(dsyevd_, "dsyevd", a, n, false);
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<double> eigenDecompose(double* a, int64_t n) {
    auto w = syevd(dsyevd_, "dsyevd", a, n, true);
    // Column-major column j (= row-major row j) is the eigenvector of w[j],
    // ascending. Reverse the row order to get descending.
    for (int64_t i = 0, j = n - 1; i < j; ++i, --j)
        std::swap_ranges(a + i * n, a + (i + 1) * n, a + j * n);
    std::reverse(w.begin(), w.end());
    return w;
}

namespace {
std::vector<double> decomposeRowsInPlace(int64_t n, std::vector<float>& rows) {
    const std::vector<float> w = syevd(ssyevd_, "ssyevd", rows.data(), n, true);
    for (int64_t i = 0, j = n - 1; i < j; ++i, --j)
        std::swap_ranges(rows.begin() + i * n, rows.begin() + (i + 1) * n, rows.begin() + j * n);
    return std::vector<double>(w.rbegin(), w.rend());
}
} // namespace

namespace {
template <class T>
std::vector<double> decomposePacked(const T* gp, int64_t n, std::vector<float>& rows) {
    rows.assign(static_cast<size_t>(n * n), 0.0f);
    unpack(gp, n, rows.data(), false);  // the solver reads the upper triangle and overwrites all
    return decomposeRowsInPlace(n, rows);
}
} // namespace

std::vector<double> eigenDecomposeFastPacked(const float* gp, int64_t n, std::vector<float>& rows) {
    return decomposePacked(gp, n, rows);
}
std::vector<double> eigenDecomposeFastPacked(const double* gp, int64_t n, std::vector<float>& rows) {
    return decomposePacked(gp, n, rows);
}

std::vector<double> diagQuadratic(const double* g, const double* basisRows, int64_t n) {
    // M = B G (rows of B times G), then c_i = <M_i, B_i>.
    HugeVector<double> m(static_cast<size_t>(n * n));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, toInt(n), toInt(n), toInt(n), 1.0, basisRows, toInt(n),
                g, toInt(n), 0.0, m.data(), toInt(n));
    std::vector<double> c(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        double s = 0.0;
        for (int64_t j = 0; j < n; ++j) s += m[i * n + j] * basisRows[i * n + j];
        c[i] = s;
    }
    return c;
}

namespace {
/// c_i = b_iᵀ G b_i for the float32 symmetric full `gf`, in float32 products
/// over blocks of basis rows: a block's scratch instead of a second n×n
/// (each block repacks G, so blocks stay large: SSYMM here, or 256-row
/// blocks, cost a tenth of the run at d = 4096).
std::vector<double> floatDiagQuadratic(const float* gf, const float* basisRows, int64_t n) {
    constexpr int64_t kRowsPerBlock = 1024;
    HugeVector<float> m(static_cast<size_t>(std::min(n, kRowsPerBlock) * n));
    std::vector<double> c(static_cast<size_t>(n));
    for (int64_t i0 = 0; i0 < n; i0 += kRowsPerBlock) {
        const int64_t rows = std::min(kRowsPerBlock, n - i0);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, toInt(rows), toInt(n), toInt(n), 1.0f,
                        basisRows + i0 * n, toInt(n), gf, toInt(n), 0.0f, m.data(), toInt(n));
        for (int64_t i = 0; i < rows; ++i) {
            double s = 0.0;
            for (int64_t j = 0; j < n; ++j) s += static_cast<double>(m[i * n + j]) * basisRows[(i0 + i) * n + j];
            c[static_cast<size_t>(i0 + i)] = s;
        }
    }
    return c;
}
} // namespace

std::vector<double> diagQuadraticFastPacked(const float* gp, const float* basisRows, int64_t n) {
    HugeVector<float> gf(static_cast<size_t>(n * n));
    unpack(gp, n, gf.data(), true);
    return floatDiagQuadratic(gf.data(), basisRows, n);
}

double resolutionFloor(double lambdaMax, int64_t n, Precision p) {
    if (p != Precision::Fast || n <= 0 || !(lambdaMax > 0.0)) return 0.0;
    const double eps32 = std::numeric_limits<float>::epsilon() / 2;  // unit round-off 2⁻²⁴
    return 2.0 * std::sqrt(static_cast<double>(n)) * eps32 * lambdaMax;
}

int blasThreads() { return openblas_get_num_threads(); }

namespace {

struct BlasRegistry {
    std::mutex mutex;
    std::multiset<int> requests;  ///< one entry per live guard
    int saved = 1;                ///< the count found by the first guard
};

BlasRegistry& registry() {
    static BlasRegistry r;
    return r;
}

} // namespace

BlasThreadsGuard::BlasThreadsGuard(int threads) : m_threads(std::max(1, threads)) {
    BlasRegistry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.requests.empty()) r.saved = openblas_get_num_threads();
    r.requests.insert(m_threads);
    openblas_set_num_threads(*r.requests.begin());
}

BlasThreadsGuard::~BlasThreadsGuard() {
    BlasRegistry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.requests.erase(r.requests.find(m_threads));
    openblas_set_num_threads(r.requests.empty() ? r.saved : *r.requests.begin());
}

int BlasThreadsGuard::liveGuards() {
    BlasRegistry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return static_cast<int>(r.requests.size());
}

} // namespace ctscope::linalg
