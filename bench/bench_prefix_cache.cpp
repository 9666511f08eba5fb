// Prefix cache: step time of an amp arm on the TinyLlama-1.1B-shaped
// checkpoint with and without the cache, in one run; then a small sweep
// (arms × seeds sharing one cache) timed both ways, and its peak RSS.
//
//   bench_prefix_cache [--model DIR] [--layers 22] [--blocks 2] [--seq 256]
//                      [--batch 1] [--steps 3] [--k 64] [--threads N] [--no-sweep]
//
// Without --model a shape-realistic BF16 checkpoint is generated in a temp
// folder first (2.2 GB). The per-step figures are medians over --steps steps
// after one warm-up step. Frozen prefix = blocks 0..L-blocks-1; the suffix's
// forward and backward, the frozen head's forward and backward and AdamW
// stay in every step either way.
#include "bench_common.h"
#include "tinyllama_shaped.h"

#include "core/format/checkpoint.h"
#include "core/train/prefix_cache.h"
#include "core/train/suffix_model.h"
#include "core/train/sweep_engine.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <random>
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

} // namespace

int main(int argc, char** argv) {
    std::string model;
    int layers = 22, blocks = 2, seq = 256, batch = 1, steps = 3, k = 64;
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    bool sweep = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string("0"); };
        if (a == "--model") model = next();
        else if (a == "--layers") layers = std::stoi(next());
        else if (a == "--blocks") blocks = std::stoi(next());
        else if (a == "--seq") seq = std::stoi(next());
        else if (a == "--batch") batch = std::stoi(next());
        else if (a == "--steps") steps = std::stoi(next());
        else if (a == "--k") k = std::stoi(next());
        else if (a == "--threads") threads = std::stoi(next());
        else if (a == "--no-sweep") sweep = false;
        else {
            std::cerr << "usage: bench_prefix_cache [--model DIR] [--layers 22] [--blocks 2] [--seq 256] [--batch 1]\n"
                         "                          [--steps 3] [--k 64] [--threads N] [--no-sweep]\n";
            return 2;
        }
    }
    at::set_num_threads(threads);
    std::filesystem::path tmp;
    if (model.empty()) {
        tmp = std::filesystem::temp_directory_path() / ("ctscope-bench-prefix-" + std::to_string(::getpid()));
        bench::ShapedModelOptions so;
        so.layers = layers;
        const auto t0 = Clock::now();
        const long long n = bench::writeShapedModel(tmp.string(), so);
        std::printf("generated %lld parameters (TinyLlama shapes, %d layers, BF16) in %.1f s\n", n, layers,
                    bench::secondsSince(t0));
        model = tmp.string();
    }
    try {
        auto ckpt = openCheckpoint(model);
        const auto tl = Clock::now();
        const LlamaModel m(loadLlamaWeights(*ckpt));
        const int first = m.layers() - blocks;
        std::printf("model: %d layers, d_model %d, float32 weights loaded in %.1f s; training blocks %d..%d + head; "
                    "%d threads; batch %d x seq %d\n",
                    m.layers(), m.dModel(), bench::secondsSince(tl), first, m.layers() - 1, threads, batch, seq);

        RunSpec spec;
        spec.arm = Arm::Amp;
        spec.basis = BasisKind::Random;
        spec.k = k;
        spec.lr = 1e-3;
        BasisTensors basis;
        basis.rows.fill(randomOrthonormalRows(m.dModel(), k, 1));
        const auto windows = randomWindows(batch * (steps + 1), seq, m.config().vocab, 7);

        double stepUncached = 0, stepCached = 0, prefixShare = 0;
        for (const bool cached : {false, true}) {
            SuffixModel suffix(m, first, spec, &basis);
            torch::optim::AdamW opt(suffix.parameters(), torch::optim::AdamWOptions(1e-3));
            PrefixCache cache(m, first, cached);
            std::vector<const TokenWindow*> all;
            std::vector<int64_t> keys;
            for (size_t i = 0; i < windows.size(); ++i) {
                all.push_back(&windows[i]);
                keys.push_back(static_cast<int64_t>(i));
            }
            double fill = 0;
            if (cached) {
                const auto tf = Clock::now();
                cache.fill(all, keys, batch);
                fill = bench::secondsSince(tf);
            }
            std::vector<double> times;
            for (int s = 0; s <= steps; ++s) {
                std::vector<const TokenWindow*> w(all.begin() + s * batch, all.begin() + (s + 1) * batch);
                std::vector<int64_t> kk(keys.begin() + s * batch, keys.begin() + (s + 1) * batch);
                const auto ts = Clock::now();
                const auto bt = batchTensors(w);
                auto loss = maskedCrossEntropy(suffix.forward(cache.hidden(w, kk)), bt.targets, bt.mask);
                opt.zero_grad();
                loss.backward();
                opt.step();
                (void)loss.item<double>();
                if (s > 0) times.push_back(bench::secondsSince(ts));  // step 0 warms up
            }
            const double med = median(times);
            if (cached) {
                stepCached = med;
                std::printf("amp K=%d with the prefix cache:    %.3f s/step (median of %d); cache of %d windows "
                            "built in %.2f s (%.0f MB)\n",
                            k, med, steps, static_cast<int>(windows.size()), fill, cache.bytes() / 1048576.0);
            } else {
                stepUncached = med;
                prefixShare = cache.prefixSeconds() / std::max(1e-9, cache.prefixWindows() / double(batch)) / med;
                std::printf("amp K=%d without the prefix cache: %.3f s/step (median of %d); the prefix is %.0f%% of it\n",
                            k, med, steps, 100.0 * prefixShare);
            }
        }
        std::printf("per-step speed-up from the prefix cache: %.2fx (target >= 2.5x)\n", stepUncached / stepCached);

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
