#pragma once
/// What a fine-tune moved: ΔW = W_tuned − W_base, type by type, and how much
/// of it lies in the base's own top spectral directions.
///   rel_change_t        = √(Σ‖ΔW‖² / Σ‖W_base‖²)
///   captured_universal  = tr(B_Kᵀ ΔG_t B_K) / tr(ΔG_t), B_K: base's universal top-K
///   captured_type       = the same with the base's per-type basis
/// with ΔG_t = Σ ΔWᵀΔW on the d_model side. A random K-dim subspace captures K/d.
#include "core/spectral/spectral_analysis.h"
#include "core/util/progress.h"

#include <vector>

namespace ctscope {

struct UpdateTypeResult {
    MatrixType type = Role::Q;
    double relChange = 0;
    double deltaNorm2 = 0, baseNorm2 = 0;
    std::vector<double> capturedUniversal;  ///< K = 1..d
    std::vector<double> capturedType;       ///< K = 1..d
};

struct UpdateAnalysis {
    int dModel = 0;
    std::vector<UpdateTypeResult> types;
    const UpdateTypeResult* type(MatrixType t) const;
};

/// `baseAnalysis` must be the analysis of `base` with bases kept. Throws
/// FormatError when the two checkpoints' matrices differ in names or shapes.
UpdateAnalysis analyzeUpdate(const Checkpoint& base, const Checkpoint& tuned, const SpectralAnalysis& baseAnalysis,
                             const ProgressFn& progress = {});

} // namespace ctscope
