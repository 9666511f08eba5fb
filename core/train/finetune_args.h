#pragma once
/// The FinetuneOptions as `finetune` command-line flags, both ways, torch-free:
/// the engine parses them (app/cli_train.cpp) and the window formats them to
/// start the engine as a child process (ui/sweep_job.cpp). Parse and format
/// live together so that a new field is added to both or to neither.
#include "core/train/finetune_types.h"
#include "core/util/cli_args.h"

#include <set>
#include <string>
#include <vector>

namespace ctscope {

/// Where `finetune` writes without --out.
inline constexpr const char* kFinetuneDefaultOutDir = "ctscope-finetune";

/// The value flags that set FinetuneOptions fields (without the leading --):
/// data, tokenizer, blocks, k, basis, arms, param, steps, seq, batch, seeds,
/// lr-grid, heldout-fraction, heldout-windows, threads, device,
/// prefix-cache-mb, weight-decay, out, save, save-run, shard.
const std::set<std::string>& finetuneOptionFlags();
/// The switches that set FinetuneOptions fields: bf16, no-prefix-cache, resume.
const std::set<std::string>& finetuneOptionSwitches();

/// Reads the options from `args` (parsed with at least the flags above),
/// the defaults of FinetuneOptions where a flag is absent; `--out` defaults
/// to kFinetuneDefaultOutDir. With `--shard i/N`, outDir is the shard's folder
/// DIR/shards/i. commandLine is left empty (the caller records its argv).
/// Throws UsageError naming the flag for a bad value.
FinetuneOptions finetuneOptionsFromArgs(const Args& args);

/// The inverse: flags (without the checkpoint) that finetuneOptionsFromArgs
/// reads back into every field of `o` except commandLine, bit for bit (doubles
/// are written with 17 significant digits). An empty outDir writes no --out.
std::vector<std::string> finetuneArgs(const FinetuneOptions& o);

} // namespace ctscope
