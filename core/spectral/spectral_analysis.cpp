#include "core/spectral/spectral_analysis.h"

#include "core/format/checkpoint.h"
#include "core/spectral/analysis_cache.h"
#include "core/spectral/linalg.h"
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

constexpr int64_t kStreamRows = 4096;

/// Per-type accumulator of the d_model-side Gram (float64). Matrices are
/// added in file order (a ticket per matrix), so the sums, and everything
/// after them, are bit-identical whatever the thread count and timing.
struct TypeAccumulator {
    std::mutex mutex;
    std::condition_variable turn;
    HugeVector<double> gram;
    int matrices = 0;  ///< also the ticket of the next matrix to add
    int64_t otherSide = 0;
};

/// Eigenvalues below `floor` (the resolution floor; 0 for Exact) become 0.
std::vector<double> clampBelow(std::vector<double> lambda, double floor) {
    for (double& v : lambda)
        if (v < floor) v = 0.0;
    return lambda;
}

/// Fast eigenvalues (descending) with those below their resolution floor set to 0.
std::vector<double> fastClamped(std::vector<double> lambda) {
    const double floor =
        lambda.empty() ? 0.0 : linalg::resolutionFloor(lambda.front(), static_cast<int64_t>(lambda.size()), Precision::Fast);
    return clampBelow(std::move(lambda), floor);
}

/// The matrix's own spectrum. `dSideGram` (d×d, upper triangle) is left
/// untouched; `w` (the matrix, row-major) is read only when the other side is
/// shorter than d.
MatrixResult matrixSpectrum(const WeightMatrix& m, const float* w, int d, const HugeVector<double>& dSideGram,
                            Precision p) {
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
            lambda = linalg::eigenvaluesFast(dSideGram.data(), d);
        } else {
            HugeVector<double> g = dSideGram;
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

std::shared_ptr<Basis> toBasis(const HugeVector<double>& rows, int d) {
    auto b = std::make_shared<Basis>();
    b->dim = d;
    b->rows.assign(rows.begin(), rows.end());
    return b;
}

/// Runs fn(i) for i in [0, n) on `threads` workers while the calling thread
/// reports progress; rethrows the first worker exception; throws Cancelled.
template <class Fn, class Report>
void parallelFor(size_t n, int threads, Fn fn, Report report) {
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::atomic<int> running{threads};
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (;;) {
                if (stop) break;
                size_t i = next++;
                if (i >= n) break;
                try {
                    fn(i);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(mutex);
                    if (!error) error = std::current_exception();
                    stop = true;
                }
            }
            std::lock_guard<std::mutex> lock(mutex);
            if (--running == 0) done.notify_all();
        });
    }
    bool cancelled = false;
    {
        std::unique_lock<std::mutex> lock(mutex);
        while (running > 0) {
            done.wait_for(lock, std::chrono::milliseconds(100));
            lock.unlock();
            if (!cancelled && !report()) {
                cancelled = true;
                stop = true;
            }
            lock.lock();
        }
    }
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
    if (cancelled) throw Cancelled();
}

using Accumulators = std::map<MatrixType, TypeAccumulator>;
using ReportFn = std::function<bool(double, const std::string&, const std::string&)>;

double traceOf(const HugeVector<double>& g, int d) {
    double trace = 0.0;
    for (int j = 0; j < d; ++j) trace += g[static_cast<size_t>(j) * d + j];
    return trace;
}

/// Exact: float64 solvers; the universal decomposition first, then the types
/// (their capture curves need the universal basis before the in-place solve).
void exactDecompositions(Accumulators& acc, const std::vector<MatrixType>& order, HugeVector<double>& universal,
                         int d, int threads, bool wantBases, SpectralAnalysis& out, const ReportFn& report) {
    HugeVector<double>& uRows = universal;
    out.universal = makeSpectrumStats(linalg::eigenDecompose(uRows.data(), d));
    if (!report(0.85, "eigen", "universal")) throw Cancelled();
    std::atomic<int> typesDone{0};
    parallelFor(
        order.size(), std::min<int>(threads, static_cast<int>(order.size())),
        [&](size_t i) {
            TypeAccumulator& a = acc[order[i]];
            TypeResult& r = out.types[i];
            r.r2Universal = captureCurve(linalg::diagQuadratic(a.gram.data(), uRows.data(), d), traceOf(a.gram, d));
            r.spectrum = makeSpectrumStats(linalg::eigenDecompose(a.gram.data(), d));
            r.r2Type = r.spectrum.energy;
            if (wantBases) out.typeBases[i] = toBasis(a.gram, d);
            HugeVector<double>().swap(a.gram);
            ++typesDone;
        },
        [&] { return report(0.85 + 0.15 * typesDone / static_cast<double>(order.size()), "eigen", "types"); });
    out.universalBasis = toBasis(uRows, d);
}

