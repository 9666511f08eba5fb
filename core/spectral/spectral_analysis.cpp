#include "core/spectral/spectral_analysis.h"

#include "core/format/checkpoint.h"
#include "core/spectral/analysis_cache.h"
#include "core/spectral/linalg.h"
#include "core/spectral/parallel_for.h"
#include "core/spectral/type_decompositions.h"
#include "core/util/error.h"
#include "core/util/huge_pages.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace ctscope {

const TypeResult* SpectralAnalysis::type(MatrixType t) const {
    for (const auto& r : types)
        if (r.type == t) return &r;
    return nullptr;
}

const std::shared_ptr<Basis> SpectralAnalysis::basisFor(MatrixType t) const {
    for (size_t i = 0; i < types.size() && i < typeBases.size(); ++i)
        if (types[i].type == t) return typeBases[i];
    return nullptr;
}

namespace {

using namespace spectral_detail;

// Row and column blocks of a streamed matrix: multiples of linalg's product
// blocks (1024), so a streamed Gram is the same sum as a whole read's.
constexpr int64_t kStreamRows = 1024;
constexpr int64_t kStreamCols = 1024;
constexpr int64_t kStreamRowsPerColumnRead = 256;

/// A type's Gram while its matrices stream in: float64, packed upper
/// triangle, allocated at its first matrix and freed once it is complete.
/// Matrices are added in file order (a ticket per matrix) and complete types
/// into the universal Gram in type order, so the sums, and everything after
/// them, are bit-identical whatever the thread count and timing.
struct TypeState {
    int count = 0;  ///< matrices of the type
    int added = 0;  ///< also the ticket of the next matrix to add
    int64_t otherSide = 0;
    HugeVector<double> sum;
};

/// The matrix's own spectrum. The d-side Gram (upper triangle) is `packed`
/// (Fast) or the full `dSideGram` (Exact), left untouched; `w` (the matrix,
/// row-major) is read only when the other side is shorter than d.
MatrixResult matrixSpectrum(const WeightMatrix& m, const float* w, int d, const double* dSideGram, Precision p) {
    MatrixResult r;
    r.name = m.name;
    r.type = m.type;
    r.layer = m.layer;
    r.rows = m.rows;
    r.cols = m.cols;
    const int64_t other = m.otherSide();
    std::vector<double> lambda;
    if (other >= d) {
        if (p == Precision::Fast) {
            lambda = linalg::eigenvaluesFastPacked(dSideGram, d);
        } else {
            HugeVector<double> g(dSideGram, dSideGram + static_cast<size_t>(d) * d);
            lambda = linalg::eigenvalues(g.data(), d, p);
        }
    } else {
        std::vector<double> g(static_cast<size_t>(other * other), 0.0);
        if (m.inputSide)
            linalg::addGramOutputSide(w, m.rows, m.cols, g.data(), p);  // W Wᵀ: rows × rows
        else
            linalg::addGramInputSide(w, m.rows, m.cols, g.data(), p);   // Wᵀ W: cols × cols
        lambda = linalg::eigenvalues(g.data(), other, p);
    }
    r.lambdaFloor = lambda.empty() ? 0.0 : linalg::resolutionFloor(lambda.front(), std::min<int64_t>(other, d), p);
    lambda.resize(static_cast<size_t>(std::min<int64_t>(m.rows, m.cols)));
    setMatrixSpectrum(r, clampBelow(std::move(lambda), r.lambdaFloor));
    return r;
}

} // namespace

bool completeTypeBases(SpectralAnalysis& a, int threads) {
    std::vector<size_t> todo;
    for (size_t i = 0; i < a.pendingTypeGrams.size() && i < a.types.size(); ++i)
        if (a.pendingTypeGrams[i] && (i >= a.typeBases.size() || !a.typeBases[i])) todo.push_back(i);
    if (todo.empty()) {
        a.pendingTypeGrams.clear();
        return false;
    }
    a.typeBases.resize(a.types.size());
    const int d = a.dModel;
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int workers = std::min<int>(std::max(1, threads > 0 ? threads : hw), static_cast<int>(todo.size()));
    // One BLAS thread per worker, as in the analysis, so the bases are bit-identical to its own.
    const linalg::BlasThreadsGuard oneBlasThread(1);
    parallelFor(
        todo.size(), workers,
        [&](size_t j) {
            const size_t i = todo[j];
            const HugeVector<float>& g = *a.pendingTypeGrams[i];
            if (g.size() != linalg::packedSize(d)) throw NumericError("a pending per-type Gram has the wrong size");
            auto basis = std::make_shared<Basis>();
            basis->dim = d;
            linalg::eigenDecomposeFastPacked(g.data(), d, basis->rows);
            a.typeBases[i] = std::move(basis);
        },
        [] { return true; });
    a.pendingTypeGrams.clear();
    return true;
}

