#pragma once
/// The spectral definitions, in one place (docs/definitions.md mirrors this).
///
/// For a Gram matrix G with eigenvalues λ₁ ≥ λ₂ ≥ … ≥ 0 (the squared singular
/// values of the matrix it came from):
///   energy E(K) = Σ_{i≤K} λ_i / Σ_i λ_i
///   PR          = (Σ λ)² / Σ λ²
///   K50, K90    = smallest K with E(K) ≥ 0.5, 0.9
/// Negative eigenvalues from round-off are clamped to 0.
#include <vector>

namespace ctscope {

struct SpectrumStats {
    std::vector<double> eigenvalues;  ///< λ, descending, clamped ≥ 0
    std::vector<double> energy;       ///< E(K) for K = 1..n (energy[K-1])
    double total = 0.0;               ///< Σ λ = ‖W‖_F²
    double pr = 0.0;
    int k50 = 0;
    int k90 = 0;

    /// Smallest K with E(K) ≥ tau (1..n); n when never reached.
    int kAt(double tau) const;
    /// E(K) with K clamped to 1..n.
    double energyAt(int k) const;
};

/// Builds the stats from eigenvalues in any order (sorted descending here).
SpectrumStats makeSpectrumStats(std::vector<double> eigenvalues);

/// R²(K) curve from the diagonal of BᵀGB (c_i = b_iᵀ G b_i in basis order):
/// R²(K) = Σ_{i≤K} c_i / tr(G), for K = 1..n.
std::vector<double> captureCurve(const std::vector<double>& diagBtGB, double traceG);

} // namespace ctscope
