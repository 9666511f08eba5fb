#pragma once
/// The spectra WeightWatcher takes when PyTorch sees a CUDA device: it
/// converts every weight to float16 (`torch_T_to_np = T.half()`) before its
/// SVD. WeightWatcher 0.7.5.5's published table for stories260K matches these
/// (relative errors ≈ 1e-5) better than the float32 weights' (≈ 1e-4), so
/// `analyze --ww-fp16` computes the metrics from them to reproduce such a
/// table. It costs one more pass over the weights. docs/definitions.md,
/// "WeightWatcher metrics".
#include "core/spectral/spectral_analysis.h"
#include "core/util/progress.h"

#include <vector>

namespace ctscope {

class Checkpoint;

/// For every matrix of `a` (in its order), the eigenvalues λ = σ² of the
/// matrix with each weight rounded to IEEE float16 (nearest even), all
/// min(rows, cols) of them, descending, in float64. Throws FormatError when
/// a matrix of `a` is not in `ckpt`, Cancelled when `progress` returns false.
/// Any thread; `threads` workers (0: hardware concurrency).
std::vector<std::vector<double>> halfPrecisionEigenvalues(const Checkpoint& ckpt, const SpectralAnalysis& a,
                                                          int threads = 0, const ProgressFn& progress = {});

} // namespace ctscope
