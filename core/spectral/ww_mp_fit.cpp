#include "core/spectral/ww_mp_fit.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>

namespace ctscope {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kGridPoints = 1000;
constexpr double kBandwidth = 0.1;
constexpr double kDensityFloor = 0.01;

/// numpy.nan_to_num: NaN → 0, ±inf → ±DBL_MAX.
double nanToNum(double v) {
    if (std::isnan(v)) return 0.0;
    if (std::isinf(v)) return v > 0 ? DBL_MAX : -DBL_MAX;
    return v;
}

/// The kernel density estimate on the grid, only where it exceeds the floor.
struct Density {
    std::vector<double> x, y;
    double peakX = 0.0;  ///< first grid point of the largest density
    double maxX = 0.0;   ///< largest kept grid point
};

/// sklearn's KernelDensity(kernel='linear', bandwidth=h) in one dimension:
/// ρ̂(x) = 1/(n h) Σ max(0, 1 − |x − x_i|/h), evaluated exactly.
Density density(std::vector<double> data) {
    std::sort(data.begin(), data.end());
    const double n = static_cast<double>(data.size());
    const double top = data.back() + 0.5;
    const double step = top / (kGridPoints - 1);
    Density d;
    size_t lo = 0;
    for (int g = 0; g < kGridPoints; ++g) {
        const double x = g == kGridPoints - 1 ? top : g * step;  // numpy.linspace
        while (lo < data.size() && data[lo] <= x - kBandwidth) ++lo;
        long double sum = 0.0L;
        for (size_t j = lo; j < data.size() && data[j] < x + kBandwidth; ++j) {
            const double dist = std::abs(x - data[j]);
            if (dist < kBandwidth) sum += 1.0 - dist / kBandwidth;
        }
        const double y = static_cast<double>(sum) / (n * kBandwidth);
        if (y > kDensityFloor) {
            d.x.push_back(x);
            d.y.push_back(y);
        }
    }
    if (!d.y.empty()) {
        const size_t peak = static_cast<size_t>(std::max_element(d.y.begin(), d.y.end()) - d.y.begin());
        d.peakX = d.x[peak];
        d.maxX = *std::max_element(d.x.begin(), d.x.end());
    }
    return d;
}

/// WeightWatcher's resid_mp with allresid=False: the sum of squared residuals.
double residual(double sigma, const Density& d, double q) {
    long double sum = 0.0L;
    if (q == 1.0) {
        for (size_t i = 0; i < d.x.size(); ++i) {
            const double x = d.x[i];
            const double mp = nanToNum(1.0 / (kPi * sigma * sigma) * std::sqrt(4.0 - x * x));
            const double r = mp - d.y[i];
            sum += static_cast<long double>(r) * r;
        }
        return static_cast<double>(sum);
    }
    const double y = 1.0 / q;
    const double bEdge = sigma * (1.0 + std::sqrt(1.0 / q));
    const double aEdge = sigma * (1.0 - std::sqrt(1.0 / q));
    const double b = bEdge * bEdge;
    const double a = aEdge * aEdge;
    if (b < d.peakX || b > d.maxX || a > d.peakX) return 1000.0 * 1000.0 * static_cast<double>(d.x.size());
    for (size_t i = 0; i < d.x.size(); ++i) {
        const double x = d.x[i];
        const double mp = nanToNum((1.0 / (2.0 * kPi * sigma * sigma * x * y)) * std::sqrt((b - x) * (x - a)));
        const double r = mp - d.y[i];
        sum += static_cast<long double>(r) * r;
    }
    return static_cast<double>(sum);
}

/// scipy.optimize.fmin in one dimension with its defaults (xtol = ftol = 1e-4,
/// at most 200 iterations and 200 calls, initial step 5%).
double nelderMead1d(const std::function<double(double)>& f, double x0) {
    constexpr int kMax = 200;
    constexpr double kTol = 1e-4;
    int calls = 0;
    auto eval = [&](double x, double* out) {
        if (calls >= kMax) return false;
        ++calls;
        *out = f(x);
        return true;
    };
    double sim[2] = {x0, x0 != 0.0 ? 1.05 * x0 : 0.00025};
    double fs[2] = {INFINITY, INFINITY};
    auto order = [&] {  // numpy.argsort: NaN sorts last
        if (fs[1] < fs[0] || (std::isnan(fs[0]) && !std::isnan(fs[1]))) {
            std::swap(sim[0], sim[1]);
            std::swap(fs[0], fs[1]);
        }
    };
    eval(sim[0], &fs[0]);
    eval(sim[1], &fs[1]);
    order();
    for (int iterations = 1; calls < kMax && iterations < kMax; ++iterations) {
        if (std::abs(sim[1] - sim[0]) <= kTol && std::abs(fs[0] - fs[1]) <= kTol) break;
        const double xbar = sim[0];
        const double xr = 2.0 * xbar - sim[1];
        double fxr = 0;
        if (!eval(xr, &fxr)) break;
        bool shrink = false;
        if (fxr < fs[0]) {
            const double xe = 3.0 * xbar - 2.0 * sim[1];
            double fxe = 0;
            if (!eval(xe, &fxe)) break;
            if (fxe < fxr) {
                sim[1] = xe;
                fs[1] = fxe;
            } else {
                sim[1] = xr;
                fs[1] = fxr;
            }
        } else if (fxr < fs[1]) {  // with one dimension fsim[-2] is fsim[0]: always contract
            const double xc = 1.5 * xbar - 0.5 * sim[1];
            double fxc = 0;
            if (!eval(xc, &fxc)) break;
            if (fxc <= fxr) {
                sim[1] = xc;
                fs[1] = fxc;
            } else {
                shrink = true;
            }
        } else {
            const double xcc = 0.5 * xbar + 0.5 * sim[1];
            double fxcc = 0;
            if (!eval(xcc, &fxcc)) break;
            if (fxcc < fs[1]) {
                sim[1] = xcc;
                fs[1] = fxcc;
            } else {
                shrink = true;
            }
        }
        if (shrink) {
            sim[1] = sim[0] + 0.5 * (sim[1] - sim[0]);
            if (!eval(sim[1], &fs[1])) break;
        }
        order();
    }
    order();
    return sim[0];
}

} // namespace

