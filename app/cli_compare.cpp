// `ctscope compare BASE OTHER`: what a fine-tune moved, type by type, and how
// much of it lies in the base's own top spectral directions.
#include "core/util/cli_args.h"
#include "app/commands.h"
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
#include <fstream>

namespace ctscope::cli {

namespace {
const char* kCompareUsage =
    "usage: ctscope compare BASE OTHER [--k 1,2,4,8,16,32,64] [--json FILE] [--overlay-only]\n"
    "  the update OTHER - BASE by type: rel_change and the fraction captured by the base's\n"
    "  top-K universal and per-type directions (K/d is what a random subspace captures)\n"
    "  --overlay-only: print both checkpoints' spectra side by side, no update (shapes may differ)\n";
} // namespace

int cmdCompare(int argc, char** argv) {
    try {
        Args args(argc, argv, 2, {"k", "json", "threads"}, {"help", "overlay-only", "quiet"});
        if (args.has("help")) {
            std::fputs(kCompareUsage, stdout);
            return 0;
        }
        if (args.positional().size() != 2) throw UsageError("expected BASE and OTHER");
        auto base = openCheckpoint(args.positional()[0]);
        auto other = openCheckpoint(args.positional()[1]);
        AnalysisOptions o;
        o.threads = args.getInt("threads", 0);
        TerminalProgress bar(!args.has("quiet"));
        auto report = [&](const Progress& p) { return bar.update(p); };
        const SpectralAnalysis ba = analyzeCheckpoint(*base, o, report);
        if (args.has("overlay-only")) {
            const SpectralAnalysis oa = analyzeCheckpoint(*other, o, report);
            bar.finish();
            std::printf("type      PR/d base  PR/d other   K90/d base  K90/d other\n");
            for (const TypeResult& t : ba.types) {
                const TypeResult* u = oa.type(t.type);
                std::printf("%-7s %11.4f %11.4f %12.4f %12.4f\n", roleName(t.type), t.spectrum.pr / ba.dModel,
                            u ? u->spectrum.pr / oa.dModel : 0.0, double(t.spectrum.k90) / ba.dModel,
                            u ? double(u->spectrum.k90) / oa.dModel : 0.0);
            }
            return 0;
        }
        const UpdateAnalysis up = analyzeUpdate(*base, *other, ba, report);
        bar.finish();
        const auto ks = normaliseKs(args.getIntList("k", {1, 2, 4, 8, 16, 32, 64}), ba.dModel);
        std::printf("update %s - %s (d_model %d)\n", other->path().c_str(), base->path().c_str(), ba.dModel);
        std::printf("type    rel_change");
        for (int k : ks) std::printf("   cu@%-3d ct@%-3d", k, k);
        std::printf("\n");
        nlohmann::ordered_json types = nlohmann::ordered_json::object();
        for (const UpdateTypeResult& t : up.types) {
            std::printf("%-7s %10.3e", roleName(t.type), t.relChange);
            nlohmann::ordered_json cu = nlohmann::ordered_json::object(), ct = nlohmann::ordered_json::object(),
                                   rnd = nlohmann::ordered_json::object();
            for (int k : ks) {
                const double u = t.capturedUniversal[k - 1];
                const double ty =
                    t.capturedType.empty() ? std::numeric_limits<double>::quiet_NaN() : t.capturedType[k - 1];
                // Undefined (nothing moved, or no per-type basis): "-" here, null in the JSON.
                for (double v : {u, ty}) std::isfinite(v) ? std::printf("  %7.4f", v) : std::printf("  %7s", "-");
                cu[std::to_string(k)] = u;
                ct[std::to_string(k)] = ty;
                rnd[std::to_string(k)] = double(k) / ba.dModel;
            }
            std::printf("\n");
            types[roleName(t.type)] = {{"rel_change", t.relChange},
                                       {"captured_universal", cu},
                                       {"captured_type", ct},
                                       {"random_k_over_d", rnd}};
        }
        std::printf("(cu: captured by the base's universal top-K; ct: by its per-type top-K; random: K/d)\n");
        if (args.has("json")) {
            std::ofstream out(args.get("json"));
            if (!out) throw std::runtime_error(args.get("json") + ": cannot write");
            out << nlohmann::ordered_json{{"d_model", ba.dModel}, {"types", types}}.dump(1) << "\n";
        }
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "ctscope compare: %s\n%s", e.what(), kCompareUsage);
        return 2;
    } catch (const Cancelled&) {
        std::fputs("\nctscope compare: cancelled\n", stderr);
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope compare: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
