#pragma once
/// Splitting a sweep's runs over shards (`ctscope finetune --shard i/N`,
/// one Slurm array task each). Deterministic: every shard computes the same
/// split from the same options, with no coordination.
///
/// Rule: shard 0 owns the full-fine-tuning baseline (every full run, all
/// learning rates and seeds); the other runs are dealt, in plan order, to
/// the shard with the fewest runs so far (lowest index on a tie). The
/// baseline is run once, not once per shard, because it is the most
/// expensive arm; shards other than 0 read shard 0's finished baseline runs
/// from DIR/shards/0/metrics.jsonl for their own summary (the merged
/// summary does not depend on that). Torch-free.
#include "core/train/finetune_types.h"

#include <string>
#include <utility>
#include <vector>

namespace ctscope {

/// The shard that runs the full-fine-tuning baseline.
constexpr int kBaselineShard = 0;

/// Parses "i/N" with 0 ≤ i < N. Throws std::invalid_argument saying what is wrong.
std::pair<int, int> parseShard(const std::string& text);

/// Index into `all` of each run of shard `index` of `count`, in plan order.
std::vector<size_t> shardRunIndices(const std::vector<RunSpec>& all, int index, int count);
/// The runs themselves.
std::vector<RunSpec> shardRuns(const std::vector<RunSpec>& all, int index, int count);

/// DIR/shards/i: where shard i of a sweep into DIR writes.
std::string shardDir(const std::string& outDir, int index);

} // namespace ctscope
