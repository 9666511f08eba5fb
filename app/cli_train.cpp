// `ctscope eval` and `ctscope finetune`: the training engine on the command line.
#include "core/util/cli_args.h"
#include "app/command_line.h"
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
#include <chrono>
#include <cmath>
#include <csignal>
#include <optional>
#include <stdexcept>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

namespace ctscope::cli {

namespace {

void declareEval(CommandLine& cl) {
    cl.positional("CKPT", "the checkpoint (any CKPT form, or 'demo')")
        .value("data", "FILE", "the text to score (required): documents split on <|endoftext|>")
        .value("docs", "40", "score the first N documents")
        .value("tokenizer", "FILE|DIR", "a tokenizer.json, .model or tokenizer.bin, or a folder")
        .value("threads", "N", "worker threads (default: all cores)")
        .value("device", "auto|cpu|cuda", "where the model runs (auto: CUDA when LibTorch sees a GPU)")
        .flag("quiet", "no progress line")
        .footer("Mean next-token loss (nats/token): each document stripped, BOS (EOS for a tokenizer without\n"
                "one) + encode(doc) cut to the context length, teacher forcing.");
}

/// The finetune flags (core/train/finetune_args.h) and the command's own, with
/// the value names and descriptions of the generated help.
void declareFinetune(CommandLine& cl) {
    struct Spec {
        const char* flag;
        const char* valueName;  // nullptr: a switch
        const char* description;
    };
    static const Spec kSpecs[] = {
        {"data", "FILE", "the training text (required)"},
        {"tokenizer", "FILE|DIR", "a tokenizer file or folder (default: the checkpoint's)"},
        {"blocks", "2", "train the last N blocks"},
        {"k", "4,8,16,32,64", "the basis sizes K of the amp arm (and the matched LoRA ranks)"},
        {"basis", "universal,type,random", "the bases B of the amp arm"},
        {"arms", "full,amp,lora", "the arms to run"},
        {"param", "residual,reconstruct", "how the amp arm is parametrised"},
        {"steps", "5", "optimiser steps per run"},
        {"seq", "256", "sequence length (at least 2)"},
        {"batch", "4", "sequences per step"},
        {"seeds", "3", "seeds per arm and learning rate"},
        {"lr-grid", "1e-3,3e-3,...", "the learning rates tried (positive)"},
        {"heldout-fraction", "0.1", "the held-out part of the text"},
        {"heldout-windows", "16", "held-out windows scored per evaluation"},
        {"threads", "N", "worker threads (default: all cores)"},
        {"device", "auto|cpu|cuda", "where training runs (auto: CUDA when LibTorch sees a GPU)"},
        {"prefix-cache-mb", "4096", "memory for the cache of the frozen prefix's activations"},
        {"weight-decay", "0.01", "AdamW weight decay"},
        {"out", "DIR", "where the sweep is written (default: ctscope-finetune)"},
        {"save", "DIR", "write the best run as a Hugging Face folder"},
        {"save-run", "ID-PREFIX", "--save picks among the runs whose id starts with this (default: full)"},
        {"shard", "i/N", "run shard i (0-based) of N into DIR/shards/i"},
        {"bf16", nullptr, "BF16 autocast on CUDA"},
        {"no-prefix-cache", nullptr, "recompute the frozen prefix every step"},
        {"resume", nullptr, "continue the sweep in DIR: runs finished with the same options are kept"},
        {"overwrite", nullptr, "move the sweep in DIR aside to DIR.old-N first (nothing is deleted)"},
        {"progress", "text|json", "json: one JSON object per line on stdout (docs/engine-protocol.md)"},
        {"dry-run", nullptr, "print the plan (arms, trainable counts, memory) and stop; with --slurm write only"},
        {"quiet", nullptr, "no progress line"},
        {"slurm", nullptr, "write DIR/slurm/sweep.sbatch, an array job of --tasks shards, and submit it"},
        {"tasks", "N", "--slurm: the number of array tasks"},
        {"partition", "P", "--slurm: the partition"},
        {"time", "T", "--slurm: the time limit of each task"},
        {"cpus-per-task", "C", "--slurm: CPUs per task"},
        {"gpus-per-task", "G", "--slurm: GPUs per task"},
        {"sbatch-arg", "ARG", "--slurm: one more sbatch argument (repeatable)"},
    };
    cl.positional("CKPT", "the checkpoint (any CKPT form, or 'demo')");
    for (const Spec& s : kSpecs) {
        if (s.valueName)
            cl.value(s.flag, s.valueName, s.description);
        else
            cl.flag(s.flag, s.description);
    }
    // A flag finetune_args reads but the table above lacks would be rejected
    // as unknown: fail loudly in every test run instead.
    for (const std::string& f : finetuneOptionFlags())
        if (std::none_of(std::begin(kSpecs), std::end(kSpecs), [&](const Spec& s) { return f == s.flag && s.valueName; }))
            throw std::logic_error("finetune: --" + f + " is missing from the command line's table");
    for (const std::string& f : finetuneOptionSwitches())
        if (std::none_of(std::begin(kSpecs), std::end(kSpecs), [&](const Spec& s) { return f == s.flag && !s.valueName; }))
            throw std::logic_error("finetune: --" + f + " is missing from the command line's table");
    cl.footer(
        "Trains the last N blocks: full (blocks + head), amp (W = W_res + S*B on the d_model side,\n"
        "B = top-K rows of the universal / per-type / random basis) and LoRA at matched counts.\n"
        "Writes DIR/metrics.jsonl, DIR/summary.csv and DIR/sweep.json. A DIR that holds a sweep is never\n"
        "written over: pass --resume or --overwrite. See docs/sweeps.md for --shard and --slurm.\n"
        "Ctrl-C, SIGTERM or SIGHUP stop after the current step, keep every finished metrics line and\n"
        "write summary.csv (exit 130, 143, 129); a second signal exits at once.");
}

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
    CommandLine cl("eval", "Next-token loss of a checkpoint on a text, in nats/token.");
    try {
        declareEval(cl);
        const std::optional<Args> parsed = cl.parse(argc, argv);
        if (!parsed) return 0;
        const Args& args = *parsed;
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
        TerminalProgress bar(!args.has("quiet"));
        const EvalReport r =
            evaluateCheckpoint(*ckpt, o, [&](const Progress& p) { return bar.update(p) && !stopRequested(); });
        bar.finish();
        std::printf("%.4f nats/token over %lld predicted tokens (%d documents, context %d, %s tokenizer, %.2f s)\n",
                    r.loss, static_cast<long long>(r.tokens), r.docs, r.contextLength, r.tokenizerKind.c_str(),
                    r.seconds);
        return 0;
    } catch (const UsageError& e) {
        return usageFailure("ctscope eval", e.what());
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
        CommandLine cl("finetune", "Amplitude-only vs full fine-tuning sweep.");
        declareFinetune(cl);
        const std::optional<Args> parsed = cl.parse(argc, argv);
        if (!parsed) return 0;
        const Args& args = *parsed;
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
        TerminalProgress sweepClock(false);  // draws nothing; its estimate goes on the step lines
        const auto sweepStart = std::chrono::steady_clock::now();
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
            // The whole sweep's clock: elapsed and, after a few seconds, the time left.
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - sweepStart).count();
            const double runPart = m.totalSteps > 0 ? double(m.step) / m.totalSteps : 1.0;
            const double done = total > 0 ? (double(runIndex) - 1.0 + runPart) / double(total) : 1.0;
            const double left = sweepClock.estimateLeft(elapsed, done);
            std::string times = TerminalProgress::formatDuration(elapsed);
            if (left >= 0) times += " ETA " + TerminalProgress::formatDuration(left);
            std::printf("[%zu/%zu] %-44s step %d/%d  train %s  held-out %s  %.2f s  %s\n", runIndex, total,
                        m.runId.c_str(), m.step, m.totalSteps, fmtLoss(m.trainLoss).c_str(),
                        fmtLoss(m.heldOutLoss).c_str(), m.seconds, times.c_str());
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
        stream.write(engineErrorLine(std::string("usage: ") + e.what()));
        return usageFailure("ctscope finetune", e.what());
    } catch (const Cancelled&) {
        std::fputs("ctscope finetune: cancelled\n", stderr);
        stream.write(engineDoneLine(true, 0, "", ""));
        return StopSignals::exitCode();
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

} // namespace ctscope::cli
