// `ctscope analyze`: spectra by matrix type, printed as a table and written
// as JSON/CSV.
#include "core/util/cli_args.h"
#include "app/commands.h"
#include "app/stop_signals.h"
#include "app/terminal_progress.h"

#include "core/format/checkpoint.h"
#include "core/report/analysis_provenance.h"
#include "core/report/analysis_report.h"
#include "core/report/bases_export.h"
#include "core/report/ww_report.h"
#include "core/spectral/analysis_cache.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/ww_half_spectra.h"
#include "core/spectral/ww_metrics.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

namespace ctscope::cli {

namespace {

const char* kAnalyzeUsage =
    "usage: ctscope analyze CKPT [--k 1,2,4,8,16,32,64] [--budget 0.5,0.9] [--json FILE] [--csv DIR]\n"
    "                       [--bases FILE.safetensors [--bases-k K]] [--threads N] [--no-cache] [--no-tables]\n"
    "                       [--precision auto|fast|exact]\n"
    "                       [--ww [--ww-csv FILE] [--ww-mp] [--ww-compat] [--ww-fp16]] [--quiet]\n"
    "  CKPT: a Hugging Face folder (safetensors or pytorch_model.bin), a .safetensors, .gguf (also\n"
    "        quantised or split), torch.save .pt/.pth/.bin or llama2.c .bin file, or 'demo'\n"
    "  --bases writes the universal and per-type bases (top K rows, default all) and their\n"
    "  eigenvalues as safetensors (layout: docs/definitions.md, \"Bases as data\").\n"
    "  --ww adds WeightWatcher's layer metrics (alpha, D, norms, entropy; per type and\n"
    "  universal) to the tables and the JSON; --ww-csv writes them with WeightWatcher's\n"
    "  column names, --ww-mp adds its Marchenko-Pastur fit, --ww-compat leaves out the\n"
    "  matrices WeightWatcher skips (otherwise they are measured and flagged), --ww-fp16\n"
    "  takes each matrix's spectrum from its weights rounded to float16, as WeightWatcher\n"
    "  does on a CUDA machine (one more pass over the weights).\n"
    "  --precision: fast forms Grams from float32 products (float64 sums) and solves in float32;\n"
    "  exact is float64 throughout; auto (default) is exact for small models, fast otherwise\n"
    "  (docs/definitions.md, \"Precision of the spectral engine\").\n";

} // namespace

int cmdAnalyze(int argc, char** argv) {
    try {
        Args args(argc, argv, 2, {"k", "json", "csv", "threads", "cache-dir", "budget", "bases", "bases-k", "ww-csv", "precision"},
                  {"no-cache", "help", "quiet", "no-tables", "ww", "ww-mp", "ww-compat", "ww-fp16"});
        if (args.has("help")) {
            std::fputs(kAnalyzeUsage, stdout);
            return 0;
        }
        if (args.positional().size() != 1) throw UsageError("expected exactly one checkpoint");
        StopSignals::install();
        const auto t0 = std::chrono::steady_clock::now();
        auto ckpt = openCheckpoint(args.positional()[0]);
        AnalysisOptions opts;
        opts.threads = args.getInt("threads", 0);
        opts.useCache = !args.has("no-cache");
        opts.cacheDir = args.get("cache-dir");
        opts.keepBases = args.has("bases");
        if (args.has("precision")) {
            const auto p = precisionFromName(args.get("precision"));
            if (!p) throw UsageError("--precision takes auto, fast or exact");
            opts.precision = *p;
        }
        TerminalProgress bar(!args.has("quiet"));
        SpectralAnalysis a = analyzeCheckpoint(*ckpt, opts, [&](const Progress& p) { return bar.update(p); });
        bar.finish();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        const auto ks = normaliseKs(args.getIntList("k", {1, 2, 4, 8, 16, 32, 64}), a.dModel);
        const ModelConfig& c = a.config;
        std::printf("%s  [%s%s]  d_model %d, %d layers, %d heads (%d kv), ffn %d, vocab %d  (%.2f s)\n",
                    ckpt->path().c_str(), a.checkpointFormat.c_str(), a.synthetic ? ", SYNTHETIC demo" : "",
                    a.dModel, c.nLayers, c.nHeads, c.nKvHeads, c.ffnDim, c.vocab, secs);
        for (const std::string& note : ckpt->notes()) std::printf("note: %s\n", note.c_str());
        std::fputs(typeTable(a, ks).c_str(), stdout);
        const auto taus = args.getDoubleList("budget", {0.5, 0.9});
        for (double t : taus)
            if (!(t > 0.0 && t <= 1.0)) throw UsageError("--budget values are energy fractions in (0, 1]");
        if (!args.has("no-tables")) std::fputs(frontierTables(a, taus).c_str(), stdout);
        const bool wantWw = args.has("ww") || args.has("ww-csv") || args.has("ww-mp") || args.has("ww-compat") ||
                            args.has("ww-fp16");
        std::optional<WwAnalysis> ww;
        if (wantWw) {
            WwOptions wo;
            wo.mpFit = args.has("ww-mp");
            wo.compat = args.has("ww-compat");
            wo.threads = opts.threads;
            if (args.has("ww-fp16")) {
                TerminalProgress half(!args.has("quiet"));
                const auto evals = halfPrecisionEigenvalues(*ckpt, a, opts.threads,
                                                            [&](const Progress& p) { return half.update(p); });
                half.finish();
                ww = analyzeWw(a, evals, wo);
                ww->fp16 = true;
            } else {
                ww = analyzeWw(a, wo);
            }
            std::fputs(wwTypeTable(a, *ww).c_str(), stdout);
        }
        if (StopSignals::requested()) throw Cancelled();  // a signal during the tables: write nothing
        if (args.has("json")) {
            AnalysisProvenance prov;
            prov.commandLine.assign(argv, argv + argc);
            prov.cacheFile = analysisCachePath(*ckpt, opts.cacheDir, opts.precision);
            const std::string json = ww ? analysisJsonWithWw(a, *ww, ks, taus) : analysisJson(a, ks, taus);
            writeFileAtomically(args.get("json"), withAnalysisProvenance(json, *ckpt, prov) + "\n");
        }
        if (args.has("csv")) writeAnalysisCsv(a, ks, args.get("csv"));
        if (ww && args.has("ww-csv")) writeWwCsv(a, *ww, args.get("ww-csv"));
        if (args.has("bases")) writeBasesSafetensors(a, args.get("bases"), args.getInt("bases-k", 0));
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "ctscope analyze: %s\n%s", e.what(), kAnalyzeUsage);
        return 2;
    } catch (const Cancelled&) {
        std::fputs("\nctscope analyze: cancelled\n", stderr);
        return StopSignals::exitCode();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope analyze: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
