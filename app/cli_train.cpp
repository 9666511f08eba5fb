// `ctscope eval` and `ctscope finetune`: the training engine on the command line.
#include "core/util/cli_args.h"
#include "app/commands.h"
#include "app/progress_stream.h"
#include "app/slurm_submit.h"
#include "app/stop_signals.h"
#include "app/terminal_progress.h"

#include "core/format/checkpoint.h"
#include "core/report/metrics_io.h"
#include "core/report/sweep_dir.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/engine_event.h"
#include "core/train/evaluate.h"
#include "core/train/finetune_args.h"
#include "core/train/finetune_sweep.h"
#include "core/train/sweep_plan.h"
#include "core/train/sweep_shards.h"
#include "core/util/error.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

namespace ctscope::cli {

namespace {

const char* kEvalUsage =
    "usage: ctscope eval CKPT --data FILE [--docs 40] [--tokenizer FILE|DIR] [--threads N]\n"
    "                    [--device auto|cpu|cuda]\n"
    "  Mean next-token loss (nats/token): documents split on <|endoftext|>, stripped, the first N,\n"
    "  each BOS (EOS for a tokenizer without one) + encode(doc) cut to the context length,\n"
    "  teacher forcing. --tokenizer: a tokenizer.json, .model or tokenizer.bin, or a folder.\n";

const char* kFinetuneUsage =
    "usage: ctscope finetune CKPT --data FILE [--tokenizer FILE|DIR] [--blocks 2] [--k 4,8,16,32,64]\n"
    "                        [--basis universal,type,random] [--arms full,amp,lora]\n"
    "                        [--param residual,reconstruct] [--steps 5] [--seq 256] [--batch 4]\n"
    "                        [--seeds 3] [--lr-grid 1e-3,3e-3,...] [--heldout-windows 16]\n"
    "                        [--threads N] [--no-prefix-cache] [--out DIR] [--dry-run] [--quiet]\n"
    "                        [--heldout-fraction 0.1] [--weight-decay 0.01] [--prefix-cache-mb 4096]\n"
    "                        [--device auto|cpu|cuda] [--bf16] [--progress text|json]\n"
    "                        [--save DIR [--save-run ID-PREFIX]] [--resume | --overwrite]\n"
    "                        [--shard i/N] [--slurm [--tasks N] [--partition P] [--time T]\n"
    "                        [--cpus-per-task C] [--gpus-per-task G] [--sbatch-arg ARG]...]\n"
    "  Trains the last N blocks: full (blocks + head), amp (W = W_res + S*B on the d_model side,\n"
    "  B = top-K rows of the universal / per-type / random basis) and LoRA at matched counts.\n"
    "  Writes DIR/metrics.jsonl, DIR/summary.csv and DIR/sweep.json (default DIR: ctscope-finetune).\n"
    "  --save DIR writes the run with the lowest held-out loss among those whose id starts with\n"
    "  --save-run (default: full) as a Hugging Face folder, e.g. for `ctscope compare CKPT DIR`.\n"
    "  A DIR that holds a sweep is never written over: --resume keeps the runs finished with the\n"
    "  same options and runs the rest; --overwrite moves it aside to DIR.old-N first.\n"
    "  --shard i/N runs shard i (0-based) of N into DIR/shards/i; --slurm writes DIR/slurm/sweep.sbatch,\n"
    "  an array job of N such tasks, and submits it (--dry-run: write it only). See docs/sweeps.md.\n"
    "  --device: where training runs (auto: CUDA when LibTorch sees a GPU); --bf16: BF16 autocast on CUDA.\n"
    "  --progress json: one JSON object per line on stdout instead of text (docs/engine-protocol.md).\n"
    "  Ctrl-C, SIGTERM or SIGHUP stop after the current step, keep every finished metrics line and\n"
    "  write summary.csv (exit 130, 143, 129); a second signal exits at once.\n";

bool stopRequested() { return StopSignals::requested(); }

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
        Args args(argc, argv, 2, {"data", "docs", "tokenizer", "threads", "device"}, {"help"});
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
        if (args.has("device") && !parseDeviceKind(args.get("device"), &o.device))
            throw UsageError("--device expects auto, cpu or cuda, got '" + args.get("device") + "'");
        auto ckpt = openCheckpoint(args.positional()[0]);
        StopSignals::install();
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
        return StopSignals::exitCode();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope eval: %s\n", e.what());
        return 1;
    }
}

