// `ctscope eval` and `ctscope finetune`: the training engine on the command line.
#include "app/cli_args.h"
#include "app/commands.h"
#include "app/terminal_progress.h"

#include "core/format/checkpoint.h"
#include "core/report/metrics_io.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/evaluate.h"
#include "core/train/finetune_sweep.h"
#include "core/train/sweep_plan.h"
#include "core/util/error.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

namespace ctscope::cli {

namespace {

const char* kEvalUsage =
    "usage: ctscope eval CKPT --data FILE [--docs 40] [--tokenizer FILE] [--threads N]\n"
    "  Mean next-token loss (nats/token): documents split on <|endoftext|>, stripped, the first N,\n"
    "  each BOS + encode(doc) cut to the context length, teacher forcing.\n";

const char* kFinetuneUsage =
    "usage: ctscope finetune CKPT --data FILE [--tokenizer FILE] [--blocks 2] [--k 4,8,16,32,64]\n"
    "                        [--basis universal,type,random] [--arms full,amp,lora]\n"
    "                        [--param residual,reconstruct] [--steps 5] [--seq 256] [--batch 4]\n"
    "                        [--seeds 3] [--lr-grid 1e-3,3e-3,...] [--heldout-windows 16]\n"
    "                        [--threads N] [--no-prefix-cache] [--out DIR] [--dry-run] [--quiet]\n"
    "                        [--save DIR [--save-run ID-PREFIX]]\n"
    "  Trains the last N blocks: full (blocks + head), amp (W = W_res + S*B on the d_model side,\n"
    "  B = top-K rows of the universal / per-type / random basis) and LoRA at matched counts.\n"
    "  Writes DIR/metrics.jsonl, DIR/summary.csv and DIR/sweep.json (default DIR: ctscope-finetune).\n"
    "  --save DIR writes the run with the lowest held-out loss among those whose id starts with\n"
    "  --save-run (default: full) as a Hugging Face folder, e.g. for `ctscope compare CKPT DIR`.\n"
    "  Ctrl-C stops after the current step and keeps every finished metrics line (exit 130).\n";

std::atomic<bool> g_stop{false};
extern "C" void onSigint(int) { g_stop = true; }

bool stopRequested() { return g_stop || TerminalProgress::interrupted(); }

template <typename T, typename F>
std::vector<T> parseNames(const std::vector<std::string>& names, const char* flag, F parse) {
    std::vector<T> out;
    for (const auto& n : names) {
        const auto v = parse(n);
        if (!v) throw UsageError(std::string("--") + flag + ": unknown value '" + n + "'");
        if (std::find(out.begin(), out.end(), *v) == out.end()) out.push_back(*v);
    }
    return out;
}

std::string fmtLoss(double v) {
    if (!std::isfinite(v)) return "nan";
    char b[32];
    std::snprintf(b, sizeof b, "%.4f", v);
    return b;
}

std::string rowLabel(Arm arm, BasisKind basis, AmpParam param, int k, int matchK) {
    char b[96];
    if (arm == Arm::Amp)
        std::snprintf(b, sizeof b, "amp  %-9s %-11s K=%-4d", basisName(basis), ampParamName(param), k);
    else if (arm == Arm::Lora)
        std::snprintf(b, sizeof b, "lora rank %-4d (~K=%d)%*s", k, matchK, matchK < 10 ? 6 : matchK < 100 ? 5 : 4, "");
    else
        std::snprintf(b, sizeof b, "full %-28s", "(blocks + head)");
    return b;
}

void printDryRun(const Checkpoint& ckpt, const FinetuneOptions& o) {
    const ModelConfig& c = ckpt.config();
    std::printf("%s: d_model %d, %d layers, %d heads (%d kv), ffn %d, vocab %d%s\n", ckpt.path().c_str(), c.dModel,
                c.nLayers, c.nHeads, c.nKvHeads, c.ffnDim, c.vocab, c.tiedEmbeddings ? ", tied head" : "");
    std::printf("training the last %d block(s); %d steps x batch %d x seq %d; %d seed(s)\n",
                std::clamp(o.blocks, 1, c.nLayers), o.steps, o.batch, o.seq, o.seeds);
    const auto arms = planArms(c, o);
    int64_t fullCount = trainableParameters(c, o.blocks, RunSpec{Arm::Full});
    std::printf("%-34s %14s %9s %11s  %s\n", "arm", "trainable", "% full", "memory MB", "lr grid");
    size_t runs = 0;
    double peak = 0;
    for (const auto& a : arms) {
        std::string lrs;
        for (double lr : a.lrs) lrs += (lrs.empty() ? "" : ",") + formatLr(lr);
        std::printf("%-34s %14lld %8.3f%% %11.0f  %s\n",
                    rowLabel(a.spec.arm, a.spec.basis, a.spec.param, a.spec.k, a.spec.matchK).c_str(),
                    static_cast<long long>(a.trainable), 100.0 * static_cast<double>(a.trainable) / fullCount,
                    a.memory.totalMB(), lrs.c_str());
        runs += a.lrs.size() * static_cast<size_t>(std::max(1, o.seeds));
        peak = std::max(peak, a.memory.totalMB());
    }
    std::printf("%zu runs; peak memory estimate %.0f MB (weights, optimiser state, activations%s)\n", runs, peak,
                o.prefixCache ? ", prefix cache" : "");
}

void printTable(const EfficiencyTable& t) {
    std::printf("\nL0 (held-out, unchanged model) = %s; full baseline = %s +- %s\n", fmtLoss(t.l0).c_str(),
                fmtLoss(t.fullMean).c_str(), fmtLoss(t.fullSpread).c_str());
    if (!t.note.empty()) std::printf("note: %s\n", t.note.c_str());
    std::printf("%-34s %12s %8s %8s %8s  %s\n", "arm", "trainable", "best lr", "start", "final", "efficiency");
    for (const auto& r : t.rows) {
        char eff[64];
        if (r.defined)
            std::snprintf(eff, sizeof eff, "%7.1f%% +- %.1f%% (n=%d)", 100.0 * r.mean, 100.0 * r.spread, r.n);
        else
            std::snprintf(eff, sizeof eff, "undefined (n=%d)", r.n);
        std::printf("%-34s %12lld %8s %8s %8s  %s\n", rowLabel(r.arm, r.basis, r.param, r.k, r.matchK).c_str(),
                    static_cast<long long>(r.trainable), formatLr(r.bestLr).c_str(), fmtLoss(r.startLoss).c_str(),
                    fmtLoss(r.finalLoss).c_str(), eff);
    }
}

} // namespace

int cmdEval(int argc, char** argv) {
    try {
        Args args(argc, argv, 2, {"data", "docs", "tokenizer", "threads"}, {"help"});
        if (args.has("help")) {
            std::fputs(kEvalUsage, stdout);
            return 0;
        }
        if (args.positional().size() != 1) throw UsageError("expected exactly one checkpoint");
        if (!args.has("data")) throw UsageError("--data FILE is required");
        EvalOptions o;
        o.dataFile = args.get("data");
        o.tokenizerFile = args.get("tokenizer");
        o.docs = args.getInt("docs", 40);
        o.threads = args.getInt("threads", 0);
        auto ckpt = openCheckpoint(args.positional()[0]);
        std::signal(SIGINT, onSigint);
        const EvalReport r = evaluateCheckpoint(*ckpt, o, [](const Progress&) { return !stopRequested(); });
        std::printf("%.4f nats/token over %lld predicted tokens (%d documents, context %d, %s tokenizer, %.2f s)\n",
                    r.loss, static_cast<long long>(r.tokens), r.docs, r.contextLength, r.tokenizerKind.c_str(),
                    r.seconds);
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "ctscope eval: %s\n%s", e.what(), kEvalUsage);
        return 2;
    } catch (const Cancelled&) {
        std::fputs("ctscope eval: cancelled\n", stderr);
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope eval: %s\n", e.what());
        return 1;
    }
}