/// Fast: float32 solvers on copies, so the universal decomposition runs
/// beside the types' (job 0 of the same pool); a type's capture curve waits
/// for the universal basis. Spectra are clamped at their resolution floor.
/// A type's spectrum always comes from the eigenvalue-only solver, so it is
/// the same with and without bases; `vectors` adds its basis, `pending`
/// keeps its float32 Gram for completeTypeBases() instead.
void fastDecompositions(Accumulators& acc, const std::vector<MatrixType>& order, HugeVector<double>& universal,
                        int d, int threads, bool vectors, bool pending, SpectralAnalysis& out,
                        const ReportFn& report) {
    auto uBasis = std::make_shared<Basis>();
    uBasis->dim = d;
    std::mutex uMutex;
    std::condition_variable uCond;
    bool uDone = false, uFailed = false;
    std::atomic<int> jobsDone{0};
    const size_t jobs = order.size() + 1;
    parallelFor(
        jobs, std::min<int>(threads, static_cast<int>(jobs)),
        [&](size_t job) {
            if (job == 0) {
                try {
                    out.universal = makeSpectrumStats(fastClamped(linalg::eigenDecomposeFast(universal.data(), d, uBasis->rows)));
                } catch (...) {
                    std::lock_guard<std::mutex> lock(uMutex);
                    uFailed = true;
                    uCond.notify_all();
                    throw;
                }
                HugeVector<double>().swap(universal);
                std::lock_guard<std::mutex> lock(uMutex);
                uDone = true;
                uCond.notify_all();
                ++jobsDone;
                return;
            }
            const size_t i = job - 1;
            TypeAccumulator& a = acc[order[i]];
            TypeResult& r = out.types[i];
            r.spectrum = makeSpectrumStats(fastClamped(linalg::eigenvaluesFast(a.gram.data(), d)));
            r.r2Type = r.spectrum.energy;
            if (vectors) {
                auto basis = std::make_shared<Basis>();
                basis->dim = d;
                linalg::eigenDecomposeFast(a.gram.data(), d, basis->rows);
                out.typeBases[i] = std::move(basis);
            } else if (pending) {
                out.pendingTypeGrams[i] = std::make_shared<const HugeVector<float>>(a.gram.begin(), a.gram.end());
            }
            {
                std::unique_lock<std::mutex> lock(uMutex);
                uCond.wait(lock, [&] { return uDone || uFailed; });
                if (uFailed) return;
            }
            r.r2Universal =
                captureCurve(linalg::diagQuadraticFast(a.gram.data(), uBasis->rows.data(), d), traceOf(a.gram, d));
            HugeVector<double>().swap(a.gram);
            ++jobsDone;
        },
        [&] { return report(0.8 + 0.2 * jobsDone / static_cast<double>(jobs), "eigen", "universal and types"); });
    out.universalBasis = std::move(uBasis);
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
            if (g.size() != static_cast<size_t>(d) * d) throw NumericError("a pending per-type Gram has the wrong size");
            auto basis = std::make_shared<Basis>();
            basis->dim = d;
            linalg::eigenDecomposeFast(g.data(), d, basis->rows);
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

    std::map<MatrixType, TypeAccumulator> acc;
    std::vector<int> ticket(inv.matrices.size());
    for (size_t i = 0; i < inv.matrices.size(); ++i) {
        TypeAccumulator& a = acc[inv.matrices[i].type];
        ticket[i] = a.matrices++;
    }
    for (auto& [t, a] : acc) a.matrices = 0;
    std::atomic<bool> failed{false};
    for (auto& [t, a] : acc) a.gram.assign(static_cast<size_t>(d) * d, 0.0);

    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = std::max(1, opts.threads > 0 ? opts.threads : hw);
    int64_t totalElems = 0;
    for (const auto& m : inv.matrices) totalElems += m.rows * m.cols;
    std::atomic<int64_t> doneElems{0};
    std::mutex itemMutex;
    std::string currentItem;

    // Phase 1: stream every matrix once. Parallel across matrices, one BLAS
    // thread each, so the eigen-solves of different matrices overlap.
    // The guard holds the count at 1 until this function returns or throws.
    const linalg::BlasThreadsGuard oneBlasThread(1);
    double gramFlops = 0;
    for (const auto& m : inv.matrices) gramFlops += static_cast<double>(m.otherSide()) * d * d;
    const Precision prec = resolvePrecision(opts.precision, gramFlops);
    {
        parallelFor(
            inv.matrices.size(), threads,
            [&](size_t i) {
                struct FailGuard {
                    std::atomic<bool>& failed;
                    std::map<MatrixType, TypeAccumulator>& acc;
                    bool ok = false;
                    ~FailGuard() {
                        if (ok) return;
                        failed = true;
                        for (auto& [t, a] : acc) {
                            std::lock_guard<std::mutex> lock(a.mutex);
                            a.turn.notify_all();
                        }
                    }
                } guard{failed, acc};
                const WeightMatrix& m = inv.matrices[i];
                {
                    std::lock_guard<std::mutex> lock(itemMutex);
                    currentItem = m.name;
                }
                const TensorInfo* t = ckpt.find(m.tensor);
                // Reused per worker: fresh 16–64 MB buffers per matrix cost
                // page faults and zeroing (a sixth of the run, measured with
                // perf on the 1.1B shape). g is overwritten, upper triangle only.
                thread_local HugeVector<double> g;
                thread_local HugeVector<float> buffer;
                g.resize(static_cast<size_t>(d) * d);
                const float* w = nullptr;
                // Tall input-side matrices (embeddings, heads) stream in row
                // blocks: their own spectrum comes from the d-side Gram alone.
                const bool stream = t && t->shape.size() == 2 && m.inputSide && !t->transposed && m.otherSide() >= d &&
                                    m.rows > kStreamRows;
                if (stream) {
                    const auto blockSize = static_cast<size_t>(kStreamRows * m.cols);
                    if (buffer.size() < blockSize) buffer.resize(blockSize);
                    for (int64_t r0 = 0; r0 < m.rows; r0 += kStreamRows) {
                        const int64_t n = std::min(kStreamRows, m.rows - r0);
                        ckpt.readRowsInto(*t, m.rowBegin + r0, n, buffer.data());
                        linalg::addGramInputSide(buffer.data(), n, m.cols, g.data(), prec,
                                                 r0 == 0 ? linalg::Into::Assign : linalg::Into::Add);
                    }
                } else {
                    w = readMatrixInto(ckpt, m, buffer);
                    if (m.inputSide)
                        linalg::addGramInputSide(w, m.rows, m.cols, g.data(), prec, linalg::Into::Assign);
                    else
                        linalg::addGramOutputSide(w, m.rows, m.cols, g.data(), prec, linalg::Into::Assign);
                }
                if (t) ckpt.release(*t);
                out.matrices[i] = matrixSpectrum(m, w, d, g, prec);
                TypeAccumulator& a = acc[m.type];
                std::unique_lock<std::mutex> lock(a.mutex);
                a.turn.wait(lock, [&] { return a.matrices == ticket[i] || failed; });
                if (failed) return;
                for (int64_t r = 0; r < d; ++r)  // upper triangles; symmetrised once per type below
                    for (int64_t c = r; c < d; ++c) a.gram[static_cast<size_t>(r * d + c)] += g[static_cast<size_t>(r * d + c)];
                a.matrices += 1;
                a.otherSide += m.otherSide();
                a.turn.notify_all();
                lock.unlock();
                doneElems += m.rows * m.cols;
                guard.ok = true;
            },
            [&] {
                std::lock_guard<std::mutex> lock(itemMutex);
                if (failed) return true;  // the error itself is rethrown
                return report(0.8 * static_cast<double>(doneElems) / static_cast<double>(std::max<int64_t>(1, totalElems)),
                              "reading", currentItem);
            });
    }

    // Phase 2: universal basis, then each type's capture curve and basis.
    std::vector<MatrixType> order;
    for (auto& [t, a] : acc) order.push_back(t);
    out.types.resize(order.size());
    out.typeBases.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
        TypeAccumulator& a = acc[order[i]];
        out.types[i].type = order[i];
        out.types[i].matrices = a.matrices;
        out.types[i].otherSideSum = a.otherSide;
    }
    for (auto& [t, a] : acc) linalg::symmetrize(a.gram.data(), d);
    HugeVector<double> universal(static_cast<size_t>(d) * d, 0.0);
    for (auto& [t, a] : acc)
        for (size_t j = 0; j < universal.size(); ++j) universal[j] += a.gram[j];
    const bool wantBases = opts.keepBases || cacheable;
    if (prec == Precision::Fast && !opts.keepBases && cacheable) out.pendingTypeGrams.resize(order.size());
    if (prec == Precision::Fast)
        fastDecompositions(acc, order, universal, d, threads, opts.keepBases, cacheable && !opts.keepBases, out,
                           report);
    else
        exactDecompositions(acc, order, universal, d, threads, wantBases, out, report);
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
