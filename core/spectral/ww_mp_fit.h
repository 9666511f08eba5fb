#pragma once
/// WeightWatcher's Marchenko–Pastur bulk fit (`analyze(mp_fit=True)`), written
/// from its definition (WeightWatcher 0.7.5.5 `mp_fit`, `fit_density_with_range`,
/// `resid_mp`):
///   1. rescale the eigenvalues to mean 1: λ' = λ · M / Σλ;
///   2. a linear-kernel density estimate (bandwidth 0.1) of λ' (of √λ' when
///      Q = N/M is 1) on 1000 points of [0, max + 0.5], keeping points where
///      it exceeds 0.01;
///   3. σ minimising Σ (ρ_MP(x; Q, σ) − ρ̂(x))² (the quarter-circle law when
///      Q = 1; a bulk edge outside the data, or a lower edge above the density
///      peak, costs 1000 per point): a grid σ ∈ [0.05 s, 2 s) in steps of 0.01 s,
///      s = √(λ'_max)/(1 + 1/√Q), then a Nelder–Mead polish from the best point
///      (scipy.optimize.brute's default finish, fmin with its defaults);
///   4. λ₊ = σ²(1 + 1/√Q)², spikes are λ' > λ₊ + √(Q^(−1/2) λ₊^(2/3) M^(−2/3)),
///      mp_softrank = λ₊ / λ'_max; bulk edges are reported on the original scale.
#include <cstdint>
#include <vector>

namespace ctscope {

struct MpFit {
    bool ok = false;
    double sigmaMp = 0.0;     ///< σ of the rescaled spectrum
    double bulkMax = 0.0;     ///< λ₊ on the original scale (WeightWatcher's bulk_max)
    double bulkMin = 0.0;     ///< λ₋ on the original scale
    double lambdaPlus = 0.0;  ///< λ₊ of the rescaled spectrum
    int numSpikes = 0;        ///< eigenvalues above the Tracy–Widom-widened edge
    double mpSoftrank = 0.0;  ///< λ₊ / λ'_max
    double wScale = 0.0;      ///< √(M / Σλ)
};

/// Fits the M eigenvalues `evals` (any order) of an N × M matrix (N ≥ M).
/// Pure function, any thread; O(M log M + 1000·(grid + polish)).
MpFit fitMarchenkoPastur(const std::vector<double>& evals, int64_t n, int64_t m);

} // namespace ctscope