int cmdFinetune(int argc, char** argv) {
    try {
        Args args(argc, argv, 2,
                  {"data", "tokenizer", "blocks", "k", "basis", "arms", "param", "steps", "seq", "batch", "seeds",
                   "lr-grid", "threads", "out", "heldout-windows", "save", "save-run"},
                  {"help", "no-prefix-cache", "dry-run", "quiet"});
        if (args.has("help")) {
            std::fputs(kFinetuneUsage, stdout);
            return 0;
        }
        if (args.positional().size() != 1) throw UsageError("expected exactly one checkpoint");
        FinetuneOptions o;
        o.dataFile = args.get("data");
        o.tokenizerFile = args.get("tokenizer");
        o.blocks = args.getInt("blocks", o.blocks);
        o.ks = args.getIntList("k", o.ks);
        o.bases = parseNames<BasisKind>(args.getList("basis", {"universal", "type", "random"}), "basis", basisFromName);
        o.arms = parseNames<Arm>(args.getList("arms", {"full", "amp", "lora"}), "arms", armFromName);
        o.params = parseNames<AmpParam>(args.getList("param", {"residual"}), "param", ampParamFromName);
        o.steps = args.getInt("steps", o.steps);
        o.seq = args.getInt("seq", o.seq);
        o.batch = args.getInt("batch", o.batch);
        o.seeds = args.getInt("seeds", o.seeds);
        o.lrGrid = args.getDoubleList("lr-grid", {});
        o.threads = args.getInt("threads", 0);
        o.heldOutSequences = args.getInt("heldout-windows", o.heldOutSequences);
        o.prefixCache = !args.has("no-prefix-cache");
        o.outDir = args.get("out", "ctscope-finetune");
        o.saveDir = args.get("save");
        o.saveRun = args.get("save-run");
        if (args.has("save-run") && o.saveDir.empty()) throw UsageError("--save-run needs --save DIR");
        if (o.blocks < 1 || o.steps < 1 || o.seq < 2 || o.batch < 1 || o.seeds < 1)
            throw UsageError("--blocks, --steps, --batch and --seeds must be at least 1, --seq at least 2");
        for (int k : o.ks)
            if (k < 1) throw UsageError("--k values must be at least 1");
        for (double lr : o.lrGrid)
            if (!(lr > 0)) throw UsageError("--lr-grid values must be positive");

        auto ckpt = openCheckpoint(args.positional()[0]);
        if (args.has("dry-run")) {
            printDryRun(*ckpt, o);
            return 0;
        }
        if (o.dataFile.empty()) throw UsageError("--data FILE is required");
        const bool quiet = args.has("quiet");

        SpectralAnalysis analysis;
        const bool amp = std::find(o.arms.begin(), o.arms.end(), Arm::Amp) != o.arms.end();
        const bool needBases = amp && std::any_of(o.bases.begin(), o.bases.end(),
                                                  [](BasisKind b) { return b != BasisKind::Random; });
        if (needBases) {
            AnalysisOptions ao;
            ao.threads = o.threads;
            ao.keepBases = true;
            TerminalProgress bar(!quiet);
            analysis = analyzeCheckpoint(*ckpt, ao, [&](const Progress& p) { return bar.update(p) && !stopRequested(); });
        }
        std::signal(SIGINT, onSigint);

        const size_t total = planRuns(ckpt->config(), o).size();
        size_t runIndex = 0;
        std::string currentRun;
        SweepCallbacks cb;
        cb.shouldStop = [] { return stopRequested(); };
        cb.onMessage = [quiet](const std::string& s) {
            if (!quiet) std::printf("%s\n", s.c_str());
        };
        cb.onStep = [&](const StepMetrics& m) {
            if (m.runId != currentRun) {
                currentRun = m.runId;
                ++runIndex;
            }
            if (quiet) return;
            std::printf("[%zu/%zu] %-44s step %d/%d  train %s  held-out %s  %.2f s\n", runIndex, total,
                        m.runId.c_str(), m.step, m.totalSteps, fmtLoss(m.trainLoss).c_str(),
                        fmtLoss(m.heldOutLoss).c_str(), m.seconds);
            std::fflush(stdout);
        };
        const SweepResult result = runSweep(*ckpt, analysis, o, cb);
        printTable(result.efficiency);
        std::printf("\nwrote %s/metrics.jsonl, summary.csv, sweep.json\n", o.outDir.c_str());
        if (!o.saveDir.empty()) {
            if (result.savedRunId.empty())
                std::fprintf(stderr, "ctscope finetune: no finished run matched --save-run '%s'; nothing saved\n",
                             o.saveRun.empty() ? "full" : o.saveRun.c_str());
            else
                std::printf("saved run %s to %s\n", result.savedRunId.c_str(), o.saveDir.c_str());
        }
        if (result.cancelled) {
            std::fprintf(stderr, "ctscope finetune: interrupted after %zu finished run(s); finished metrics kept\n",
                         result.runs.size());
            return 130;
        }
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "ctscope finetune: %s\n%s", e.what(), kFinetuneUsage);
        return 2;
    } catch (const Cancelled&) {
        std::fputs("ctscope finetune: cancelled\n", stderr);
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope finetune: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
