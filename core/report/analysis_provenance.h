#pragma once
/// The "provenance" key of `ctscope analyze --json`: the ctscope version,
/// the command line, the checkpoint's path, format and identity (paths,
/// sizes and mtimes of its files), the analysis cache key, the bytes of
/// tensor data and, for checkpoints of at most kHashedTensorBytes, a hash of
/// that data. Larger checkpoints are identified by the identity and cache
/// key alone, so that a cached analysis of a 1B model stays instant.
#include <cstdint>
#include <string>
#include <vector>

namespace ctscope {

class Checkpoint;

/// Tensor data up to this size is hashed (xxh64, well under a second).
constexpr uint64_t kHashedTensorBytes = 256ull << 20;

struct AnalysisProvenance {
    std::vector<std::string> commandLine;
    std::string cacheFile;  ///< analysisCachePath() (its name is the cache key)
};

/// `json` (an analysisJson() document) with a "provenance" object appended,
/// in the same indentation. Throws std::runtime_error when `json` is not an object.
std::string withAnalysisProvenance(const std::string& json, const Checkpoint& ckpt, const AnalysisProvenance& p,
                                   int indent = 1);

} // namespace ctscope
