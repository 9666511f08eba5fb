#pragma once
/// A sweep spread over shard folders DIR/shards/0 … DIR/shards/N-1 (each
/// written by `ctscope finetune --shard i/N`): per-shard progress for
/// `ctscope sweep status`, and the merged metrics, summary and record that
/// `ctscope sweep merge` writes and the window shows live. Torch-free.
#include "core/report/metrics_io.h"

#include <string>
#include <vector>

namespace ctscope {

struct ShardStatus {
    int index = 0;
    std::string dir;
    bool started = false;   ///< its metrics.jsonl exists
    int planned = -1;       ///< runs planned for it (its sweep.json; -1 unknown)
    int finished = 0;
    int partial = 0;        ///< runs cut off, or running now
    int restarts = 0;       ///< attempts beyond the first, summed over its runs
    int nonFinite = 0;      ///< finished runs whose held-out loss is NaN/Inf (failures)
    std::string lastRun;    ///< the run of its last line
    int lastStep = 0;
    int lastSteps = 0;
    std::string configKey;
    std::vector<std::string> warnings;  ///< torn last lines, unreadable files
};

struct MergedSweep {
    int shardCount = 0;
    std::vector<ShardStatus> shards;  ///< 0 … shardCount-1, started or not
    MetricsLog log;                   ///< every shard's runs (last attempts), shard by shard
    EfficiencyTable efficiency;       ///< from the finished runs of all shards
    std::string configKey;            ///< shard 0's (the first shard's with a record otherwise)
    std::string recordJson;           ///< that shard's sweep.json text (empty: none yet)
    std::vector<std::string> warnings;
    int finished() const;
    int planned() const;              ///< -1 when a started shard does not say
};

/// True when DIR/shards/ exists.
bool isShardedSweep(const std::string& dir);

/// Reads every shard (never writes). Runs of a shard made with other options
/// than shard 0's are left out with a warning, and so is a run found in two
/// shards (the finished copy is kept). Throws FormatError on a malformed
/// metrics line that is not a torn last line.
MergedSweep mergeShards(const std::string& dir);

/// Writes DIR/metrics.jsonl, DIR/summary.csv and DIR/sweep.json, each
/// atomically. Throws FormatError.
void writeMergedSweep(const std::string& dir, const MergedSweep& merged);

/// Sizes and modification times of the files a sweep folder is read from
/// (its own or its shards'): changes whenever any of them is written.
std::string sweepFolderSignature(const std::string& dir);

} // namespace ctscope
