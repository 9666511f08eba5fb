#pragma once
/// Guarding a sweep's output folder: what a folder already holds, and moving
/// an old sweep aside (`--overwrite`) without deleting anything. Used by the
/// command line and the window before a sweep starts. Torch-free.
#include <string>
#include <vector>

namespace ctscope {

struct ExistingSweep {
    bool present = false;            ///< the folder holds (part of) a sweep
    std::vector<std::string> files;  ///< which of metrics.jsonl, summary.csv, sweep.json, shards/
    int finishedRuns = 0;
    int partialRuns = 0;
    int shards = 0;                  ///< shard folders under shards/
    /// e.g. "metrics.jsonl with 12 finished runs and 1 cut off, summary.csv, sweep.json"
    std::string describe() const;
};

/// Never throws: an unreadable metrics file counts as present with 0 runs.
ExistingSweep inspectSweepDir(const std::string& dir);

/// Renames `dir` to `dir.old-N` with the smallest N ≥ 1 not taken; returns
/// the new name. Throws std::runtime_error naming both when it cannot.
std::string moveSweepAside(const std::string& dir);

} // namespace ctscope
