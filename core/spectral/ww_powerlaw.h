#pragma once
/// WeightWatcher's default power-law fit of an eigenvalue spectrum (its own
/// `WW_powerlaw.WWFit`, pl_package 'ww', WeightWatcher 0.7.5.5), written from
/// its definition; docs/definitions.md, "WeightWatcher metrics", states it.
///
/// Of the values above `kWwEvalsThresh`, sorted ascending x₁ ≤ … ≤ x_N, every
/// x_i but the largest is a candidate xmin. For each, with n = N − i + 1 values
/// in the tail x ≥ x_i:
///   α_i = 1 + n / Σ_{j≥i} ln(x_j / x_i)
///   D_i = max_{k=0..n−1} |1 − (x_{i+k}/x_i)^(1−α_i) − k/n|   (D_i = 1 when α_i ≤ 1)
/// The fit keeps the first i with the smallest D_i; σ = (α − 1)/√n.
#include <cstddef>
#include <vector>

namespace ctscope {

/// WeightWatcher's EVALS_THRESH: eigenvalues at or below it are not fitted.
constexpr double kWwEvalsThresh = 1e-5;

struct PowerLawFit {
    bool ok = false;       ///< false when fewer than two values lie above the threshold
    double alpha = -1.0;   ///< WeightWatcher reports −1 for a failed fit
    double xmin = -1.0;
    double xmax = -1.0;    ///< the largest fitted value
    double D = -1.0;       ///< Kolmogorov–Smirnov distance at xmin
    double sigma = -1.0;   ///< (α − 1)/√n
    int tail = 0;          ///< n: fitted values from xmin on (index-based, as WWFit)
    int fitted = 0;        ///< N: values above the threshold
    int bestIndex = -1;    ///< index of xmin among the fitted values (ascending)
};

/// Every candidate of the fit, for plots of α and D against xmin.
struct PowerLawScan {
    std::vector<double> xmins;   ///< ascending, N − 1 values
    std::vector<double> alphas;
    std::vector<double> Ds;
};

/// Fits `values` (any order; λ = σ², not normalised) as WWFit does. Pure
/// function, callable from any thread; O(N log N) plus a KS scan that stops a
/// candidate as soon as it cannot beat the best one (exact: the same xmin as
/// the full scan).
PowerLawFit fitPowerLaw(const std::vector<double>& values, double thresh = kWwEvalsThresh);

/// The full candidate curves (O(N²)); for plotting a handful of matrices.
PowerLawScan scanPowerLaw(const std::vector<double>& values, double thresh = kWwEvalsThresh);

/// The fitted density p(x) = (α − 1)/xmin · (x/xmin)^(−α) for x ≥ xmin.
double powerLawDensity(const PowerLawFit& fit, double x);

} // namespace ctscope