int cmdFinetune(int argc, char** argv) {
    // Errors go to stderr and, with --progress json, into the stream too.
    ProgressStream stream(false);
    auto fail = [&stream](const std::string& text) {
        std::fprintf(stderr, "ctscope finetune: %s\n", text.c_str());
        stream.write(engineErrorLine(text));
        return 1;
    };
    try {
        std::set<std::string> valued = finetuneOptionFlags();
        valued.insert({"progress", "tasks", "partition", "time", "cpus-per-task", "gpus-per-task", "sbatch-arg"});
        std::set<std::string> switches = finetuneOptionSwitches();
        switches.insert({"help", "dry-run", "quiet", "overwrite", "slurm"});
        Args args(argc, argv, 2, valued, switches);
        if (args.has("help")) {
            std::fputs(kFinetuneUsage, stdout);
            return 0;
        }
        const std::string progress = args.get("progress", "text");
        if (progress != "text" && progress != "json") throw UsageError("--progress expects text or json");
        stream = ProgressStream(progress == "json");
        if (args.positional().size() != 1) throw UsageError("expected exactly one checkpoint");
        FinetuneOptions o = finetuneOptionsFromArgs(args);
        if (args.has("resume") && args.has("overwrite")) throw UsageError("--resume and --overwrite exclude each other");
        if (args.has("shard") && args.has("slurm"))
            throw UsageError("--slurm plans the shards itself; --shard is for one task");
        o.commandLine.assign(argv, argv + argc);
        const std::string sweepDir = args.get("out", kFinetuneDefaultOutDir);
        StopSignals::install();

        auto ckpt = openCheckpoint(args.positional()[0]);
        if (args.has("dry-run") && !args.has("slurm")) {
            printDryRun(*ckpt, o);
            return 0;
        }
        if (o.dataFile.empty()) throw UsageError("--data FILE is required");
        // The stream owns stdout: human-readable lines go into it as messages.
        const bool quiet = args.has("quiet") || stream.enabled();
        auto say = [&stream](const std::string& s) {
            if (stream.enabled())
                stream.write(engineMessageLine(s));
            else
                std::printf("%s\n", s.c_str());
        };
        // Nothing the user made is lost: a folder that holds a sweep is
        // resumed or moved aside, never written over.
        const std::string guarded = args.has("slurm") ? sweepDir : o.outDir;
        const ExistingSweep existing = inspectSweepDir(guarded);
        if (existing.present && args.has("overwrite")) {
            const std::string aside = moveSweepAside(guarded);
            say("moved the sweep that was in " + guarded + " to " + aside);
        } else if (existing.present && !o.resume) {
            std::fprintf(stderr,
                         "ctscope finetune: %s already holds a sweep (%s).\n"
                         "  --resume     continue it: runs finished with the same options are kept, the rest run\n"
                         "  --overwrite  move it aside to %s.old-N (nothing is deleted) and start afresh\n",
                         guarded.c_str(), existing.describe().c_str(), guarded.c_str());
            stream.write(engineErrorLine(guarded + " already holds a sweep (" + existing.describe() +
                                         "); pass --resume or --overwrite"));
            return 1;
        }
        if (args.has("slurm")) {
            SlurmRequest req;
            req.outDir = sweepDir;
            req.tasks = args.getInt("tasks", 1);
            if (req.tasks < 1) throw UsageError("--tasks must be at least 1");
            req.partition = args.get("partition");
            req.time = args.get("time");
            req.cpusPerTask = args.getInt("cpus-per-task", 0);
            req.gpusPerTask = args.getInt("gpus-per-task", 0);
            req.sbatchArgs = repeatedFlag(argc, argv, "sbatch-arg");
            req.dryRun = args.has("dry-run");
            req.taskArgs = taskArguments(argc, argv);
            req.threadsGiven = args.has("threads");
            const auto runs = planRuns(ckpt->config(), o);
            for (int i = 0; i < req.tasks; ++i) {
                req.shardRunIds.emplace_back();
                for (const RunSpec& r : shardRuns(runs, i, req.tasks)) req.shardRunIds.back().push_back(r.id());
            }
            return submitSlurmSweep(req);
        }

        const size_t total = shardRuns(planRuns(ckpt->config(), o), o.shardIndex, o.shardCount).size();
        stream.write(engineStartedLine(o.outDir, static_cast<int>(total), CTSCOPE_VERSION));
        SpectralAnalysis analysis;
        const bool amp = std::find(o.arms.begin(), o.arms.end(), Arm::Amp) != o.arms.end();
        const bool needBases = amp && std::any_of(o.bases.begin(), o.bases.end(),
                                                  [](BasisKind b) { return b != BasisKind::Random; });
        if (needBases) {
            AnalysisOptions ao;
            ao.threads = o.threads;
            ao.keepBases = true;
            TerminalProgress bar(!quiet);
            analysis = analyzeCheckpoint(*ckpt, ao, [&](const Progress& p) {
                return bar.update(p) && stream.analysis(p) && !stopRequested();
            });
        }

        size_t runIndex = 0;
        std::string currentRun;
        SweepCallbacks cb;
        cb.shouldStop = [] { return stopRequested(); };
        cb.onMessage = [&](const std::string& s) {
            if (stream.enabled() || !quiet) say(s);
        };
        cb.onRunFinished = [&stream](const RunResult& r) { stream.write(engineRunFinishedLine(r)); };
        cb.onStep = [&](const StepMetrics& m) {
            if (m.runId != currentRun) {
                currentRun = m.runId;
                ++runIndex;
            }
            stream.write(engineStepLine(m));
            if (quiet) return;
            std::printf("[%zu/%zu] %-44s step %d/%d  train %s  held-out %s  %.2f s\n", runIndex, total,
                        m.runId.c_str(), m.step, m.totalSteps, fmtLoss(m.trainLoss).c_str(),
                        fmtLoss(m.heldOutLoss).c_str(), m.seconds);
            std::fflush(stdout);
        };
        const SweepResult result = runSweep(*ckpt, analysis, o, cb);
        if (!stream.enabled()) {
            printTable(result.efficiency);
            std::printf("\nwrote %s/metrics.jsonl, summary.csv, sweep.json\n", o.outDir.c_str());
        }
        if (!o.saveDir.empty()) {
            if (result.savedRunId.empty())
                std::fprintf(stderr, "ctscope finetune: no finished run matched --save-run '%s'; nothing saved\n",
                             o.saveRun.empty() ? "full" : o.saveRun.c_str());
            else
                say("saved run " + result.savedRunId + " to " + o.saveDir);
        }
        stream.write(engineDoneLine(result.cancelled, static_cast<int>(result.runs.size()), o.outDir,
                                    result.savedRunId));
        if (result.cancelled) {
            std::fprintf(stderr,
                         "ctscope finetune: stopped after %zu finished run(s); finished metrics and summary.csv kept "
                         "(continue with --resume)\n",
                         result.runs.size());
            return StopSignals::exitCode();
        }
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "ctscope finetune: %s\n%s", e.what(), kFinetuneUsage);
        stream.write(engineErrorLine(std::string("usage: ") + e.what()));
        return 2;
    } catch (const Cancelled&) {
        std::fputs("ctscope finetune: cancelled\n", stderr);
        stream.write(engineDoneLine(true, 0, "", ""));
        return StopSignals::exitCode();
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

} // namespace ctscope::cli
