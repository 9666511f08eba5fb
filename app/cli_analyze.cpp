// `ctscope analyze`: spectra by matrix type, printed as a table and written
// as JSON/CSV.
#include "app/cli_args.h"
#include "app/commands.h"
#include "app/terminal_progress.h"

#include "core/format/checkpoint.h"
#include "core/report/analysis_report.h"
#include "core/spectral/spectral_analysis.h"
#include "core/util/error.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace ctscope::cli {

namespace {

const char* kAnalyzeUsage =
    "usage: ctscope analyze CKPT [--k 1,2,4,8,16,32,64] [--budget 0.5,0.9] [--json FILE] [--csv DIR]\n"
    "                       [--threads N] [--no-cache] [--no-tables] [--quiet]\n"
    "  CKPT: a Hugging Face folder, a .safetensors, .gguf or llama2.c .bin file, or 'demo'\n";

} // namespace

int cmdAnalyze(int argc, char** argv) {
    try {
        Args args(argc, argv, 2, {"k", "json", "csv", "threads", "cache-dir", "budget"},
                  {"no-cache", "help", "quiet", "no-tables"});
        if (args.has("help")) {
            std::fputs(kAnalyzeUsage, stdout);
            return 0;
        }
        if (args.positional().size() != 1) throw UsageError("expected exactly one checkpoint");
        const auto t0 = std::chrono::steady_clock::now();
        auto ckpt = openCheckpoint(args.positional()[0]);
        AnalysisOptions opts;
        opts.threads = args.getInt("threads", 0);
        opts.useCache = !args.has("no-cache");
        opts.cacheDir = args.get("cache-dir");
        opts.keepBases = false;
        TerminalProgress bar(!args.has("quiet"));
        SpectralAnalysis a = analyzeCheckpoint(*ckpt, opts, [&](const Progress& p) { return bar.update(p); });
        bar.finish();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        const auto ks = normaliseKs(args.getIntList("k", {1, 2, 4, 8, 16, 32, 64}), a.dModel);
        const ModelConfig& c = a.config;
        std::printf("%s  [%s%s]  d_model %d, %d layers, %d heads (%d kv), ffn %d, vocab %d  (%.2f s)\n",
                    ckpt->path().c_str(), a.checkpointFormat.c_str(), a.synthetic ? ", SYNTHETIC demo" : "",
                    a.dModel, c.nLayers, c.nHeads, c.nKvHeads, c.ffnDim, c.vocab, secs);
        std::fputs(typeTable(a, ks).c_str(), stdout);
        const auto taus = args.getDoubleList("budget", {0.5, 0.9});
        for (double t : taus)
            if (!(t > 0.0 && t <= 1.0)) throw UsageError("--budget values are energy fractions in (0, 1]");
        if (!args.has("no-tables")) std::fputs(frontierTables(a, taus).c_str(), stdout);
        if (args.has("json")) {
            const std::string path = args.get("json");
            std::ofstream out(path);
            if (!out) throw std::runtime_error(path + ": cannot write");
            out << analysisJson(a, ks, taus) << "\n";
        }
        if (args.has("csv")) writeAnalysisCsv(a, ks, args.get("csv"));
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "ctscope analyze: %s\n%s", e.what(), kAnalyzeUsage);
        return 2;
    } catch (const Cancelled&) {
        std::fputs("\nctscope analyze: cancelled\n", stderr);
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope analyze: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
