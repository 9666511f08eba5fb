#pragma once
/// What a sweep will run, from shapes alone: the runs, their trainable
/// parameter counts and memory estimates. Torch-free (the UI and --dry-run use it).
#include "core/format/model_config.h"
#include "core/train/finetune_types.h"

#include <cstdint>
#include <vector>

namespace ctscope {

/// Trainable parameters of `spec` when the last `blocks` blocks are trained:
///  full: the blocks' seven matrices and two norms (and q/k norms when the
///        model has them), plus the head (a trained copy of the embedding when tied);
///  amp:  K × Σ over the blocks' matrices of the non-d_model side;
///  lora: rank × Σ (in + out).
int64_t trainableParameters(const ModelConfig& c, int blocks, const RunSpec& spec);

/// Σ over one block's seven matrices of the non-d_model side (q,k,v,gate,up
/// rows; down columns; o's n_heads·head_dim side).
int64_t otherSideSumPerBlock(const ModelConfig& c);
/// Σ over one block's seven matrices of in + out.
int64_t inPlusOutSumPerBlock(const ModelConfig& c);

/// The LoRA rank whose trainable count is nearest to the amp arm at `k` (≥ 1).
int loraRankMatching(const ModelConfig& c, int k);

/// The learning rates tried for an arm when FinetuneOptions::lrGrid is empty.
std::vector<double> defaultLrGrid(Arm arm);
/// opts.lrGrid when set, otherwise defaultLrGrid(arm).
std::vector<double> lrGridFor(const FinetuneOptions& opts, Arm arm);

struct MemoryEstimate {
    double weightsMB = 0;      ///< the float32 model
    double trainStateMB = 0;   ///< trainable params, grads, AdamW moments, amp residuals
    double activationsMB = 0;  ///< saved for backward in the trained suffix
    double cacheMB = 0;        ///< prefix cache (shared by every run)
    double totalMB() const { return weightsMB + trainStateMB + activationsMB + cacheMB; }
};

/// One arm of the sweep (before lr × seed expansion).
struct PlannedArm {
    RunSpec spec;  ///< seed 0, lr 0
    int64_t trainable = 0;
    MemoryEstimate memory;
    std::vector<double> lrs;
};

/// Arms in run order: full, then amp (param × basis × K), then LoRA (ranks
/// matched to each K, duplicates dropped). K larger than d_model is skipped.
std::vector<PlannedArm> planArms(const ModelConfig& c, const FinetuneOptions& opts);

/// Every run: arms × lrs × seeds, in the order the sweep runs them.
std::vector<RunSpec> planRuns(const ModelConfig& c, const FinetuneOptions& opts);

/// Rough peak memory of one run of `spec` (runs are sequential).
MemoryEstimate estimateMemory(const ModelConfig& c, const FinetuneOptions& opts, const RunSpec& spec);

/// Windows whose prefix activations the cache holds (train + held-out).
int64_t cachedWindows(const FinetuneOptions& opts);

} // namespace ctscope
