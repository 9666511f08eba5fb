#pragma once
/// Text, JSON and CSV forms of a SpectralAnalysis. The JSON shape is the
/// contract of `ctscope analyze --json` (docs/definitions.md).
#include "core/spectral/spectral_analysis.h"

#include <string>
#include <vector>

namespace ctscope {

/// K values clamped to 1..d_model and deduplicated, in the given order.
std::vector<int> normaliseKs(const std::vector<int>& ks, int dModel);

/// {"d_model", "universal", "types", "matrices", "skipped", ...}; keys of the
/// per-K maps are decimal strings.
/// Also "frontier" (default K list), "groups" (at K = 32 clamped to d) and
/// "budget" for each tau in `budgetTaus`.
std::string analysisJson(const SpectralAnalysis& a, const std::vector<int>& ks,
                         const std::vector<double>& budgetTaus = {0.5, 0.9}, int indent = 1);

/// The frontier, attention-vs-MLP and budget tables, laid out like the papers'.
std::string frontierTables(const SpectralAnalysis& a, const std::vector<double>& budgetTaus);

/// Per-type table for the terminal (type, matrices, PR, K50, K90, R² at each K).
std::string typeTable(const SpectralAnalysis& a, const std::vector<int>& ks);

/// Writes types.csv, matrices.csv, energy.csv (every K), r2.csv (every K, per
/// type), singular_values.csv and skipped.csv into `dir` (created). Throws
/// std::runtime_error naming the file on I/O failure.
void writeAnalysisCsv(const SpectralAnalysis& a, const std::vector<int>& ks, const std::string& dir);

} // namespace ctscope