void setMatrixSpectrum(MatrixResult& r, std::vector<double> lambda) {
    const SpectrumStats s = makeSpectrumStats(std::move(lambda));
    r.pr = s.pr;
    r.k50 = s.k50;
    r.k90 = s.k90;
    r.singularValues.clear();
    r.singularValues.reserve(s.eigenvalues.size());
    for (double l : s.eigenvalues) r.singularValues.push_back(std::sqrt(l));
    r.sigmaMax = r.singularValues.empty() ? 0.0 : r.singularValues.front();
    r.stableRank = r.sigmaMax > 0.0 ? s.total / (r.sigmaMax * r.sigmaMax) : 0.0;
}

SpectralAnalysis analysisShell(const Checkpoint& ckpt, const WeightInventory& inv) {
    if (inv.dModel <= 0) throw FormatError(ckpt.path(), "cannot tell d_model: no embedding or matrix found");
    if (inv.matrices.empty()) throw FormatError(ckpt.path(), "no weight matrices of the nine types found");
    SpectralAnalysis out;
    out.checkpointPath = ckpt.path();
    out.checkpointFormat = ckpt.format();
    out.synthetic = ckpt.synthetic();
    out.config = ckpt.config();
    out.dModel = inv.dModel;
    out.tiedHead = inv.tiedHead;
    out.skipped = inv.skipped;
    out.matrices.resize(inv.matrices.size());
    return out;
}

