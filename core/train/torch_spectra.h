#pragma once
/// The spectral analysis with LibTorch on a device (CPU or CUDA): the same
/// contract as analyzeCheckpoint() (core/spectral, BLAS/LAPACK) — per-type
/// d_model-side Grams G_t, the universal Gram G_u = Σ_t G_t, their
/// eigendecompositions (torch.linalg.eigh) and every matrix's singular values
/// (eigvalsh of its smaller Gram) — so the engine process can run the
/// analysis on a GPU. Torch-free header; the implementation is in
/// ctscope_train.
#include "core/spectral/spectral_analysis.h"
#include "core/train/device.h"
#include "core/util/progress.h"

namespace ctscope {

class Checkpoint;

struct TorchSpectraOptions {
    DeviceKind device = DeviceKind::Auto;
    /// Accumulate Grams and eigendecompose in float64 (the BLAS path's
    /// precision); false: float32 (faster on GPUs, ~1e-6 relative).
    bool fp64 = true;
    bool keepBases = true;
};

/// Runs the analysis on opts.device (resolved as resolveDevice() does).
/// BF16/F16/F32 matrices are uploaded in their stored type and converted on
/// the device; other storage types are decoded to float32 on the host first.
/// Matrices are added to their type's Gram in file order, so the sums do not
/// depend on timing. No analysis cache is read or written. Blocking, any
/// thread; `progress` is called from the calling thread. Throws FormatError
/// (NaN/Inf weights, named by tensor), std::runtime_error (no CUDA device)
/// and Cancelled when `progress` returns false.
SpectralAnalysis analyzeCheckpointTorch(const Checkpoint& ckpt, const TorchSpectraOptions& opts = {},
                                        const ProgressFn& progress = {});

} // namespace ctscope
