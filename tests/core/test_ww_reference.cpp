// WeightWatcher's metrics of real checkpoints: stories260K (the shipped
// llama2.c file and the shared safetensors folder) against WeightWatcher
// 0.7.5.5's own table, the per-type summaries, and the JSON and CSV forms.
#include "kill_helper.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/tensor_role.h"
#include "core/report/ww_report.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/ww_half_spectra.h"
#include "core/spectral/ww_metrics.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>

using namespace ctscope;
using nlohmann::json;

namespace {

double relErr(double got, double want) { return std::abs(got - want) / std::max(std::abs(want), 1e-300); }

json loadJson(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    return json::parse(in);
}

/// Compares every matrix of `a` with WeightWatcher's rows, matched by type and
/// layer. Alpha within 1% on all but at most one; stable rank and log spectral
/// norm within 1e-3 relative on all.
/// Returns the largest relative errors of alpha, stable rank and log spectral norm.
std::array<double, 3> compareWithWeightWatcher(const SpectralAnalysis& a, const json& ref, const WwAnalysis& ww) {
    std::map<std::pair<int, int>, size_t> index;
    for (size_t i = 0; i < a.matrices.size(); ++i)
        index[{static_cast<int>(a.matrices[i].type), a.matrices[i].layer}] = i;
    REQUIRE(ref["layers"].size() == 36);
    REQUIRE(a.matrices.size() == 36);
    int alphaMisses = 0;
    double worstAlpha = 0, worstSr = 0, worstLsn = 0;
    for (const json& row : ref["layers"]) {
        const std::string name = row["name"];
        const TensorRole role = classifyTensor(name + ".weight");
        const auto it = index.find({static_cast<int>(role.role), role.layer});
        INFO(name);
        REQUIRE(it != index.end());
        const WwMatrixMetrics& m = ww.matrices[it->second];
        CHECK(m.n == row["N"].get<int64_t>());
        CHECK(m.m == row["M"].get<int64_t>());
        CHECK(m.numEvals == row["num_evals"].get<int>());
        CHECK(m.skipReason.empty());
        const double ea = relErr(m.alpha, row["alpha"]);
        const double es = relErr(m.stableRank, row["stable_rank"]);
        const double el = relErr(m.logSpectralNorm, row["log_spectral_norm"]);
        INFO("alpha " << m.alpha << " vs " << row["alpha"] << ", stable_rank " << m.stableRank << " vs "
                      << row["stable_rank"] << ", log_spectral_norm " << m.logSpectralNorm << " vs "
                      << row["log_spectral_norm"]);
        if (ea > 0.01) ++alphaMisses;
        CHECK(es <= 1e-3);
        CHECK(el <= 1e-3);
        CHECK(relErr(m.alphaWeighted, row["alpha_weighted"]) <= 0.011);
        worstAlpha = std::max(worstAlpha, ea);
        worstSr = std::max(worstSr, es);
        worstLsn = std::max(worstLsn, el);
    }
    INFO("worst relative errors: alpha " << worstAlpha << ", stable_rank " << worstSr << ", log_spectral_norm "
                                         << worstLsn);
    CHECK(alphaMisses <= 1);
    WARN("stories260K vs WeightWatcher 0.7.5.5" << (ww.fp16 ? " (float16 weights)" : "") << ": max rel. error alpha "
                                                << worstAlpha << ", stable_rank " << worstSr << ", log_spectral_norm "
                                                << worstLsn);
    return {worstAlpha, worstSr, worstLsn};
}

} // namespace

TEST_CASE("ww per-type and universal alpha summarise the matrices and fit the stacked spectra", "[ww]") {
    const SpectralAnalysis a = [] {
        auto ckpt = openCheckpoint(ctscope::test::sourcePath("resources/examples/stories260K/stories260K.bin"));
        AnalysisOptions o;
        o.useCache = false;
        o.keepBases = false;
        return analyzeCheckpoint(*ckpt, o);
    }();
    const WwAnalysis ww = analyzeWw(a);
    REQUIRE(ww.types.size() == a.types.size());
    for (size_t t = 0; t < a.types.size(); ++t) {
        double sum = 0;
        int n = 0;
        for (size_t i = 0; i < a.matrices.size(); ++i)
            if (a.matrices[i].type == a.types[t].type) {
                sum += ww.matrices[i].alpha;
                ++n;
            }
        INFO(roleName(a.types[t].type));
        CHECK(ww.types[t].matrices == n);
        CHECK(ww.types[t].alphaMean == Approx(sum / n));
        const PowerLawFit stacked = fitPowerLaw(a.types[t].spectrum.eigenvalues);
        CHECK(ww.types[t].stacked.alpha == stacked.alpha);
        CHECK(ww.types[t].stackedEvals == a.dModel);
    }
    CHECK(ww.universal.matrices == 36);
    CHECK(ww.universal.stacked.ok);
    // WeightWatcher's layer ids of a llama2.c file: sorted tensor names, from 0.
    CHECK(*std::min_element(ww.layerIds.begin(), ww.layerIds.end()) >= 0);
}

