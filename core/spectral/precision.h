#pragma once
/// How the spectral engine forms Grams and solves eigenproblems; see
/// docs/definitions.md, "Precision of the spectral engine".
#include <optional>
#include <string>

namespace ctscope {

enum class Precision {
    /// Exact when the analysis is small (its Gram products need at most
    /// kAutoExactFlops, about a second of float64 work), Fast otherwise. The
    /// choice is made once per analysis, so all its figures share one precision.
    Auto,
    /// float32 products in row blocks of at most 1024, accumulated in float64
    /// across blocks; float32 eigensolvers. PR, energy and R² agree with Exact
    /// to well under 1e-3 relative; eigenvalues below a stated resolution
    /// floor (MatrixResult::lambdaFloor) are reported as 0.
    Fast,
    /// float64 products and float64 eigensolvers throughout.
    Exact,
};

/// Gram work (Σ over matrices of other-side · d², multiply-adds) up to which
/// Auto resolves to Exact.
constexpr double kAutoExactFlops = 2.0e10;

/// Auto resolved for an analysis whose Grams need `gramFlops` multiply-adds.
inline Precision resolvePrecision(Precision p, double gramFlops) {
    if (p != Precision::Auto) return p;
    return gramFlops <= kAutoExactFlops ? Precision::Exact : Precision::Fast;
}

/// "auto", "fast" or "exact".
inline const char* precisionName(Precision p) {
    return p == Precision::Exact ? "exact" : p == Precision::Fast ? "fast" : "auto";
}

/// Parses "auto" / "fast" / "exact"; nullopt for anything else.
inline std::optional<Precision> precisionFromName(const std::string& s) {
    if (s == "auto") return Precision::Auto;
    if (s == "fast") return Precision::Fast;
    if (s == "exact") return Precision::Exact;
    return std::nullopt;
}

} // namespace ctscope
