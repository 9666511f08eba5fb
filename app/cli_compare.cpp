// `ctscope compare BASE OTHER`: what a fine-tune moved, type by type, and how
// much of it lies in the base's own top spectral directions.
#include "core/util/cli_args.h"
#include "app/command_line.h"
#include "app/commands.h"
#include "app/device_analysis.h"
#include "app/terminal_progress.h"

#include "core/format/checkpoint.h"
#include "core/report/analysis_report.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/update_analysis.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <fstream>

namespace ctscope::cli {

namespace {
void declareCompare(CommandLine& cl) {
    cl.positional("BASE", "the base checkpoint (any CKPT form, or 'demo')")
        .positional("OTHER", "the fine-tuned checkpoint")
        .value("k", "1,2,4,8,16,32,64", "the K columns: fraction captured by the base's top-K directions")
        .value("json", "FILE", "write the update by type as JSON ('-': to stdout, the table then goes to stderr)")
        .value("threads", "N", "worker threads (default: all cores)")
        .value("device", "auto|cpu|cuda", "where the base's spectra are computed (auto: CUDA when a GPU is there)")
        .flag("overlay-only", "print both checkpoints' spectra side by side, no update (shapes may differ)")
        .flag("quiet", "no progress line")
        .footer("The update OTHER - BASE by type: rel_change and the fraction captured by the base's top-K\n"
                "universal and per-type directions (K/d is what a random subspace captures).");
}
} // namespace

int cmdCompare(int argc, char** argv) {
    CommandLine cl("compare", "What a fine-tune moved, type by type, in the base's spectral directions.");
    try {
        declareCompare(cl);
        const std::optional<Args> parsed = cl.parse(argc, argv);
        if (!parsed) return 0;
        const Args& args = *parsed;
        const bool jsonToStdout = args.get("json") == "-";
        std::FILE* text = jsonToStdout ? stderr : stdout;
        if (args.positional().size() != 2) throw UsageError("expected BASE and OTHER");
        const DeviceKind device = deviceOption(args);
        if (const std::optional<int> rc = handOffForDevice(device, argc, argv)) return *rc;
        auto base = openCheckpoint(args.positional()[0]);
        auto other = openCheckpoint(args.positional()[1]);
        AnalysisOptions o;
        o.threads = args.getInt("threads", 0);
        TerminalProgress bar(!args.has("quiet"));
        auto report = [&](const Progress& p) { return bar.update(p); };
        const SpectralAnalysis ba = analyzeOnDevice(*base, o, device, report).analysis;
        if (args.has("overlay-only")) {
            const SpectralAnalysis oa = analyzeOnDevice(*other, o, device, report).analysis;
            bar.finish();
            std::fprintf(text, "type      PR/d base  PR/d other   K90/d base  K90/d other\n");
            for (const TypeResult& t : ba.types) {
                const TypeResult* u = oa.type(t.type);
                std::fprintf(text, "%-7s %11.4f %11.4f %12.4f %12.4f\n", roleName(t.type), t.spectrum.pr / ba.dModel,
                            u ? u->spectrum.pr / oa.dModel : 0.0, double(t.spectrum.k90) / ba.dModel,
                            u ? double(u->spectrum.k90) / oa.dModel : 0.0);
            }
            return 0;
        }
        const UpdateAnalysis up = analyzeUpdate(*base, *other, ba, report);
        bar.finish();
        const auto ks = normaliseKs(args.getIntList("k", {1, 2, 4, 8, 16, 32, 64}), ba.dModel);
        std::fprintf(text, "update %s - %s (d_model %d)\n", other->path().c_str(), base->path().c_str(), ba.dModel);
        std::fprintf(text, "type    rel_change");
        for (int k : ks) std::fprintf(text, "   cu@%-3d ct@%-3d", k, k);
        std::fprintf(text, "\n");
        nlohmann::ordered_json types = nlohmann::ordered_json::object();
        for (const UpdateTypeResult& t : up.types) {
            std::fprintf(text, "%-7s %10.3e", roleName(t.type), t.relChange);
            nlohmann::ordered_json cu = nlohmann::ordered_json::object(), ct = nlohmann::ordered_json::object(),
                                   rnd = nlohmann::ordered_json::object();
            for (int k : ks) {
                const double u = t.capturedUniversal[k - 1];
                const double ty =
                    t.capturedType.empty() ? std::numeric_limits<double>::quiet_NaN() : t.capturedType[k - 1];
                // Undefined (nothing moved, or no per-type basis): "-" here, null in the JSON.
                for (double v : {u, ty}) std::isfinite(v) ? std::fprintf(text, "  %7.4f", v) : std::fprintf(text, "  %7s", "-");
                cu[std::to_string(k)] = u;
                ct[std::to_string(k)] = ty;
                rnd[std::to_string(k)] = double(k) / ba.dModel;
            }
            std::fprintf(text, "\n");
            types[roleName(t.type)] = {{"rel_change", t.relChange},
                                       {"captured_universal", cu},
                                       {"captured_type", ct},
                                       {"random_k_over_d", rnd}};
        }
        std::fprintf(text, "(cu: captured by the base's universal top-K; ct: by its per-type top-K; random: K/d)\n");
        if (args.has("json")) {
            const std::string json = nlohmann::ordered_json{{"d_model", ba.dModel}, {"types", types}}.dump(1) + "\n";
            if (jsonToStdout) {
                std::fwrite(json.data(), 1, json.size(), stdout);
            } else {
                std::ofstream out(args.get("json"));
                if (!out) throw std::runtime_error(args.get("json") + ": cannot write");
                out << json;
            }
        }
        return 0;
    } catch (const UsageError& e) {
        return usageFailure("ctscope compare", e.what());
    } catch (const Cancelled&) {
        std::fputs("\nctscope compare: cancelled\n", stderr);
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope compare: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