TEST_CASE("ww metrics of the shipped stories260K match WeightWatcher's output", "[ww]") {
    auto ckpt = openCheckpoint(ctscope::test::sourcePath("resources/examples/stories260K/stories260K.bin"));
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = false;
    const SpectralAnalysis a = analyzeCheckpoint(*ckpt, o);
    const json ref = loadJson(ctscope::test::sourcePath("tests/data/ww/weightwatcher_stories260K.json"));
    const auto exact = compareWithWeightWatcher(a, ref, analyzeWw(a));
    // WeightWatcher's table was taken from float16 weights: with them the
    // figures agree ten times closer.
    WwAnalysis half = analyzeWw(a, halfPrecisionEigenvalues(*ckpt, a, 2));
    half.fp16 = true;
    const auto fp16 = compareWithWeightWatcher(a, ref, half);
    CHECK(fp16[0] < 1e-4);
    CHECK(fp16[1] < 2e-5);
    CHECK(fp16[2] < 3e-4);
    CHECK(fp16[1] < exact[1] / 4);
    CHECK(fp16[2] < exact[2] / 4);
}

TEST_CASE("ww metrics of stories260K-hf match WeightWatcher 0.7.5.5 (shared peers)", "[ww]") {
    CTSCOPE_REQUIRE_SHARED("peers/weightwatcher_stories260K.json");
    CTSCOPE_REQUIRE_SHARED("models/stories260K-hf");
    auto ckpt = openCheckpoint(ctscope::test::sharedPath("models/stories260K-hf"));
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = false;
    const SpectralAnalysis a = analyzeCheckpoint(*ckpt, o);
    const json ref = loadJson(ctscope::test::sharedPath("peers/weightwatcher_stories260K.json"));
    const WwAnalysis ww = analyzeWw(a);
    compareWithWeightWatcher(a, ref, ww);
    // The safetensors folder also gives WeightWatcher's layer ids and names.
    std::map<std::string, int> ids;
    for (size_t i = 0; i < a.matrices.size(); ++i) ids[a.matrices[i].name] = ww.layerIds[i];
    for (const json& row : ref["layers"]) {
        INFO(row["name"]);
        CHECK(ids.at(row["name"].get<std::string>() + ".weight") == row["layer_id"].get<int>());
    }
}

TEST_CASE("ww JSON and CSV carry every matrix under WeightWatcher's names", "[ww]") {
    auto ckpt = openCheckpoint(ctscope::test::sourcePath("resources/examples/stories260K/stories260K.bin"));
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = false;
    const SpectralAnalysis a = analyzeCheckpoint(*ckpt, o);
    WwOptions wo;
    wo.mpFit = true;
    const WwAnalysis ww = analyzeWw(a, wo);
    const json j = json::parse(analysisJsonWithWw(a, ww, {1, 8}));
    REQUIRE(j["matrices"].size() == a.matrices.size());
    for (size_t i = 0; i < a.matrices.size(); ++i) {
        const json& w = j["matrices"][a.matrices[i].name]["ww"];
        INFO(a.matrices[i].name);
        CHECK(w["alpha"].get<double>() == ww.matrices[i].alpha);
        CHECK(w["D"].get<double>() == ww.matrices[i].fit.D);
        CHECK(w["stable_rank"].get<double>() == ww.matrices[i].stableRank);
        CHECK(w["ww_would_skip"] == false);
        CHECK(w.contains("mp_softrank"));
        for (const char* key : {"alpha_weighted", "xmin", "sigma", "num_pl_spikes", "log_spectral_norm", "log_norm",
                                "log_alpha_norm", "entropy", "bulk_max", "num_spikes"})
            CHECK(w.contains(key));
    }
    REQUIRE(j["ww_types"].contains("universal"));
    CHECK(j["ww_types"]["q"]["n"] == 5);
    CHECK(j["ww_types"]["q"]["alpha_stacked"].get<double>() == ww.types[0].stacked.alpha);
    CHECK(j["ww_types"]["embed"]["alpha_std"].is_null());  // one matrix: no spread

    ctscope::test::TempDir dir;
    writeWwCsv(a, ww, dir.file("ww.csv"));
    std::ifstream in(dir.file("ww.csv"));
    std::string header, line;
    std::getline(in, header);
    CHECK(header.rfind("layer_id,name,N,M,num_evals,alpha,alpha_weighted,stable_rank,log_spectral_norm,log_norm,"
                       "log_alpha_norm,xmin,D,num_pl_spikes,type,layer",
                       0) == 0);
    int rows = 0;
    bool sawQ0 = false;
    while (std::getline(in, line)) {
        ++rows;
        if (line.find(",layers.0.wq,64,64,64,") != std::string::npos) sawQ0 = true;
    }
    CHECK(rows == 36);
    CHECK(sawQ0);
    CHECK(wwLayerName("model.layers.3.mlp.up_proj.weight") == "model.layers.3.mlp.up_proj");
    CHECK(wwLayerName("h.0.attn.c_attn.weight[q]") == "h.0.attn.c_attn[q]");
}