SpectralAnalysis analyzeCheckpoint(const Checkpoint& ckpt, const AnalysisOptions& opts,
                                   const ProgressFn& progress) {
    auto report = [&](double f, const std::string& stage, const std::string& item) {
        return !progress || progress(Progress{f, stage, item});
    };
    const bool cacheable = opts.useCache && !ckpt.synthetic();
    const std::string cacheFile = cacheable ? analysisCachePath(ckpt, opts.cacheDir, opts.precision) : std::string();
    if (cacheable) {
        const std::string identity = analysisCacheIdentity(ckpt, opts.precision);
        if (auto cached = loadCachedAnalysis(cacheFile, identity, opts.keepBases)) {
            if (opts.keepBases) {
                report(0.5, "bases", "per-type bases from the cached Grams");
                // Once: the cache is rewritten with the bases in place of the Grams.
                if (completeTypeBases(*cached, opts.threads)) saveCachedAnalysis(cacheFile, identity, *cached);
            } else {
                cached->universalBasis.reset();
                cached->typeBases.clear();
            }
            cached->pendingTypeGrams.clear();
            // The cache keeps spectra; the config is the checkpoint's own, so fields the cache
            // format does not carry (head_dim, rope scaling, experts) are never stale.
            cached->config = ckpt.config();
            report(1.0, "cached", cacheFile);
            return std::move(*cached);
        }
    }

    WeightInventory inv = buildInventory(ckpt);
    SpectralAnalysis out = analysisShell(ckpt, inv);
    const int d = out.dModel;

    // Types in their fixed order (that of the universal sum); each type's matrices in file order.
    std::vector<MatrixType> order;
    for (const auto& m : inv.matrices)
        if (std::find(order.begin(), order.end(), m.type) == order.end()) order.push_back(m.type);
    std::sort(order.begin(), order.end());
    const size_t nTypes = order.size();
    std::vector<TypeState> state(nTypes);
    std::vector<int> typeOf(inv.matrices.size()), ticket(inv.matrices.size());
    std::vector<size_t> sequence;  // type-major: only a few type Grams are live at a time
    for (size_t ti = 0; ti < nTypes; ++ti)
        for (size_t i = 0; i < inv.matrices.size(); ++i)
            if (inv.matrices[i].type == order[ti]) {
                typeOf[i] = static_cast<int>(ti);
                ticket[i] = state[ti].count++;
                sequence.push_back(i);
            }

    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = std::max(1, opts.threads > 0 ? opts.threads : hw);
    // A matrix of type t starts once the types before t − window + 1 are complete:
    // at most `window` float64 type Grams are live besides the universal one.
    const int window = std::max(2, threads);
    int64_t totalElems = 0;
    for (const auto& m : inv.matrices) totalElems += m.rows * m.cols;
    std::atomic<int64_t> doneElems{0};
    std::mutex itemMutex;
    std::string currentItem;

    std::mutex stateMutex;  // guards state, typesAdded, universal and failed
    std::condition_variable stateChanged;
    int typesAdded = 0;
    bool failed = false;
    HugeVector<double> universal;  // packed float64, the sum of the complete types in type order
    std::vector<FinishedType> finished(nTypes);
    const size_t packed = linalg::packedSize(d);

    // Phase 1: stream every matrix once. Parallel across matrices, one BLAS
    // thread each, so the eigen-solves of different matrices overlap.
    // The guard holds the count at 1 until this function returns or throws.
    const linalg::BlasThreadsGuard oneBlasThread(1);
    double gramFlops = 0;
    for (const auto& m : inv.matrices) gramFlops += static_cast<double>(m.otherSide()) * d * d;
    const Precision prec = resolvePrecision(opts.precision, gramFlops);
    const bool fast = prec == Precision::Fast;
    {
        parallelFor(
            sequence.size(), threads,
            [&](size_t position) {
                struct FailGuard {
                    std::mutex& mutex;
                    std::condition_variable& changed;
                    bool& failed;
                    bool ok = false;
                    ~FailGuard() {
                        if (ok) return;
                        std::lock_guard<std::mutex> lock(mutex);
                        failed = true;
                        changed.notify_all();
                    }
                } guard{stateMutex, stateChanged, failed};
                const size_t i = sequence[position];
                const int ti = typeOf[i];
                TypeState& ts = state[static_cast<size_t>(ti)];
                {
                    std::unique_lock<std::mutex> lock(stateMutex);
                    stateChanged.wait(lock, [&] { return failed || typesAdded + window > ti; });
                    if (failed) return;
                }
                const WeightMatrix& m = inv.matrices[i];
                {
                    std::lock_guard<std::mutex> lock(itemMutex);
                    currentItem = m.name;
                }
                const TensorInfo* t = ckpt.find(m.tensor);
                // Reused per worker: fresh 16–64 MB buffers per matrix cost
                // page faults and zeroing (a sixth of the run, measured with
                // perf on the 1.1B shape). The Gram is overwritten: packed
                // (Fast) or the upper triangle of a full d×d (Exact).
                thread_local HugeVector<double> g;
                thread_local HugeVector<float> buffer;
                g.resize(fast ? packed : static_cast<size_t>(d) * d);
                auto addInput = [&](const float* a, int64_t k, linalg::Into into) {
                    if (fast)
                        linalg::addGramInputSidePacked(a, k, m.cols, g.data(), into);
                    else
                        linalg::addGramInputSide(a, k, m.cols, g.data(), prec, into);
                };
                auto addOutput = [&](const float* a, int64_t k, linalg::Into into) {
                    if (fast)
                        linalg::addGramOutputSidePacked(a, m.rows, k, g.data(), into);
                    else
                        linalg::addGramOutputSide(a, m.rows, k, g.data(), prec, into);
                };
                const float* w = nullptr;
                // Matrices whose own spectrum comes from the d-side Gram alone
                // stream: input-side ones in row blocks, output-side ones in
                // column blocks, their pages dropped as they go. The others
                // (a short other side, a transposed or stacked layout) are read whole.
                const bool plain = t && t->shape.size() == 2 && !t->transposed && m.otherSide() >= d;
                const auto firstAssigns = [](int64_t begin) { return begin == 0 ? linalg::Into::Assign : linalg::Into::Add; };
                if (plain && m.inputSide) {
                    const auto blockSize = static_cast<size_t>(std::min(kStreamRows, m.rows) * m.cols);
                    if (buffer.size() < blockSize) buffer.resize(blockSize);
                    for (int64_t r0 = 0; r0 < m.rows; r0 += kStreamRows) {
                        const int64_t n = std::min(kStreamRows, m.rows - r0);
                        ckpt.readRowsInto(*t, m.rowBegin + r0, n, buffer.data());
                        addInput(buffer.data(), n, firstAssigns(r0));
                        ckpt.releaseRows(*t, m.rowBegin + r0, n);
                    }
                } else if (plain && m.cols > kStreamCols && ckpt.columnsReadable(*t, kStreamCols)) {
                    const auto blockSize = static_cast<size_t>(m.rows * kStreamCols);
                    if (buffer.size() < blockSize) buffer.resize(blockSize);
                    for (int64_t c0 = 0; c0 < m.cols; c0 += kStreamCols) {
                        const int64_t n = std::min(kStreamCols, m.cols - c0);
                        // A few rows at a time, their pages dropped after them: a column
                        // block touches every row, and the kernel maps whole rows around each fault.
                        for (int64_t r0 = 0; r0 < m.rows; r0 += kStreamRowsPerColumnRead) {
                            const int64_t rows = std::min(kStreamRowsPerColumnRead, m.rows - r0);
                            ckpt.readColumnsInto(*t, m.rowBegin + r0, rows, c0, n, buffer.data() + r0 * n);
                            ckpt.releaseRows(*t, m.rowBegin + r0, rows);
                        }
                        addOutput(buffer.data(), n, firstAssigns(c0));
                    }
                } else {
                    w = readMatrixInto(ckpt, m, buffer);
                    if (m.inputSide)
                        addInput(w, m.rows, linalg::Into::Assign);
                    else
                        addOutput(w, m.cols, linalg::Into::Assign);
                }
                if (t) ckpt.release(*t);
                out.matrices[i] = matrixSpectrum(m, w, d, g.data(), prec);

                HugeVector<double> complete;
                {
                    std::unique_lock<std::mutex> lock(stateMutex);
                    stateChanged.wait(lock, [&] { return failed || ts.added == ticket[i]; });
                    if (failed) return;
                    if (ts.added == 0) {
                        ts.sum.resize(packed);
                        if (fast)
                            std::copy(g.begin(), g.end(), ts.sum.begin());
                        else
                            linalg::packUpper(g.data(), d, ts.sum.data(), linalg::Into::Assign);
                    } else if (fast) {
                        for (size_t j = 0; j < packed; ++j) ts.sum[j] += g[j];
                    } else {
                        linalg::packUpper(g.data(), d, ts.sum.data(), linalg::Into::Add);
                    }
                    ts.added += 1;
                    ts.otherSide += m.otherSide();
                    if (ts.added == ts.count) {
                        stateChanged.wait(lock, [&] { return failed || typesAdded == ti; });
                        if (failed) return;
                        if (universal.empty()) universal.assign(packed, 0.0);
                        for (size_t j = 0; j < packed; ++j) universal[j] += ts.sum[j];
                        complete.swap(ts.sum);
                        typesAdded += 1;
                    }
                    stateChanged.notify_all();
                }
                if (!complete.empty()) {
                    FinishedType& f = finished[static_cast<size_t>(ti)];
                    for (int64_t r = 0; r < d; ++r) f.trace += complete[linalg::packedRowStart(r, d)];
                    if (fast)
                        f.fast = std::make_shared<HugeVector<float>>(complete.begin(), complete.end());
                    else
                        f.exact = std::move(complete);
                }
                doneElems += m.rows * m.cols;
                guard.ok = true;
            },
            [&] {
                std::lock_guard<std::mutex> lock(itemMutex);
                {
                    std::lock_guard<std::mutex> stateLock(stateMutex);
                    if (failed) return true;  // the error itself is rethrown
                }
                return report(0.8 * static_cast<double>(doneElems) / static_cast<double>(std::max<int64_t>(1, totalElems)),
                              "reading", currentItem);
            });
    }

    // Phase 2: universal basis, then each type's capture curve and basis.
    out.types.resize(nTypes);
    out.typeBases.resize(nTypes);
    for (size_t i = 0; i < nTypes; ++i) {
        out.types[i].type = order[i];
        out.types[i].matrices = state[i].count;
        out.types[i].otherSideSum = state[i].otherSide;
    }
    const bool wantBases = opts.keepBases || cacheable;
    if (fast && !opts.keepBases && cacheable) out.pendingTypeGrams.resize(nTypes);
    if (fast)
        fastDecompositions(finished, universal, d, threads, opts.keepBases, cacheable && !opts.keepBases, out, report);
    else
        exactDecompositions(finished, universal, d, threads, wantBases, out, report);
    out.precision = prec;
    if (cacheable) saveCachedAnalysis(cacheFile, analysisCacheIdentity(ckpt, opts.precision), out);
    if (!opts.keepBases) {
        out.universalBasis.reset();
        out.typeBases.clear();
    }
    out.pendingTypeGrams.clear();
    report(1.0, "done", "");
    return out;
}

} // namespace ctscope
