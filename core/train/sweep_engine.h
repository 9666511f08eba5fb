#pragma once
/// The sweep loop on an already built model and packed data: runs every
/// planned run (arms × lrs × seeds) with the same data order per seed, one
/// AdamW per run, held-out loss after every step. Train-internal (LibTorch);
/// runSweep() (finetune_sweep.h) is the torch-free entry that builds the
/// inputs from a checkpoint.
#include "core/report/sweep_record.h"
#include "core/train/finetune_sweep.h"
#include "core/train/prefix_cache.h"
#include "core/train/suffix_model.h"
#include "core/train/text_data.h"

#include <functional>

namespace ctscope {

/// Frozen basis rows for an amp run: at least kMax rows of d_model values per
/// matrix type. Called once per (kind, seed) for random and once per kind
/// otherwise.
using BasisProvider = std::function<BasisTensors(BasisKind kind, int seed, int kMax)>;

/// Where the time went (for the benchmark and the log).
struct SweepStats {
    int firstBlock = 0;
    bool cacheEnabled = false;
    double cacheMB = 0;
    double cacheBuildSeconds = 0;   ///< filling the cache up front
    double prefixSeconds = 0;       ///< all prefix forwards (cache fill or per step)
    int64_t prefixWindows = 0;
    double trainStepSeconds = 0;    ///< forward + backward + optimiser, incl. prefix when uncached
    double evalSeconds = 0;         ///< held-out evaluations, incl. prefix when uncached
    int64_t steps = 0;
    int runs = 0;
};

/// Bases from a spectral analysis (universal, per-type) or random
/// orthonormal rows seeded by the run seed. Keeps a reference to `analysis`.
BasisProvider basisProviderFor(const SpectralAnalysis& analysis, int dModel);

/// Runs opts' plan (its shard's runs when opts.shardCount > 1). With
/// opts.outDir: refuses a folder that holds a sweep unless opts.resume, and
/// then skips the runs it finished with the same options (see SweepOutput).
/// `provenance` (may be null) goes into sweep.json and the config key.
SweepResult runSweepOnModel(const LlamaModel& model, const PackedData& data, const BasisProvider& bases,
                            const FinetuneOptions& opts, const SweepCallbacks& callbacks,
                            SweepStats* stats = nullptr, const SweepProvenance* provenance = nullptr);

/// One optimiser step on a batch: forward from `hidden` (the prefix's
/// output), masked loss, backward (under BF16 autocast when `bf16Autocast`;
/// CUDA only), AdamW. Gradients are dropped rather than zeroed before the
/// backward, so it writes them instead of adding into zeroed buffers.
/// Returns the batch loss (nats/token). The sweep and the benchmark share it.
double trainStep(const SuffixModel& suffix, torch::optim::Optimizer& opt, const torch::Tensor& hidden,
                 const BatchTensors& batch, bool bf16Autocast = false);

/// Mean masked next-token loss of `windows` under `suffix`, evaluated in
/// chunks of `chunk` windows without grad.
double heldOutLoss(const SuffixModel& suffix, PrefixCache& cache, const std::vector<TokenWindow>& windows,
                   int chunk);

} // namespace ctscope
