#pragma once
/// Phase 2 of the spectral engine (internal to core/spectral): the universal
/// and per-type decompositions from the Grams phase 1 kept, and the
/// clamping of fast spectra at their resolution floor.
#include "core/spectral/spectral_analysis.h"
#include "core/util/huge_pages.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ctscope::spectral_detail {

/// A complete type's Gram, kept for the decompositions: packed, float32
/// (Fast: every fast consumer rounds to float32 first) or float64 (Exact).
struct FinishedType {
    std::shared_ptr<HugeVector<float>> fast;
    HugeVector<double> exact;
    double trace = 0.0;  ///< of the float64 sum
};

using ReportFn = std::function<bool(double, const std::string&, const std::string&)>;

/// Eigenvalues below `floor` (the resolution floor; 0 for Exact) become 0.
std::vector<double> clampBelow(std::vector<double> lambda, double floor);
/// Fast eigenvalues (descending) with those below their resolution floor set to 0.
std::vector<double> fastClamped(std::vector<double> lambda);

/// Exact: float64 solvers; the universal decomposition first, then the types
/// (their capture curves need the universal basis before the in-place solve).
void exactDecompositions(std::vector<FinishedType>& done, HugeVector<double>& universalPacked, int d, int threads,
                         bool wantBases, SpectralAnalysis& out, const ReportFn& report);
/// Fast: float32 solvers on unpacked copies, so the universal decomposition
/// runs beside the types' (job 0 of the same pool); a type's capture curve
/// waits for the universal basis. Spectra are clamped at their resolution
/// floor. A type's spectrum always comes from the eigenvalue-only solver, so
/// it is the same with and without bases; `vectors` adds its basis,
/// `pending` keeps its packed float32 Gram for completeTypeBases() instead.
void fastDecompositions(std::vector<FinishedType>& done, HugeVector<double>& universalPacked, int d, int threads,
                        bool vectors, bool pending, SpectralAnalysis& out, const ReportFn& report);

} // namespace ctscope::spectral_detail
