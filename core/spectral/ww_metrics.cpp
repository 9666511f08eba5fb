#include "core/spectral/ww_metrics.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

namespace ctscope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// The file's tensor name of a matrix: split parts ("…weight[q]") lose the suffix.
std::string tensorName(const std::string& matrixName) {
    const size_t bracket = matrixName.find('[');
    return bracket == std::string::npos ? matrixName : matrixName.substr(0, bracket);
}

std::vector<int> wwLayerIds(const SpectralAnalysis& a) {
    std::vector<std::string> names;
    for (const MatrixResult& m : a.matrices) names.push_back(tensorName(m.name));
    for (const SkippedTensor& s : a.skipped) names.push_back(s.name);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::vector<std::string> weights;
    for (const std::string& n : names)
        if (endsWith(n, ".weight")) weights.push_back(n);
    const std::vector<std::string>& order = weights.empty() ? names : weights;
    std::vector<int> ids;
    for (const MatrixResult& m : a.matrices) {
        const auto it = std::lower_bound(order.begin(), order.end(), tensorName(m.name));
        ids.push_back(it != order.end() && *it == tensorName(m.name) ? static_cast<int>(it - order.begin()) : -1);
    }
    return ids;
}

WwTypeSummary summarise(const std::vector<const WwMatrixMetrics*>& mats, const std::vector<double>& stackedEvals) {
    WwTypeSummary s;
    s.matrices = static_cast<int>(mats.size());
    std::vector<double> alphas;
    for (const WwMatrixMetrics* m : mats)
        if (m->computed && m->fit.ok) alphas.push_back(m->alpha);
    s.fitted = static_cast<int>(alphas.size());
    if (!alphas.empty()) {
        long double sum = 0.0L;
        for (double v : alphas) sum += v;
        s.alphaMean = static_cast<double>(sum / alphas.size());
        long double ss = 0.0L;
        for (double v : alphas) ss += (v - s.alphaMean) * (v - s.alphaMean);
        s.alphaStd = alphas.size() > 1 ? std::sqrt(static_cast<double>(ss / (alphas.size() - 1))) : kNaN;
        s.alphaMin = *std::min_element(alphas.begin(), alphas.end());
        s.alphaMax = *std::max_element(alphas.begin(), alphas.end());
    } else {
        s.alphaMean = s.alphaStd = s.alphaMin = s.alphaMax = kNaN;
    }
    s.stacked = fitPowerLaw(stackedEvals);
    s.stackedEvals = static_cast<int>(stackedEvals.size());
    return s;
}

} // namespace

std::string wwSkipReason(int64_t n, int64_t m) {
    // The order of WeightWatcher's layer_supported().
    if (m < kWwMinEvals) return "num_evals " + std::to_string(m) + " < min_evals " + std::to_string(kWwMinEvals);
    if (m > kWwMaxEvals) return "num_evals " + std::to_string(m) + " > max_evals " + std::to_string(kWwMaxEvals);
    if (n > kWwMaxN) return "N " + std::to_string(n) + " > max_N " + std::to_string(kWwMaxN);
    return {};
}

WwMatrixMetrics wwMatrixMetrics(const std::vector<double>& evals, int64_t rows, int64_t cols, const WwOptions& opts) {
    WwMatrixMetrics r;
    r.n = std::max(rows, cols);
    r.m = std::min(rows, cols);
    r.numEvals = static_cast<int>(evals.size());
    r.skipReason = wwSkipReason(r.n, r.m);
    if (opts.compat && !r.skipReason.empty()) return r;
    r.computed = true;
    if (evals.empty()) return r;

    r.fit = fitPowerLaw(evals);
    r.alpha = r.fit.alpha;
    long double sum = 0.0L, sumAlpha = 0.0L;
    double top = 0.0;
    for (double v : evals) {
        sum += v;
        top = std::max(top, v);
        sumAlpha += std::pow(v, r.alpha);
        if (r.fit.ok && v >= r.fit.xmin) ++r.numPlSpikes;
    }
    if (!r.fit.ok) r.numPlSpikes = -1;
    r.norm = static_cast<double>(sum);
    r.logNorm = std::log10(r.norm);
    r.spectralNorm = top;
    r.logSpectralNorm = std::log10(top);
    r.alphaWeighted = r.alpha * r.logSpectralNorm;
    r.logAlphaNorm = std::log10(static_cast<double>(sumAlpha));
    r.stableRank = r.norm / top;

    // WeightWatcher's matrix_rank/matrix_entropy on σ = √λ with tolerance
    // σ_max · N · ε; 0 · log 0 is taken as 0 (exact zeros come from round-off).
    const double tol = std::sqrt(top) * static_cast<double>(r.n) * std::numeric_limits<double>::epsilon();
    long double h = 0.0L;
    for (double v : evals) {
        if (std::sqrt(v) > tol) ++r.matrixRank;
        const double p = v / r.norm;
        if (p > 0.0) h -= static_cast<long double>(p) * std::log(p);
    }
    const double rank = r.matrixRank == 1 ? 1.000001 : static_cast<double>(r.matrixRank);
    r.entropy = static_cast<double>(h) / std::log(rank);
    if (opts.mpFit) r.mp = fitMarchenkoPastur(evals, r.n, r.m);
    return r;
}

std::vector<double> matrixEigenvalues(const SpectralAnalysis& a, size_t i) {
    std::vector<double> ev;
    ev.reserve(a.matrices[i].singularValues.size());
    for (double s : a.matrices[i].singularValues) ev.push_back(s * s);
    return ev;
}

WwAnalysis analyzeWw(const SpectralAnalysis& a, const WwOptions& opts) {
    return analyzeWw(a, {}, opts);
}

WwAnalysis analyzeWw(const SpectralAnalysis& a, const std::vector<std::vector<double>>& evals, const WwOptions& opts) {
    const auto t0 = std::chrono::steady_clock::now();
    const bool given = !evals.empty();
    if (given && evals.size() != a.matrices.size())
        throw std::invalid_argument("analyzeWw: one eigenvalue list per matrix expected");
    WwAnalysis out;
    out.compat = opts.compat;
    out.mpFit = opts.mpFit;
    out.matrices.resize(a.matrices.size());
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = std::clamp(opts.threads > 0 ? opts.threads : hw, 1, std::max<int>(1, static_cast<int>(a.matrices.size())));
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i = next++; i < a.matrices.size(); i = next++) {
            const MatrixResult& m = a.matrices[i];
            out.matrices[i] = wwMatrixMetrics(given ? evals[i] : matrixEigenvalues(a, i), m.rows, m.cols, opts);
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();

    for (const TypeResult& t : a.types) {
        std::vector<const WwMatrixMetrics*> mats;
        for (size_t i = 0; i < a.matrices.size(); ++i)
            if (a.matrices[i].type == t.type) mats.push_back(&out.matrices[i]);
        WwTypeSummary s = summarise(mats, t.spectrum.eigenvalues);
        s.type = t.type;
        out.types.push_back(std::move(s));
    }
    std::vector<const WwMatrixMetrics*> all;
    for (const WwMatrixMetrics& m : out.matrices) all.push_back(&m);
    out.universal = summarise(all, a.universal.eigenvalues);
    out.universal.universal = true;
    out.layerIds = wwLayerIds(a);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

} // namespace ctscope
