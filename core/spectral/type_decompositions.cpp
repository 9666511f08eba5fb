#include "core/spectral/type_decompositions.h"

#include "core/spectral/linalg.h"
#include "core/spectral/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

namespace ctscope::spectral_detail {

std::vector<double> clampBelow(std::vector<double> lambda, double floor) {
    for (double& v : lambda)
        if (v < floor) v = 0.0;
    return lambda;
}

std::vector<double> fastClamped(std::vector<double> lambda) {
    const double floor =
        lambda.empty() ? 0.0 : linalg::resolutionFloor(lambda.front(), static_cast<int64_t>(lambda.size()), Precision::Fast);
    return clampBelow(std::move(lambda), floor);
}

namespace {
std::shared_ptr<Basis> toBasis(const HugeVector<double>& rows, int d) {
    auto b = std::make_shared<Basis>();
    b->dim = d;
    b->rows.assign(rows.begin(), rows.end());
    return b;
}
} // namespace

void exactDecompositions(std::vector<FinishedType>& done, HugeVector<double>& universalPacked, int d, int threads,
                         bool wantBases, SpectralAnalysis& out, const ReportFn& report) {
    HugeVector<double> uRows(static_cast<size_t>(d) * d);
    linalg::unpack(universalPacked.data(), d, uRows.data(), true);
    HugeVector<double>().swap(universalPacked);
    out.universal = makeSpectrumStats(linalg::eigenDecompose(uRows.data(), d));
    if (!report(0.85, "eigen", "universal")) throw Cancelled();
    std::atomic<int> typesDone{0};
    parallelFor(
        done.size(), std::min<int>(threads, static_cast<int>(done.size())),
        [&](size_t i) {
            TypeResult& r = out.types[i];
            HugeVector<double> g(static_cast<size_t>(d) * d);
            linalg::unpack(done[i].exact.data(), d, g.data(), true);
            HugeVector<double>().swap(done[i].exact);
            r.r2Universal = captureCurve(linalg::diagQuadratic(g.data(), uRows.data(), d), done[i].trace);
            r.spectrum = makeSpectrumStats(linalg::eigenDecompose(g.data(), d));
            r.r2Type = r.spectrum.energy;
            if (wantBases) out.typeBases[i] = toBasis(g, d);
            ++typesDone;
        },
        [&] { return report(0.85 + 0.15 * typesDone / static_cast<double>(done.size()), "eigen", "types"); });
    out.universalBasis = toBasis(uRows, d);
}

void fastDecompositions(std::vector<FinishedType>& done, HugeVector<double>& universalPacked, int d, int threads,
                        bool vectors, bool pending, SpectralAnalysis& out, const ReportFn& report) {
    auto uBasis = std::make_shared<Basis>();
    uBasis->dim = d;
    std::mutex uMutex;
    std::condition_variable uCond;
    bool uDone = false, uFailed = false;
    std::atomic<int> jobsDone{0};
    const size_t jobs = done.size() + 1;
    parallelFor(
        jobs, std::min<int>(threads, static_cast<int>(jobs)),
        [&](size_t job) {
            if (job == 0) {
                try {
                    out.universal = makeSpectrumStats(
                        fastClamped(linalg::eigenDecomposeFastPacked(universalPacked.data(), d, uBasis->rows)));
                } catch (...) {
                    std::lock_guard<std::mutex> lock(uMutex);
                    uFailed = true;
                    uCond.notify_all();
                    throw;
                }
                HugeVector<double>().swap(universalPacked);
                std::lock_guard<std::mutex> lock(uMutex);
                uDone = true;
                uCond.notify_all();
                ++jobsDone;
                return;
            }
            const size_t i = job - 1;
            FinishedType& f = done[i];
            TypeResult& r = out.types[i];
            r.spectrum = makeSpectrumStats(fastClamped(linalg::eigenvaluesFastPacked(f.fast->data(), d)));
            r.r2Type = r.spectrum.energy;
            if (vectors) {
                auto basis = std::make_shared<Basis>();
                basis->dim = d;
                linalg::eigenDecomposeFastPacked(f.fast->data(), d, basis->rows);
                out.typeBases[i] = std::move(basis);
            } else if (pending) {
                out.pendingTypeGrams[i] = f.fast;
            }
            {
                std::unique_lock<std::mutex> lock(uMutex);
                uCond.wait(lock, [&] { return uDone || uFailed; });
                if (uFailed) return;
            }
            r.r2Universal = captureCurve(linalg::diagQuadraticFastPacked(f.fast->data(), uBasis->rows.data(), d), f.trace);
            f.fast.reset();
            ++jobsDone;
        },
        [&] { return report(0.8 + 0.2 * jobsDone / static_cast<double>(jobs), "eigen", "universal and types"); });
    out.universalBasis = std::move(uBasis);
}

} // namespace ctscope::spectral_detail