MpFit fitMarchenkoPastur(const std::vector<double>& evals, int64_t n, int64_t m) {
    MpFit out;
    if (evals.empty() || m <= 0 || n <= 0) return out;
    long double total = 0.0L;
    for (double v : evals) total += v;
    if (!(total > 0.0L)) return out;
    const double q = static_cast<double>(n) / static_cast<double>(m);
    const double wScale = std::sqrt(static_cast<double>(evals.size())) / std::sqrt(static_cast<double>(total));
    const double s2 = wScale * wScale;
    std::vector<double> scaled(evals.size());
    for (size_t i = 0; i < evals.size(); ++i) scaled[i] = s2 * evals[i];
    const double lambdaMax = *std::max_element(scaled.begin(), scaled.end());

    std::vector<double> toFit = scaled;
    if (q == 1.0)
        for (double& v : toFit) v = std::sqrt(std::max(0.0, v));
    const Density d = density(toFit);
    if (d.x.empty()) return out;
    auto f = [&](double sigma) { return residual(sigma, d, q); };

    // scipy.optimize.brute over numpy.arange(0.05 s, 2 s, 0.01 s), then fmin.
    const double invSqrtQ = 1.0 / std::sqrt(q);
    const double s = std::sqrt(lambdaMax / ((1.0 + invSqrtQ) * (1.0 + invSqrtQ)));
    const double start = 0.05 * s, stop = 2.0 * s, step = 0.01 * s;
    const auto count = static_cast<int64_t>(std::ceil((stop - start) / step));
    const double delta = (start + step) - start;  // numpy's arange fill
    double bestX = start, bestF = INFINITY;
    for (int64_t i = 0; i < count; ++i) {
        const double x = i == 0 ? start : (i == 1 ? start + step : start + static_cast<double>(i) * delta);
        const double v = f(x);
        if (v < bestF || std::isnan(v)) {
            bestF = v;
            bestX = x;
            if (std::isnan(v)) break;
        }
    }
    const double sigma = nelderMead1d(f, bestX);

    const double edge = sigma * (1.0 + 1.0 / std::sqrt(q));
    const double lower = sigma * (1.0 - 1.0 / std::sqrt(q));
    const double bulkMax = edge * edge;
    const double bulkMin = lower * lower;
    const double tw = 1.0 / std::sqrt(q) * std::pow(bulkMax, 2.0 / 3.0) * std::pow(static_cast<double>(m), -2.0 / 3.0);
    const double cutoff = bulkMax + std::sqrt(tw);
    out.ok = true;
    out.sigmaMp = sigma;
    out.lambdaPlus = bulkMax;
    out.numSpikes = static_cast<int>(std::count_if(scaled.begin(), scaled.end(), [&](double v) { return v > cutoff; }));
    out.mpSoftrank = bulkMax / lambdaMax;
    out.wScale = wScale;
    out.bulkMax = bulkMax / s2;
    out.bulkMin = bulkMin / s2;
    return out;
}

} // namespace ctscope
