#include "core/train/sweep_plan.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace ctscope {
namespace {

struct Shapes {
    int64_t d, q, kv, f, vocab;
};

Shapes shapesOf(const ModelConfig& c) {
    const int64_t hd = c.headDim();
    return {c.dModel, c.nHeads * hd, c.nKvHeads * hd, c.ffnDim, c.vocab};
}

int64_t blockMatrixParams(const ModelConfig& c) {
    const Shapes s = shapesOf(c);
    return s.q * s.d + 2 * s.kv * s.d + s.d * s.q + 3 * s.f * s.d;
}

} // namespace

int64_t otherSideSumPerBlock(const ModelConfig& c) {
    const Shapes s = shapesOf(c);
    // q, k, v rows; o's n_heads·head_dim side (its rows when square, its
    // columns when d_model is its output side); gate, up rows; down columns.
    return s.q + 2 * s.kv + s.q + 3 * s.f;
}

int64_t inPlusOutSumPerBlock(const ModelConfig& c) {
    const Shapes s = shapesOf(c);
    return (s.q + s.d) + 2 * (s.kv + s.d) + (s.d + s.q) + 3 * (s.f + s.d);
}

int64_t trainableParameters(const ModelConfig& c, int blocks, const RunSpec& spec) {
    const int64_t n = std::clamp(blocks, 0, c.nLayers);
    switch (spec.arm) {
    case Arm::Full:
        return n * (blockMatrixParams(c) + 2 * static_cast<int64_t>(c.dModel) + (c.qkNorm ? 2 * int64_t{c.headDim()} : 0)) +
               static_cast<int64_t>(c.vocab) * c.dModel;
    case Arm::Amp:
        return n * spec.k * otherSideSumPerBlock(c);
    case Arm::Lora:
        return n * spec.k * inPlusOutSumPerBlock(c);
    }
    return 0;
}

int loraRankMatching(const ModelConfig& c, int k) {
    const double r = static_cast<double>(k) * otherSideSumPerBlock(c) / inPlusOutSumPerBlock(c);
    return std::max(1, static_cast<int>(std::lround(r)));
}

std::vector<double> defaultLrGrid(Arm arm) {
    // Amp moves K coordinates per output row, so it needs a larger step than
    // full fine-tuning for the same change in W; LoRA sits in between.
    switch (arm) {
    case Arm::Full: return {3e-4, 1e-3, 3e-3};
    case Arm::Amp: return {3e-3, 1e-2, 3e-2};
    case Arm::Lora: return {1e-3, 3e-3, 1e-2};
    }
    return {1e-3};
}

std::vector<double> lrGridFor(const FinetuneOptions& opts, Arm arm) {
    return opts.lrGrid.empty() ? defaultLrGrid(arm) : opts.lrGrid;
}

int64_t cachedWindows(const FinetuneOptions& opts) {
    return static_cast<int64_t>(opts.steps) * opts.batch * std::max(1, opts.seeds) + opts.heldOutSequences;
}

MemoryEstimate estimateMemory(const ModelConfig& c, const FinetuneOptions& opts, const RunSpec& spec) {
    constexpr double kMB = 1.0 / (1024.0 * 1024.0);
    const Shapes s = shapesOf(c);
    const int64_t blocks = std::clamp(opts.blocks, 0, c.nLayers);
    MemoryEstimate m;
    const int64_t params = c.nLayers * (blockMatrixParams(c) + 2 * s.d) + s.vocab * s.d * (c.tiedEmbeddings ? 1 : 2) + s.d;
    m.weightsMB = 4.0 * static_cast<double>(params) * kMB;
    const int64_t trainable = trainableParameters(c, opts.blocks, spec);
    double state = 4.0 * static_cast<double>(trainable) * 4.0;  // param, grad, two moments
    if (spec.arm == Arm::Amp && spec.param == AmpParam::Residual)
        state += 4.0 * static_cast<double>(blocks * blockMatrixParams(c));  // W_res copies
    m.trainStateMB = state * kMB;
    const double tokens = static_cast<double>(opts.batch) * opts.seq;
    const double perBlock = tokens * (8.0 * s.d + 2.0 * s.q + 4.0 * s.kv + 4.0 * s.f) +
                            2.0 * opts.batch * c.nHeads * static_cast<double>(opts.seq) * opts.seq;
    m.activationsMB = 4.0 * (static_cast<double>(blocks) * perBlock + 3.0 * tokens * s.vocab) * kMB;
    if (opts.prefixCache)
        m.cacheMB = 4.0 * static_cast<double>(cachedWindows(opts)) * opts.seq * s.d * kMB;
    return m;
}

std::vector<PlannedArm> planArms(const ModelConfig& c, const FinetuneOptions& opts) {
    std::vector<PlannedArm> out;
    auto add = [&](const RunSpec& spec) {
        PlannedArm a;
        a.spec = spec;
        a.trainable = trainableParameters(c, opts.blocks, spec);
        a.memory = estimateMemory(c, opts, spec);
        a.lrs = lrGridFor(opts, spec.arm);
        out.push_back(a);
    };
    std::vector<int> ks;
    for (int k : opts.ks)
        if (k >= 1 && k <= c.dModel && std::find(ks.begin(), ks.end(), k) == ks.end()) ks.push_back(k);
    const auto has = [&](Arm a) { return std::find(opts.arms.begin(), opts.arms.end(), a) != opts.arms.end(); };
    if (has(Arm::Full)) add(RunSpec{Arm::Full});
    if (has(Arm::Amp)) {
        for (AmpParam p : opts.params)
            for (BasisKind b : opts.bases)
                for (int k : ks) {
                    RunSpec r;
                    r.arm = Arm::Amp;
                    r.basis = b;
                    r.param = p;
                    r.k = k;
                    add(r);
                }
    }
    if (has(Arm::Lora)) {
        std::set<int> ranks;
        for (int k : ks) {
            const int rank = loraRankMatching(c, k);
            if (!ranks.insert(rank).second) continue;
            RunSpec r;
            r.arm = Arm::Lora;
            r.k = rank;
            r.matchK = k;
            add(r);
        }
    }
    return out;
}

std::vector<RunSpec> planRuns(const ModelConfig& c, const FinetuneOptions& opts) {
    std::vector<RunSpec> runs;
    for (const PlannedArm& a : planArms(c, opts))
        for (double lr : a.lrs)
            for (int seed = 0; seed < std::max(1, opts.seeds); ++seed) {
                RunSpec r = a.spec;
                r.lr = lr;
                r.seed = seed;
                runs.push_back(r);
            }
    return runs;
}

} // namespace ctscope
