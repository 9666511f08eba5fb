// `ctscope analyze`: spectra by matrix type, printed as a table and written
// as JSON/CSV.
#include "core/util/cli_args.h"
#include "app/command_line.h"
#include "app/commands.h"
#include "app/device_analysis.h"
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

/// The options of `analyze`; the help is generated from them.
void declareAnalyze(CommandLine& cl) {
    cl.positional("CKPT", "a Hugging Face folder (safetensors or pytorch_model.bin), a .safetensors, .gguf (also "
                          "quantised or split), torch.save .pt/.pth/.bin or llama2.c .bin file, or 'demo'")
        .value("k", "1,2,4,8,16,32,64", "the K columns of the tables (top-K captured energy)")
        .value("budget", "0.5,0.9", "energy fractions in (0, 1] of the frontier tables")
        .value("json", "FILE", "write the analysis as JSON ('-': to stdout, the tables then go to stderr)")
        .value("csv", "DIR", "write the analysis as CSV files into DIR")
        .value("bases", "FILE.safetensors", "write the universal and per-type bases and their eigenvalues")
        .value("bases-k", "K", "the top K rows of each basis in --bases (default all)")
        .value("threads", "N", "worker threads (default: all cores)")
        .value("cache-dir", "DIR", "where the analysis cache lives")
        .value("precision", "auto|fast|exact", "float32 products (fast), float64 (exact), auto by model size")
        .value("device", "auto|cpu|cuda", "where the spectra are computed (auto: CUDA when a GPU is there)")
        .flag("no-cache", "neither read nor write the analysis cache")
        .flag("no-tables", "leave out the frontier tables")
        .flag("ww", "add WeightWatcher's layer metrics (alpha, D, norms, entropy) to the tables and JSON")
        .value("ww-csv", "FILE", "write them with WeightWatcher's column names (implies --ww)")
        .flag("ww-mp", "add WeightWatcher's Marchenko-Pastur fit (implies --ww)")
        .flag("ww-compat", "leave out the matrices WeightWatcher skips (otherwise measured and flagged)")
        .flag("ww-fp16", "spectra from the weights rounded to float16, as WeightWatcher on CUDA")
        .flag("quiet", "no progress line")
        .footer("--bases layout: docs/definitions.md, \"Bases as data\". --precision: fast forms Grams from\n"
                "float32 products (float64 sums) and solves in float32; exact is float64 throughout; auto\n"
                "(default) is exact for small models, fast otherwise (docs/definitions.md, \"Precision of the\n"
                "spectral engine\"). --device cuda runs in ctscope-engine (LibTorch: Grams and eigh on the GPU,\n"
                "float64 unless --precision fast, no cache); cpu is the BLAS/LAPACK engine.");
}

} // namespace

int cmdAnalyze(int argc, char** argv) {
    CommandLine cl("analyze", "Spectra by matrix type, printed as tables and written as JSON/CSV.");
    try {
        declareAnalyze(cl);
        const std::optional<Args> parsed = cl.parse(argc, argv);
        if (!parsed) return 0;
        const Args& args = *parsed;
        // With --json - the JSON owns stdout; the tables go to stderr.
        std::FILE* out = args.get("json") == "-" ? stderr : stdout;
        if (args.positional().size() != 1) throw UsageError("expected exactly one checkpoint");
        const DeviceKind device = deviceOption(args);
        if (const std::optional<int> rc = handOffForDevice(device, argc, argv)) return *rc;
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
        DeviceAnalysis ran = analyzeOnDevice(*ckpt, opts, device, [&](const Progress& p) { return bar.update(p); });
        SpectralAnalysis& a = ran.analysis;
        bar.finish();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        const auto ks = normaliseKs(args.getIntList("k", {1, 2, 4, 8, 16, 32, 64}), a.dModel);
        const ModelConfig& c = a.config;
        std::fprintf(out, "%s  [%s%s]  d_model %d, %d layers, %d heads (%d kv), ffn %d, vocab %d  (%.2f s)\n",
                    ckpt->path().c_str(), a.checkpointFormat.c_str(), a.synthetic ? ", SYNTHETIC demo" : "",
                    a.dModel, c.nLayers, c.nHeads, c.nKvHeads, c.ffnDim, c.vocab, secs);
        if (device != DeviceKind::Cpu) std::fprintf(out, "device: %s\n", ran.device.c_str());
        for (const std::string& note : ckpt->notes()) std::fprintf(out, "note: %s\n", note.c_str());
        std::fputs(typeTable(a, ks).c_str(), out);
        const auto taus = args.getDoubleList("budget", {0.5, 0.9});
        for (double t : taus)
            if (!(t > 0.0 && t <= 1.0)) throw UsageError("--budget values are energy fractions in (0, 1]");
        if (!args.has("no-tables")) std::fputs(frontierTables(a, taus).c_str(), out);
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
            std::fputs(wwTypeTable(a, *ww).c_str(), out);
        }
        if (StopSignals::requested()) throw Cancelled();  // a signal during the tables: write nothing
        if (args.has("json")) {
            AnalysisProvenance prov;
            prov.commandLine.assign(argv, argv + argc);
            prov.cacheFile = analysisCachePath(*ckpt, opts.cacheDir, opts.precision);
            const std::string json = ww ? analysisJsonWithWw(a, *ww, ks, taus) : analysisJson(a, ks, taus);
            const std::string text = withAnalysisProvenance(json, *ckpt, prov) + "\n";
            if (args.get("json") == "-")
                std::fwrite(text.data(), 1, text.size(), stdout);
            else
                writeFileAtomically(args.get("json"), text);
        }
        if (args.has("csv")) writeAnalysisCsv(a, ks, args.get("csv"));
        if (ww && args.has("ww-csv")) writeWwCsv(a, *ww, args.get("ww-csv"));
        if (args.has("bases")) writeBasesSafetensors(a, args.get("bases"), args.getInt("bases-k", 0));
        return 0;
    } catch (const UsageError& e) {
        return usageFailure("ctscope analyze", e.what());
    } catch (const Cancelled&) {
        std::fputs("\nctscope analyze: cancelled\n", stderr);
        return StopSignals::exitCode();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope analyze: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
