#pragma once
/// JSON, CSV and terminal forms of the WeightWatcher metrics (`ctscope
/// analyze --ww`). The shapes are documented in docs/definitions.md,
/// "WeightWatcher metrics".
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/ww_metrics.h"

#include <string>
#include <vector>

namespace ctscope {

/// `analysisJson` plus, for every matrix of "matrices", a "ww" object (its
/// metrics, or {"skipped": reason} under compat), and a "ww_types" object:
/// one entry per type and "universal", each with alpha_mean, alpha_std,
/// alpha_stacked, n. Numbers that are not finite are written as null.
std::string analysisJsonWithWw(const SpectralAnalysis& a, const WwAnalysis& ww, const std::vector<int>& ks,
                               const std::vector<double>& budgetTaus = {0.5, 0.9}, int indent = 1);

/// One row per matrix, WeightWatcher's column names first (layer_id, name, N,
/// M, num_evals, alpha, alpha_weighted, stable_rank, log_spectral_norm,
/// log_norm, log_alpha_norm, xmin, D, num_pl_spikes), then ctscope's (type,
/// layer, tensor, sigma, xmax, entropy, ww_would_skip, and the MP columns when
/// fitted). Under compat the matrices WeightWatcher skips have no row, as in
/// its table. Throws std::runtime_error naming the file on I/O failure.
void writeWwCsv(const SpectralAnalysis& a, const WwAnalysis& ww, const std::string& path);

/// Per-type alpha table for the terminal: matrices, mean ± s.d., min–max,
/// the stacked fit's alpha, xmin, D and tail size; then the universal row.
std::string wwTypeTable(const SpectralAnalysis& a, const WwAnalysis& ww);

/// WeightWatcher's layer name: the tensor name without ".weight" (split parts
/// keep their suffix, e.g. "h.0.attn.c_attn[q]").
std::string wwLayerName(const std::string& tensorName);

} // namespace ctscope
