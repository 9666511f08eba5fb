#pragma once
/// On-disk cache of spectral analyses, keyed by the checkpoint's identity
/// (paths, sizes, mtimes) and the engine version. Writes are atomic (temp
/// file + rename): a cancelled or failed run leaves no partial file.
#include "core/spectral/spectral_analysis.h"

#include <optional>
#include <string>

namespace ctscope {

/// Bumped whenever a definition or the file layout changes.
constexpr uint32_t kAnalysisCacheVersion = 3;  // 2: precision, per-matrix λ floor; 3: pending per-type Grams

/// $cacheDir, else $XDG_CACHE_HOME/ctscope, else ~/.cache/ctscope.
std::string defaultCacheDir();
/// The file name also carries the requested precision (AnalysisOptions::
/// precision): auto, fast and exact analyses are cached side by side and
/// never stand in for each other.
std::string analysisCachePath(const Checkpoint& ckpt, const std::string& cacheDir,
                              Precision precision = Precision::Auto);
/// The identity stored in (and checked against) the cache file.
std::string analysisCacheIdentity(const Checkpoint& ckpt, Precision precision = Precision::Auto);

/// Returns nullopt for a missing, stale or damaged cache file (never throws).
/// Without `bases`, the bases and pending per-type Grams are stepped over
/// (checked for length, not read): a 7B cache reopens without 1.3 GB of them.
std::optional<SpectralAnalysis> loadCachedAnalysis(const std::string& file, const std::string& identity,
                                                   bool bases = true);
/// Best effort: returns false (and leaves nothing behind) when it cannot write.
bool saveCachedAnalysis(const std::string& file, const std::string& identity, const SpectralAnalysis& a);

} // namespace ctscope
