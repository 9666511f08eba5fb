#pragma once
/// Plain-value interface of the training engine. No LibTorch here: the UI
/// includes this header. Implementation lives in core/train/*.cpp.
#include "core/train/device.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace ctscope {

enum class Arm { Full, Amp, Lora };
enum class BasisKind { Universal, Type, Random };
/// residual: W = W_res + S·B (starts unchanged); reconstruct: W = S·B (starts
/// from the rank-K reconstruction).
enum class AmpParam { Residual, Reconstruct };

const char* armName(Arm a);
const char* basisName(BasisKind b);
const char* ampParamName(AmpParam p);

/// One training run of a sweep.
struct RunSpec {
    Arm arm = Arm::Full;
    BasisKind basis = BasisKind::Universal;  ///< amp only
    AmpParam param = AmpParam::Residual;     ///< amp only
    int k = 0;                               ///< amp: basis rows; lora: rank
    int matchK = 0;                          ///< lora: the amp K whose trainable count it matches
    int seed = 0;
    double lr = 0.0;
    /// e.g. "full-s0-lr1e-3", "amp-universal-residual-k16-s1-lr1e-2"
    std::string id() const;
};

struct FinetuneOptions {
    std::string dataFile;
    std::string tokenizerFile;  ///< empty: the checkpoint's own
    int blocks = 2;             ///< last N transformer blocks are trained
    std::vector<int> ks{4, 8, 16, 32, 64};
    std::vector<BasisKind> bases{BasisKind::Universal, BasisKind::Type, BasisKind::Random};
    std::vector<Arm> arms{Arm::Full, Arm::Amp, Arm::Lora};
    std::vector<AmpParam> params{AmpParam::Residual};
    int steps = 5;
    int seq = 256;
    int batch = 4;
    int seeds = 3;
    std::vector<double> lrGrid;   ///< empty: the engine's default grid per arm
    double heldOutFraction = 0.1;
    int heldOutSequences = 16;    ///< sequences in the held-out evaluation
    int threads = 0;              ///< 0: all cores
    /// Where the model, the prefix cache and every run's tensors live (`--device`).
    DeviceKind device = DeviceKind::Auto;
    /// CUDA only: forward and backward under BF16 autocast (weights and AdamW
    /// state stay float32). Ignored, with a log line, on the CPU.
    bool bf16Autocast = false;
    bool prefixCache = true;
    double prefixCacheMaxMB = 4096;  ///< larger caches are not built (the prefix is recomputed)
    double weightDecay = 0.01;       ///< AdamW's decoupled weight decay, same for every arm
    std::string outDir;           ///< empty: nothing written
    /// Non-empty: of the finished runs whose id starts with saveRun (default
    /// "full"), the one with the lowest held-out loss is written there as a
    /// Hugging Face folder (`--save`).
    std::string saveDir;
    std::string saveRun;
    /// outDir already holds a sweep: keep its runs finished with the same
    /// options and run only the rest (a run cut off mid-way starts again).
    /// Without it the engine refuses a folder that holds a sweep.
    bool resume = false;
    /// This process runs shard shardIndex of shardCount (0-based, see
    /// sweep_shards.h); outDir is then the shard's own folder.
    int shardIndex = 0;
    int shardCount = 1;
    /// The command line, recorded in sweep.json (provenance).
    std::vector<std::string> commandLine;
};

/// One metrics record per step per run (also one line of metrics.jsonl).
struct StepMetrics {
    std::string runId;
    RunSpec spec;
    int step = 0;                 ///< 0 = before training (held-out L₀ of this run)
    int totalSteps = 0;           ///< steps the run was planned for
    double trainLoss = std::numeric_limits<double>::quiet_NaN();
    double heldOutLoss = std::numeric_limits<double>::quiet_NaN();
    double seconds = 0.0;         ///< wall time since the run started
    int64_t trainable = 0;
};

struct RunResult {
    RunSpec spec;
    int64_t trainable = 0;
    double startLoss = std::numeric_limits<double>::quiet_NaN();  ///< held-out before step 1
    double finalLoss = std::numeric_limits<double>::quiet_NaN();  ///< held-out after the last step
    std::vector<StepMetrics> steps;
    bool completed = false;
};

struct SweepCallbacks {
    std::function<void(const StepMetrics&)> onStep;       ///< worker thread
    std::function<void(const RunResult&)> onRunFinished;  ///< worker thread
    std::function<bool()> shouldStop;                     ///< polled often; true stops
    std::function<void(const std::string&)> onMessage;    ///< log lines
};

} // namespace ctscope
