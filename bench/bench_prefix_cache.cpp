// Prefix cache: step time of an amp arm on the TinyLlama-1.1B-shaped
// checkpoint with and without the cache, and of the full arm, against the
// PyTorch peer (/work/shared/peers/peer_torch_step.py) run in the same
// process tree at the same batch and sequence length; then a small sweep
// (arms × seeds sharing one cache) timed both ways, and its peak RSS.
//
//   bench_prefix_cache [--model DIR | --keep-model DIR] [--layers 22] [--blocks 2] [--seq 256]
//                      [--batch 1] [--steps 3] [--k 64] [--threads N] [--device auto|cpu|cuda]
//                      [--peer FILE | --no-peer] [--no-sweep] [--arms amp_nocache,amp_cache,full_nocache]
//
// Without --model a shape-realistic BF16 checkpoint is generated in a temp
// folder first (2.2 GB); --keep-model DIR writes it there once and reuses it.
// The per-step figures are medians over --steps steps after one warm-up
// step, as the peer's. Frozen prefix = blocks 0..L-blocks-1; the suffix's
// forward and backward, the frozen head's forward and backward and AdamW
// stay in every step either way. The peer runs first, with PEER_BATCH,
// PEER_SEQ (and DEV=cuda when --device resolves to cuda) set to match.
#include "bench_common.h"
#include "tinyllama_shaped.h"

#include "core/format/checkpoint.h"
#include "core/train/cpu_allocator.h"
#include "core/train/prefix_cache.h"
#include "core/train/suffix_model.h"
#include "core/train/sweep_engine.h"
#include "core/util/openmp_spin.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/CPUAllocator.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include <unistd.h>

using namespace ctscope;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<TokenWindow> randomWindows(int n, int seq, int vocab, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> id(3, vocab - 1);
    std::vector<TokenWindow> out(static_cast<size_t>(n));
    for (auto& w : out) {
        w.tokens.resize(static_cast<size_t>(seq) + 1);
        for (int& t : w.tokens) t = id(rng);
        w.mask.assign(static_cast<size_t>(seq), 1);
    }
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

/// The peer's "{'amp_nocache': 1.0, ...}" line as arm → ms per step.
std::map<std::string, double> parsePeer(const std::string& out) {
    std::map<std::string, double> r;
    static const std::regex item("'([a-z_]+)':\\s*([0-9.eE+-]+)");
    for (auto it = std::sregex_iterator(out.begin(), out.end(), item); it != std::sregex_iterator(); ++it)
        r[(*it)[1].str()] = std::stod((*it)[2].str());
    return r;
}

struct ArmTiming {
    double stepSeconds = 0;    ///< median per step
    double fillSeconds = 0;    ///< building the cache (cached arm)
    double cacheMB = 0;
    double prefixShare = 0;    ///< the prefix's share of an uncached step
    int64_t stepMisses = -1;   ///< CPU allocator misses in the timed steps (-1: default allocator)
};

/// Median seconds per step of one arm: forward from the prefix (cached or
/// recomputed), loss, backward, AdamW; step 0 warms up.
ArmTiming timeArm(const LlamaModel& m, int first, const RunSpec& spec, const BasisTensors* basis, bool cached,
                  const std::vector<TokenWindow>& windows, int batch, int steps) {
    ArmTiming r;
    SuffixModel suffix(m, first, spec, basis);
    torch::optim::AdamW opt(suffix.parameters(), torch::optim::AdamWOptions(spec.lr));
    PrefixCache cache(m, first, cached);
    std::vector<const TokenWindow*> all;
    std::vector<int64_t> keys;
    for (size_t i = 0; i < windows.size(); ++i) {
        all.push_back(&windows[i]);
        keys.push_back(static_cast<int64_t>(i));
    }
    if (cached) {
        const auto tf = Clock::now();
        cache.fill(all, keys, batch);
        r.fillSeconds = bench::secondsSince(tf);
        r.cacheMB = cache.bytes() / 1048576.0;
    }
    std::vector<double> times;
    auto* alloc = dynamic_cast<CachingCpuAllocator*>(c10::GetCPUAllocator());
    int64_t missesAfterWarmUp = 0;
    for (int s = 0; s <= steps; ++s) {
        if (s == 1 && alloc) missesAfterWarmUp = alloc->stats().misses;
        std::vector<const TokenWindow*> w(all.begin() + s * batch, all.begin() + (s + 1) * batch);
        std::vector<int64_t> kk(keys.begin() + s * batch, keys.begin() + (s + 1) * batch);
        if (m.device().is_cuda()) torch::cuda::synchronize();
        const auto ts = Clock::now();
        const auto bt = batchTensors(w, m.device());
        (void)trainStep(suffix, opt, cache.hidden(w, kk), bt);  // the sweep engine's own step
        if (s > 0) times.push_back(bench::secondsSince(ts));  // step 0 warms up
    }
    r.stepSeconds = median(times);
    if (alloc) r.stepMisses = alloc->stats().misses - missesAfterWarmUp;
    if (!cached)
        r.prefixShare = cache.prefixSeconds() / std::max(1e-9, cache.prefixWindows() / double(batch)) / r.stepSeconds;
    return r;
}

} // namespace