TEST_CASE("ww compat drops what WeightWatcher skips, from the JSON and the CSV", "[ww]") {
    // A constructed analysis: one 8 × 64 matrix (M = 8 < min_evals) and one 64 × 64.
    SpectralAnalysis a;
    a.dModel = 64;
    for (int64_t rows : {8, 64}) {
        MatrixResult m;
        m.name = "layers.0." + std::string(rows == 8 ? "wk" : "wq");
        m.type = rows == 8 ? Role::K : Role::Q;
        m.layer = 0;
        m.rows = rows;
        m.cols = 64;
        for (int64_t i = 0; i < rows; ++i) m.singularValues.push_back(10.0 / (1.0 + static_cast<double>(i)));
        a.matrices.push_back(m);
    }
    WwOptions compat;
    compat.compat = true;
    const WwAnalysis flagged = analyzeWw(a);
    const WwAnalysis dropped = analyzeWw(a, compat);
    CHECK(flagged.matrices[0].computed);
    CHECK(flagged.matrices[0].skipReason == "num_evals 8 < min_evals 10");
    CHECK_FALSE(dropped.matrices[0].computed);
    CHECK(dropped.matrices[1].computed);
    CHECK(dropped.universal.fitted == 1);
    CHECK(flagged.universal.fitted == 2);
    const json j = json::parse(analysisJsonWithWw(a, dropped, {1}));
    CHECK(j["matrices"]["layers.0.wk"]["ww"]["skipped"] == "num_evals 8 < min_evals 10");
    CHECK_FALSE(j["matrices"]["layers.0.wk"]["ww"].contains("alpha"));
    CHECK(j["matrices"]["layers.0.wq"]["ww"]["ww_would_skip"] == false);
    ctscope::test::TempDir dir;
    writeWwCsv(a, dropped, dir.file("ww.csv"));
    std::ifstream in(dir.file("ww.csv"));
    std::string line;
    int rows = -1;
    while (std::getline(in, line)) ++rows;
    CHECK(rows == 1);
}

TEST_CASE("ww command line: analyze --ww writes the metrics into the JSON and the CSV", "[ww]") {
    ctscope::test::TempDir dir;
    const std::string jsonFile = dir.file("s.json"), csvFile = dir.file("ww.csv");
    const auto r = ctscope::test::runChild(
        {ctscope::test::ctscopeBinary(), "analyze", ctscope::test::sourcePath("resources/examples/stories260K/stories260K.bin"),
         "--ww", "--ww-mp", "--json", jsonFile, "--ww-csv", csvFile, "--no-cache", "--quiet", "--no-tables"},
        dir.file("log.txt"), -1);
    std::ifstream log(dir.file("log.txt"));
    const std::string out((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    INFO(out);
    REQUIRE(r.exitCode == 0);
    CHECK(out.find("WeightWatcher alpha by type") != std::string::npos);
    const json j = loadJson(jsonFile);
    CHECK(j["ww_settings"]["mp_fit"] == true);
    CHECK(j["ww_types"].contains("universal"));
    CHECK(j["matrices"]["layers.0.wq"]["ww"]["alpha"].get<double>() == Approx(1.7331581609).epsilon(1e-3));
    CHECK(j["matrices"]["layers.0.wq"]["ww"].contains("mp_softrank"));
    std::ifstream csv(csvFile);
    std::string line;
    int rows = -1;
    while (std::getline(csv, line)) ++rows;
    CHECK(rows == 36);
}
