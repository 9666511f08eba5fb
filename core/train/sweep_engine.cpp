#include "core/train/sweep_engine.h"

#include "core/report/metrics_io.h"
#include "core/train/cpu_allocator.h"
#include "core/train/prefix_cache.h"
#include "core/train/save_weights.h"
#include "core/train/sweep_output.h"
#include "core/train/sweep_plan.h"
#include "core/train/sweep_shards.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

namespace ctscope {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// BF16 autocast on CUDA for the lifetime of the scope (forward and
/// backward); a no-op when `on` is false. The API moved in LibTorch 2.4.
class AutocastScope {
public:
    explicit AutocastScope(bool on) : m_on(on) {
        if (!m_on) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        m_was = at::autocast::is_autocast_enabled(at::kCUDA);
        at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
        at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
        m_was = at::autocast::is_enabled();
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        at::autocast::set_enabled(true);
#endif
        at::autocast::increment_nesting();
    }
    ~AutocastScope() {
        if (!m_on) return;
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_enabled(at::kCUDA, m_was);
#else
        at::autocast::set_enabled(m_was);
#endif
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_on;
    bool m_was = false;
};

std::vector<const TokenWindow*> pick(const std::vector<TokenWindow>& all, const std::vector<size_t>& idx) {
    std::vector<const TokenWindow*> out;
    for (size_t i : idx) out.push_back(&all[i]);
    return out;
}

} // namespace

double trainStep(const SuffixModel& suffix, torch::optim::Optimizer& opt, const torch::Tensor& hidden,
                 const BatchTensors& batch, bool bf16Autocast) {
    torch::Tensor loss;
    {
        const AutocastScope autocast(bf16Autocast);
        loss = maskedCrossEntropy(suffix.forward(hidden), batch.targets, batch.mask).to(torch::kFloat32);
        // Undefined gradients: the backward writes them rather than adding
        // into zeroed buffers (a pass less over every trainable tensor).
        for (const auto& p : suffix.parameters()) p.mutable_grad() = torch::Tensor();
        loss.backward();
    }
    opt.step();
    return loss.item<double>();
}

double heldOutLoss(const SuffixModel& suffix, PrefixCache& cache, const std::vector<TokenWindow>& windows, int chunk) {
    torch::NoGradGuard noGrad;
    double sum = 0, count = 0;
    const size_t c = static_cast<size_t>(std::max(1, chunk));
    for (size_t i = 0; i < windows.size(); i += c) {
        std::vector<const TokenWindow*> part;
        std::vector<int64_t> keys;
        for (size_t j = i; j < std::min(windows.size(), i + c); ++j) {
            part.push_back(&windows[j]);
            keys.push_back(PrefixCache::heldOutKey(j));
        }
        const auto bt = batchTensors(part, suffix.device());
        auto logits = suffix.forward(cache.hidden(part, keys));
        const double n = bt.mask.sum().item<double>();
        sum += maskedCrossEntropy(logits, bt.targets, bt.mask).item<double>() * n;
        count += n;
    }
    return count > 0 ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

SweepResult runSweepOnModel(const LlamaModel& model, const PackedData& data, const BasisProvider& bases,
                            const FinetuneOptions& opts, const SweepCallbacks& cb, SweepStats* statsOut,
                            const SweepProvenance* provenance) {
    if (opts.steps < 1 || opts.batch < 1 || opts.seeds < 1) throw std::invalid_argument("steps, batch and seeds must be ≥ 1");
    if (opts.shardCount < 1 || opts.shardIndex < 0 || opts.shardIndex >= opts.shardCount)
        throw std::invalid_argument("shard index out of range");
    if (opts.threads > 0) at::set_num_threads(opts.threads);
    installCachingCpuAllocator();  // steps reuse their large tensors instead of faulting in fresh pages
    const ModelConfig& cfg = model.config();
    const int blocks = std::clamp(opts.blocks, 1, model.layers());
    const int first = model.layers() - blocks;
    const auto arms = planArms(cfg, opts);
    const auto allRuns = planRuns(cfg, opts);
    // Every amp run draws its basis rows from the top kMax of the whole plan,
    // whichever shard runs it: a random basis depends on kMax.
    int kMax = 1;
    for (const auto& r : allRuns)
        if (r.arm == Arm::Amp) kMax = std::max(kMax, r.k);
    const auto runs = shardRuns(allRuns, opts.shardIndex, opts.shardCount);
    auto stop = [&cb]() { return cb.shouldStop && cb.shouldStop(); };
    auto say = [&cb](const std::string& s) {
        if (cb.onMessage) cb.onMessage(s);
    };

    const bool autocastOn = opts.bf16Autocast && model.device().is_cuda();
    if (opts.bf16Autocast && !autocastOn) say("--bf16 applies on cuda only: training in float32 on " + model.device().str());

    SweepStats stats;
    stats.firstBlock = first;
    SweepResult result;

    // The folder first: a sweep into a folder that holds one is refused
    // before any work, and a resumed one knows what is left.
    std::unique_ptr<SweepOutput> out;
    if (!opts.outDir.empty())
        out = std::make_unique<SweepOutput>(opts, cfg, data, first, arms, runs, kMax, provenance);
    std::vector<bool> done(runs.size(), false);
    if (out) {
        for (const std::string& w : out->warnings()) say("warning: " + w);
        for (size_t i = 0; i < runs.size(); ++i)
            if (const RunResult* r = out->finishedBefore(runs[i])) {
                result.runs.push_back(*r);
                result.runs.back().completed = true;
                done[i] = true;
            }
        if (opts.resume)
            say("resuming " + opts.outDir + ": " + std::to_string(result.runs.size()) + " of " +
                std::to_string(runs.size()) + " runs already finished with these options");
        result.efficiency = out->writeSummary(result.runs);
    }
    auto finish = [&]() {
        result.efficiency = out ? out->writeSummary(result.runs) : computeEfficiency(result.runs);
        if (statsOut) *statsOut = stats;
        return result;
    };
    const size_t keptRuns = result.runs.size();
    if (keptRuns == runs.size()) return finish();

    // Prefix cache: every train window any seed's batches touch, and the held-out set.
    const auto used = windowsUsed(data.train.size(), opts.seeds, opts.steps, opts.batch);
    const double cacheMB = static_cast<double>(used.size() + data.heldOut.size()) * data.seq * model.dModel() * 4.0 /
                           (1024.0 * 1024.0);
    bool cacheOn = opts.prefixCache && first > 0;
    if (cacheOn && cacheMB > opts.prefixCacheMaxMB) {
        say("prefix cache of " + std::to_string(static_cast<int>(cacheMB)) + " MB exceeds the limit; recomputing the prefix");
        cacheOn = false;
    }
    PrefixCache cache(model, first, cacheOn);
    if (cacheOn) {
        const auto t0 = Clock::now();
        std::vector<const TokenWindow*> w = pick(data.train, used);
        std::vector<int64_t> keys;
        for (size_t i : used) keys.push_back(PrefixCache::trainKey(i));
        for (size_t j = 0; j < data.heldOut.size(); ++j) {
            w.push_back(&data.heldOut[j]);
            keys.push_back(PrefixCache::heldOutKey(j));
        }
        if (!cache.fill(w, keys, opts.batch, stop)) {
            result.cancelled = true;
            return finish();
        }
        stats.cacheBuildSeconds = since(t0);
        say("prefix cache: " + std::to_string(cache.size()) + " windows through blocks 0.." + std::to_string(first - 1) +
            ", " + std::to_string(static_cast<int>(cache.bytes() / 1048576.0)) + " MB, built in " +
            std::to_string(stats.cacheBuildSeconds) + " s");
    }
    stats.cacheEnabled = cacheOn;
    stats.cacheMB = cache.bytes() / (1024.0 * 1024.0);

    std::map<std::pair<int, int>, BasisTensors> basisCache;
    double savedLoss = std::numeric_limits<double>::infinity();
    // Runs finished by an earlier session count for --save only when that
    // session saved too (the folder is there); otherwise the best new run is saved.
    if (!opts.saveDir.empty() && std::filesystem::exists(std::filesystem::path(opts.saveDir) / "config.json"))
        for (const RunResult& r : result.runs)
            if (saveRunMatches(r.spec.id(), opts.saveRun) && r.finalLoss < savedLoss) {
                savedLoss = r.finalLoss;
                result.savedRunId = r.spec.id();
            }

    for (size_t runIndex = 0; runIndex < runs.size(); ++runIndex) {
        if (done[runIndex]) continue;
        const RunSpec& spec = runs[runIndex];
        if (stop()) {
            result.cancelled = true;
            break;
        }
        const BasisTensors* basis = nullptr;
        if (spec.arm == Arm::Amp) {
            const auto key = std::make_pair(static_cast<int>(spec.basis), spec.basis == BasisKind::Random ? spec.seed : 0);
            auto it = basisCache.find(key);
            if (it == basisCache.end()) it = basisCache.emplace(key, bases(spec.basis, spec.seed, kMax)).first;
            basis = &it->second;
        }
        SuffixModel suffix(model, first, spec, basis);
        torch::optim::AdamW opt(suffix.parameters(),
                                torch::optim::AdamWOptions(spec.lr).weight_decay(opts.weightDecay));
        RunResult rr;
        rr.spec = spec;
        rr.trainable = suffix.trainableCount();
        if (out) out->startRun(spec.id());
        const auto t0 = Clock::now();
        auto emit = [&](int step, double trainLoss, double held) {
            StepMetrics m;
            m.runId = spec.id();
            m.spec = spec;
            m.step = step;
            m.totalSteps = opts.steps;
            m.trainLoss = trainLoss;
            m.heldOutLoss = held;
            m.seconds = since(t0);
            m.trainable = rr.trainable;
            rr.steps.push_back(m);
            if (out) out->step(m);
            if (cb.onStep) cb.onStep(m);
        };
        auto evalNow = [&]() {
            const auto te = Clock::now();
            const double l = heldOutLoss(suffix, cache, data.heldOut, opts.batch);
            stats.evalSeconds += since(te);
            return l;
        };
        rr.startLoss = evalNow();
        emit(0, std::numeric_limits<double>::quiet_NaN(), rr.startLoss);
        bool stopped = false;
        for (int step = 1; step <= opts.steps; ++step) {
            if (stop()) {
                stopped = true;
                break;
            }
            const auto ts = Clock::now();
            const auto idx = batchWindows(data.train.size(), spec.seed, step - 1, opts.batch);
            const auto windows = pick(data.train, idx);
            std::vector<int64_t> keys(idx.begin(), idx.end());
            const auto bt = batchTensors(windows, model.device());
            auto h = cache.hidden(windows, keys);
            const double trainLoss = trainStep(suffix, opt, h, bt, autocastOn);
            stats.trainStepSeconds += since(ts);
            ++stats.steps;
            rr.finalLoss = evalNow();
            emit(step, trainLoss, rr.finalLoss);
        }
        if (stopped) {
            result.cancelled = true;
            break;
        }
        rr.completed = true;
        ++stats.runs;
        // --save keeps the matching run with the lowest held-out loss so far
        // (over learning rates and seeds), overwriting the folder atomically.
        if (!opts.saveDir.empty() && saveRunMatches(spec.id(), opts.saveRun) &&
            (result.savedRunId.empty() || rr.finalLoss < savedLoss)) {
            saveFinetunedModel(model, suffix, opts.saveDir);
            result.savedRunId = spec.id();
            savedLoss = rr.finalLoss;
            say("saved " + spec.id() + " to " + opts.saveDir);
        }
        result.runs.push_back(rr);
        if (cb.onRunFinished) cb.onRunFinished(rr);
        if (out) out->writeSummary(result.runs);
    }
    stats.prefixSeconds = cache.prefixSeconds();
    stats.prefixWindows = cache.prefixWindows();
    return finish();
}

} // namespace ctscope
