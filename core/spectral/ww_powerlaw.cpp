#include "core/spectral/ww_powerlaw.h"

#include <algorithm>
#include <cmath>

namespace ctscope {

namespace {

/// The sorted values above the threshold, their logs and the suffix sums of
/// the logs (long double, so α does not depend on the summation order).
struct Prepared {
    std::vector<double> x;
    std::vector<double> logs;
    std::vector<long double> suffix;  ///< suffix[i] = Σ_{j≥i} logs[j]
};

Prepared prepare(const std::vector<double>& values, double thresh) {
    Prepared p;
    p.x.reserve(values.size());
    for (double v : values)
        if (v > thresh && std::isfinite(v)) p.x.push_back(v);
    std::sort(p.x.begin(), p.x.end());
    const size_t n = p.x.size();
    p.logs.resize(n);
    for (size_t i = 0; i < n; ++i) p.logs[i] = std::log(p.x[i]);
    p.suffix.assign(n + 1, 0.0L);
    for (size_t i = n; i-- > 0;) p.suffix[i] = p.suffix[i + 1] + p.logs[i];
    return p;
}

double alphaAt(const Prepared& p, size_t i) {
    const double n = static_cast<double>(p.x.size() - i);
    const double denom = static_cast<double>(p.suffix[i]) - n * p.logs[i];
    return 1.0 + n / denom;  // +inf when the whole tail equals xmin, as in numpy
}

/// |theoretical − empirical CDF| at tail position k (the empirical CDF is k/n,
/// the value just below the step, exactly as WWFit compares them).
double ksTerm(const Prepared& p, size_t i, size_t k, double alpha, double n) {
    const double theo = 1.0 - std::pow(p.x[i + k] / p.x[i], 1.0 - alpha);
    return std::abs(theo - static_cast<double>(k) / n);
}

double fullD(const Prepared& p, size_t i, double alpha) {
    if (!(alpha > 1.0)) return 1.0;
    const size_t n = p.x.size() - i;
    double d = 0.0;
    for (size_t k = 0; k < n; ++k) d = std::max(d, ksTerm(p, i, k, alpha, static_cast<double>(n)));
    return d;
}

/// D_i when it beats `bound` (is below it; or equal to it when `orEqual`),
/// otherwise some term that does not. `hint` is the data index where the
/// previous candidate failed: the largest deviation moves slowly with xmin,
/// so one term there rejects most losing candidates; a coarse pass catches
/// most of the rest.
double boundedD(const Prepared& p, size_t i, double alpha, double bound, bool orEqual, size_t& hint) {
    if (!(alpha > 1.0)) return 1.0;
    const size_t n = p.x.size() - i;
    const double dn = static_cast<double>(n);
    auto fails = [&](size_t k, double& t) {
        t = ksTerm(p, i, k, alpha, dn);
        const bool bad = orEqual ? t > bound : t >= bound;
        if (bad) hint = i + k;
        return bad;
    };
    double t = 0.0;
    if (hint >= i && hint - i < n && fails(hint - i, t)) return t;
    constexpr size_t kStride = 16;
    if (n > 4 * kStride)
        for (size_t k = kStride - 1; k < n; k += kStride)
            if (fails(k, t)) return t;
    double d = 0.0;
    for (size_t k = 0; k < n; ++k) {
        if (fails(k, t)) return t;
        d = std::max(d, t);
    }
    return d;
}

PowerLawFit finish(const Prepared& p, size_t best, double alpha, double d) {
    PowerLawFit f;
    const size_t n = p.x.size() - best;
    f.ok = true;
    f.alpha = alpha;
    f.xmin = p.x[best];
    f.xmax = p.x.back();
    f.D = d;
    f.sigma = (alpha - 1.0) / std::sqrt(static_cast<double>(n));
    f.tail = static_cast<int>(n);
    f.fitted = static_cast<int>(p.x.size());
    f.bestIndex = static_cast<int>(best);
    return f;
}

} // namespace

PowerLawFit fitPowerLaw(const std::vector<double>& values, double thresh) {
    const Prepared p = prepare(values, thresh);
    if (p.x.size() < 2) {
        PowerLawFit f;
        f.fitted = static_cast<int>(p.x.size());
        return f;
    }
    // A first bound from every s-th candidate in full, then each candidate
    // against the best so far. np.argmin keeps the first minimum, so a
    // candidate before the current best also wins on equality.
    const size_t candidates = p.x.size() - 1;
    const size_t stride = std::max<size_t>(1, candidates / 32);
    size_t best = 0;
    double bestAlpha = alphaAt(p, 0);
    double bestD = fullD(p, 0, bestAlpha);
    for (size_t i = stride; i < candidates; i += stride) {
        const double a = alphaAt(p, i);
        const double d = fullD(p, i, a);
        if (d < bestD) {
            best = i;
            bestAlpha = a;
            bestD = d;
        }
    }
    size_t hint = 0;
    for (size_t i = 1; i < candidates; ++i) {
        if (i % stride == 0) continue;  // already measured in full
        const double a = alphaAt(p, i);
        const bool before = i < best;
        const double d = boundedD(p, i, a, bestD, before, hint);
        if (d < bestD || (before && d == bestD)) {
            best = i;
            bestAlpha = a;
            bestD = d;
        }
    }
    return finish(p, best, bestAlpha, bestD);
}

PowerLawScan scanPowerLaw(const std::vector<double>& values, double thresh) {
    const Prepared p = prepare(values, thresh);
    PowerLawScan s;
    if (p.x.size() < 2) return s;
    for (size_t i = 0; i + 1 < p.x.size(); ++i) {
        const double a = alphaAt(p, i);
        s.xmins.push_back(p.x[i]);
        s.alphas.push_back(a);
        s.Ds.push_back(fullD(p, i, a));
    }
    return s;
}

double powerLawDensity(const PowerLawFit& fit, double x) {
    if (!fit.ok || !(x >= fit.xmin) || !(fit.xmin > 0)) return 0.0;
    return (fit.alpha - 1.0) / fit.xmin * std::pow(x / fit.xmin, -fit.alpha);
}

} // namespace ctscope
