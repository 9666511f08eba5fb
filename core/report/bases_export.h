#pragma once
/// The spectral bases as data: a safetensors file a researcher loads with
/// `safetensors.torch.load_file` (layout in docs/definitions.md, "Bases as data").
#include <string>

namespace ctscope {

struct SpectralAnalysis;

/// Writes the universal basis and every per-type basis of `a` (top `k` rows,
/// each a unit d_model vector, by descending eigenvalue; k <= 0 or k > d_model
/// means all d_model rows) with their full eigenvalue lists, atomically.
/// Tensors: "universal.basis" [k, d] F32, "universal.eigenvalues" [d] F64,
/// "types.<t>.basis" and "types.<t>.eigenvalues" for each type present.
/// Throws std::invalid_argument when `a` holds no bases (analysed with
/// keepBases = false), std::runtime_error naming the file on write errors.
void writeBasesSafetensors(const SpectralAnalysis& a, const std::string& file, int k = 0);

} // namespace ctscope