int main(int argc, char** argv) {
    ctscope::openmp_spin::reexecIfUnset(argv);  // as ctscope-engine does for training
    std::string model, keepModel, device = "auto";
    std::string peer = "/work/shared/peers/peer_torch_step.py";
    int layers = 22, blocks = 2, seq = 256, batch = 1, steps = 3, k = 64;
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    bool sweep = true;
    std::string arms = "amp_nocache,amp_cache,full_nocache";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string("0"); };
        if (a == "--model") model = next();
        else if (a == "--keep-model") keepModel = next();
        else if (a == "--layers") layers = std::stoi(next());
        else if (a == "--blocks") blocks = std::stoi(next());
        else if (a == "--seq") seq = std::stoi(next());
        else if (a == "--batch") batch = std::stoi(next());
        else if (a == "--steps") steps = std::stoi(next());
        else if (a == "--k") k = std::stoi(next());
        else if (a == "--threads") threads = std::stoi(next());
        else if (a == "--device") device = next();
        else if (a == "--peer") peer = next();
        else if (a == "--no-peer") peer.clear();
        else if (a == "--no-sweep") sweep = false;
        else if (a == "--arms") arms = next();
        else {
            std::cerr << "usage: bench_prefix_cache [--model DIR | --keep-model DIR] [--layers 22] [--blocks 2]\n"
                         "                          [--seq 256] [--batch 1] [--steps 3] [--k 64] [--threads N]\n"
                         "                          [--device auto|cpu|cuda] [--peer FILE | --no-peer] [--no-sweep]\n"
                         "                          [--arms amp_nocache,amp_cache,full_nocache]\n";
            return 2;
        }
    }
    DeviceKind requested = DeviceKind::Auto;
    if (!parseDeviceKind(device, &requested)) {
        std::cerr << "bench_prefix_cache: --device takes auto, cpu or cuda\n";
        return 2;
    }
    at::set_num_threads(threads);
    // As the sweep engine does; CTSCOPE_CPU_ALLOCATOR=default measures without it.
    CachingCpuAllocator* const caching = installCachingCpuAllocator();
    std::filesystem::path tmp;
    if (model.empty() && !keepModel.empty() && std::filesystem::exists(std::filesystem::path(keepModel) / "config.json"))
        model = keepModel;
    if (model.empty()) {
        const std::filesystem::path dir =
            !keepModel.empty() ? std::filesystem::path(keepModel)
                               : std::filesystem::temp_directory_path() / ("ctscope-bench-prefix-" + std::to_string(::getpid()));
        if (keepModel.empty()) tmp = dir;
        bench::ShapedModelOptions so;
        so.layers = layers;
        const auto t0 = Clock::now();
        const long long n = bench::writeShapedModel(dir.string(), so);
        std::printf("generated %lld parameters (TinyLlama shapes, %d layers, BF16) in %.1f s\n", n, layers,
                    bench::secondsSince(t0));
        model = dir.string();
    }
    try {
        const DeviceKind dev = resolveDevice(requested);
        // The peer first, before this process holds the model: same B, T and device.
        std::map<std::string, double> peerMs;
        if (!peer.empty() && std::filesystem::exists(peer)) {
            const std::string env = "PEER_BATCH=" + std::to_string(batch) + " PEER_SEQ=" + std::to_string(seq) +
                                    (dev == DeviceKind::Cuda ? " DEV=cuda" : " DEV=cpu");
            const std::string py = std::getenv("PEER_PYTHON") ? std::getenv("PEER_PYTHON") : "/usr/bin/python3";
            const auto tp = Clock::now();
            // The peer runs as a user would run it: without the spin setting ctscope gave itself.
            const std::string unsetSpin = openmp_spin::setByCtscope()
                                              ? std::string("env -u ") + openmp_spin::kVariable + " -u " + openmp_spin::kMarker + " "
                                              : std::string();
            const std::string out = bench::capture(unsetSpin + env + " " + py + " " + peer + " " + std::to_string(steps) + " 2>&1");
            peerMs = parsePeer(out);
            std::printf("peer %s (%s, %.0f s): %s", peer.c_str(), env.c_str(), bench::secondsSince(tp), out.c_str());
            if (peerMs.size() < 3) std::printf("peer output not understood; no ratios\n");
        } else if (!peer.empty()) {
            std::printf("peer %s not found; no ratios\n", peer.c_str());
        }

        auto ckpt = openCheckpoint(model);
        const auto tl = Clock::now();
        LlamaModel m(loadLlamaWeights(*ckpt));
        m.moveTo(torchDevice(dev));
        const int first = m.layers() - blocks;
        std::printf("model: %d layers, d_model %d, float32 weights loaded in %.1f s; training blocks %d..%d + head; "
                    "%d threads; %s; batch %d x seq %d; %s CPU allocator\n",
                    m.layers(), m.dModel(), bench::secondsSince(tl), first, m.layers() - 1, threads,
                    describeDevice(dev).c_str(), batch, seq, caching ? "caching" : "default");

        RunSpec amp;
        amp.arm = Arm::Amp;
        amp.basis = BasisKind::Random;
        amp.k = k;
        amp.lr = 1e-3;
        RunSpec full;
        full.arm = Arm::Full;
        full.lr = 1e-4;
        BasisTensors basis;
        basis.rows.fill(randomOrthonormalRows(m.dModel(), k, 1));
        const auto windows = randomWindows(batch * (steps + 1), seq, m.config().vocab, 7);

        auto wanted = [&arms](const char* name) { return ("," + arms + ",").find(std::string(",") + name + ",") != std::string::npos; };
        std::vector<std::pair<const char*, double>> timed;
        ArmTiming uncached, cachedT;
        if (wanted("amp_nocache")) {
            uncached = timeArm(m, first, amp, &basis, false, windows, batch, steps);
            timed.emplace_back("amp_nocache", uncached.stepSeconds);
            std::printf("amp K=%d without the prefix cache: %.3f s/step (median of %d); the prefix is %.0f%% of it\n",
                        k, uncached.stepSeconds, steps, 100.0 * uncached.prefixShare);
        }
        if (wanted("amp_cache")) {
            cachedT = timeArm(m, first, amp, &basis, true, windows, batch, steps);
            timed.emplace_back("amp_cache", cachedT.stepSeconds);
            std::printf("amp K=%d with the prefix cache:    %.3f s/step (median of %d); cache of %d windows built in "
                        "%.2f s (%.0f MB)\n",
                        k, cachedT.stepSeconds, steps, static_cast<int>(windows.size()), cachedT.fillSeconds,
                        cachedT.cacheMB);
        }
        if (wanted("full_nocache")) {
            const ArmTiming fullT = timeArm(m, first, full, nullptr, false, windows, batch, steps);
            timed.emplace_back("full_nocache", fullT.stepSeconds);
            std::printf("full (blocks %d..%d + head) without the cache: %.3f s/step (median of %d); %lld allocator "
                        "misses after the warm-up step\n",
                        first, m.layers() - 1, fullT.stepSeconds, steps, static_cast<long long>(fullT.stepMisses));
        }
        if (caching) {
            const auto st = caching->stats();
            std::printf("CPU allocator: %lld hits, %lld misses, %lld evictions, %.0f MB cached\n",
                        static_cast<long long>(st.hits), static_cast<long long>(st.misses),
                        static_cast<long long>(st.evictions), st.cachedBytes / 1048576.0);
        }
        if (uncached.stepSeconds > 0 && cachedT.stepSeconds > 0)
            std::printf("per-step speed-up from the prefix cache: %.2fx (target >= 2.5x)\n",
                        uncached.stepSeconds / cachedT.stepSeconds);
        if (peerMs.size() >= 3 && !timed.empty()) {
            std::printf("\n%-14s %12s %12s %22s\n", "arm", "ctscope ms", "peer ms", "ctscope/peer (<= 1.0)");
            for (const auto& [name, sec] : timed)
                std::printf("%-14s %12.1f %12.1f %22.3f\n", name, 1e3 * sec, peerMs[name], 1e3 * sec / peerMs[name]);
            std::printf("peer cache speed-up %.2fx\n\n", peerMs["amp_nocache"] / peerMs["amp_cache"]);
        }

        if (sweep) {
            // A small sweep: full + amp (random basis) at two K, two seeds, every
            // run evaluating held-out loss after each step; timed with and
            // without the shared cache.
            PackedData data;
            data.seq = seq;
            data.train = randomWindows(16, seq, m.config().vocab, 11);
            data.heldOut = randomWindows(2, seq, m.config().vocab, 13);
            FinetuneOptions o;
            o.blocks = blocks;
            o.arms = {Arm::Full, Arm::Amp};
            o.bases = {BasisKind::Random};
            o.ks = {16, k};
            o.steps = 2;
            o.batch = batch;
            o.seeds = 2;
            o.lrGrid = {1e-3};
            o.threads = threads;
            o.device = requested;
            auto bases = [&m](BasisKind, int seed, int kMax) {
                BasisTensors b;
                b.rows.fill(randomOrthonormalRows(m.dModel(), kMax, 100 + static_cast<uint64_t>(seed)));
                return b;
            };
            double total[2] = {0, 0};
            for (const bool cached : {false, true}) {
                o.prefixCache = cached;
                SweepStats stats;
                const auto t0 = Clock::now();
                const SweepResult r = runSweepOnModel(m, data, bases, o, {}, &stats);
                total[cached] = bench::secondsSince(t0);
                std::printf("sweep of %zu runs x %d steps (+ held-out after each) %s the cache: %.1f s "
                            "(prefix %.1f s over %lld windows)\n",
                            r.runs.size(), o.steps, cached ? "with   " : "without", total[cached], stats.prefixSeconds,
                            static_cast<long long>(stats.prefixWindows));
            }
            std::printf("whole-sweep speed-up from the shared prefix cache: %.2fx\n", total[0] / total[1]);
        }
        std::printf("peak RSS %.0f MB\n", bench::peakRssMb());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_prefix_cache: %s\n", e.what());
        if (!tmp.empty()) std::filesystem::remove_all(tmp);
        return 1;
    }
    if (!tmp.empty()) std::filesystem::remove_all(tmp);
    return 0;
}
