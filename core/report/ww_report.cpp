#include "core/report/ww_report.h"

#include "core/report/analysis_report.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ctscope {

namespace {

using nlohmann::ordered_json;

ordered_json num(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); }

/// WeightWatcher's `warning` column: over-trained below α = 2, under-trained above 6.
std::string trainingWarning(double alpha) {
    if (alpha < kWwOverTrainedAlpha) return "over-trained";
    if (alpha > kWwUnderTrainedAlpha) return "under-trained";
    return "";
}

ordered_json matrixJson(const WwMatrixMetrics& m, int layerId) {
    ordered_json j;
    j["layer_id"] = layerId;
    j["N"] = m.n;
    j["M"] = m.m;
    j["num_evals"] = m.numEvals;
    j["ww_would_skip"] = !m.skipReason.empty();
    if (!m.skipReason.empty()) j["ww_skip_reason"] = m.skipReason;
    if (!m.computed) {
        j["skipped"] = m.skipReason;
        return j;
    }
    j["status"] = m.fit.ok ? "success" : "failed";
    j["alpha"] = num(m.alpha);
    j["alpha_weighted"] = num(m.alphaWeighted);
    j["xmin"] = num(m.fit.xmin);
    j["xmax"] = num(m.fit.xmax);
    j["D"] = num(m.fit.D);
    j["sigma"] = num(m.fit.sigma);
    j["num_pl_spikes"] = m.numPlSpikes;
    j["num_fitted"] = m.fit.fitted;
    j["norm"] = num(m.norm);
    j["log_norm"] = num(m.logNorm);
    j["spectral_norm"] = num(m.spectralNorm);
    j["log_spectral_norm"] = num(m.logSpectralNorm);
    j["log_alpha_norm"] = num(m.logAlphaNorm);
    j["stable_rank"] = num(m.stableRank);
    j["matrix_rank"] = m.matrixRank;
    j["entropy"] = num(m.entropy);
    j["warning"] = trainingWarning(m.alpha);
    if (m.mp && m.mp->ok) {
        j["num_spikes"] = m.mp->numSpikes;
        j["sigma_mp"] = num(m.mp->sigmaMp);
        j["mp_softrank"] = num(m.mp->mpSoftrank);
        j["W_scale"] = num(m.mp->wScale);
        j["bulk_max"] = num(m.mp->bulkMax);
        j["bulk_min"] = num(m.mp->bulkMin);
        j["lambda_plus"] = num(m.mp->lambdaPlus);
    }
    return j;
}

ordered_json typeJson(const WwTypeSummary& s) {
    return {{"n", s.matrices},
            {"fitted", s.fitted},
            {"alpha_mean", num(s.alphaMean)},
            {"alpha_std", num(s.alphaStd)},
            {"alpha_min", num(s.alphaMin)},
            {"alpha_max", num(s.alphaMax)},
            {"alpha_stacked", num(s.stacked.alpha)},
            {"stacked_xmin", num(s.stacked.xmin)},
            {"stacked_D", num(s.stacked.D)},
            {"stacked_num_pl_spikes", s.stacked.tail},
            {"stacked_num_evals", s.stackedEvals}};
}

std::string typeName(const SpectralAnalysis& a, const WwTypeSummary& s) {
    if (s.universal) return "universal";
    std::string name = roleName(s.type);
    if (s.type == Role::Embed && a.tiedHead) name += "*";
    return name;
}

std::string csvNumber(double v) {
    if (!std::isfinite(v)) return "";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::string csvQuoted(const std::string& s) {
    if (s.find_first_of(",\"") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace

std::string wwLayerName(const std::string& tensorName) {
    const std::string suffix = ".weight";
    const size_t bracket = tensorName.find('[');
    const std::string base = bracket == std::string::npos ? tensorName : tensorName.substr(0, bracket);
    const std::string part = bracket == std::string::npos ? std::string() : tensorName.substr(bracket);
    if (base.size() > suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0)
        return base.substr(0, base.size() - suffix.size()) + part;
    return tensorName;
}

std::string analysisJsonWithWw(const SpectralAnalysis& a, const WwAnalysis& ww, const std::vector<int>& ks,
                               const std::vector<double>& budgetTaus, int indent) {
    ordered_json j = ordered_json::parse(analysisJson(a, ks, budgetTaus, -1));
    ordered_json& mats = j["matrices"];
    for (size_t i = 0; i < a.matrices.size() && i < ww.matrices.size(); ++i)
        mats[a.matrices[i].name]["ww"] = matrixJson(ww.matrices[i], ww.layerIds[i]);
    ordered_json types = ordered_json::object();
    for (const WwTypeSummary& s : ww.types) types[roleName(s.type)] = typeJson(s);
    types["universal"] = typeJson(ww.universal);
    j["ww_types"] = types;
    int wouldSkip = 0;
    for (const WwMatrixMetrics& m : ww.matrices) wouldSkip += !m.skipReason.empty();
    j["ww_settings"] = {{"definitions", "WeightWatcher 0.7.5.5 analyze() defaults: ESD = sigma^2 of W, no normalisation; "
                                        "its WW_powerlaw fit; docs/definitions.md"},
                        {"evals_thresh", kWwEvalsThresh},
                        {"min_evals", kWwMinEvals},
                        {"max_evals", kWwMaxEvals},
                        {"max_N", kWwMaxN},
                        {"compat", ww.compat},
                        {"mp_fit", ww.mpFit},
                        {"fp16", ww.fp16},
                        {"ww_would_skip", wouldSkip},
                        {"seconds", ww.seconds}};
    return j.dump(indent);
}

void writeWwCsv(const SpectralAnalysis& a, const WwAnalysis& ww, const std::string& path) {
    std::ofstream out(path);
    if (!out) throw std::runtime_error(path + ": cannot write");
    out << "layer_id,name,N,M,num_evals,alpha,alpha_weighted,stable_rank,log_spectral_norm,log_norm,log_alpha_norm,"
           "xmin,D,num_pl_spikes,type,layer,tensor,sigma,xmax,entropy,ww_would_skip";
    if (ww.mpFit) out << ",num_spikes,sigma_mp,mp_softrank,bulk_max,bulk_min";
    out << "\n";
    for (size_t i = 0; i < a.matrices.size() && i < ww.matrices.size(); ++i) {
        const MatrixResult& r = a.matrices[i];
        const WwMatrixMetrics& m = ww.matrices[i];
        if (!m.computed) continue;  // compat: WeightWatcher has no row for it
        out << ww.layerIds[i] << "," << csvQuoted(wwLayerName(r.name)) << "," << m.n << "," << m.m << "," << m.numEvals
            << "," << csvNumber(m.alpha) << "," << csvNumber(m.alphaWeighted) << "," << csvNumber(m.stableRank) << ","
            << csvNumber(m.logSpectralNorm) << "," << csvNumber(m.logNorm) << "," << csvNumber(m.logAlphaNorm) << ","
            << csvNumber(m.fit.xmin) << "," << csvNumber(m.fit.D) << "," << m.numPlSpikes << "," << roleName(r.type)
            << "," << r.layer << "," << csvQuoted(r.name) << "," << csvNumber(m.fit.sigma) << ","
            << csvNumber(m.fit.xmax) << "," << csvNumber(m.entropy) << "," << csvQuoted(m.skipReason);
        if (ww.mpFit) {
            if (m.mp && m.mp->ok)
                out << "," << m.mp->numSpikes << "," << csvNumber(m.mp->sigmaMp) << "," << csvNumber(m.mp->mpSoftrank)
                    << "," << csvNumber(m.mp->bulkMax) << "," << csvNumber(m.mp->bulkMin);
            else
                out << ",,,,,";
        }
        out << "\n";
    }
    if (!out) throw std::runtime_error(path + ": write failed");
}

std::string wwTypeTable(const SpectralAnalysis& a, const WwAnalysis& ww) {
    std::ostringstream o;
    char line[200];
    o << "\nWeightWatcher alpha by type (ESD = sigma^2, WeightWatcher 0.7.5.5 power-law fit)\n";
    o << "type         n  alpha mean    s.d.     min     max | stacked alpha     xmin       D  tail\n";
    auto row = [&](const WwTypeSummary& s) {
        char sd[16] = "      -";
        if (std::isfinite(s.alphaStd)) std::snprintf(sd, sizeof sd, "%7.4f", s.alphaStd);
        std::snprintf(line, sizeof line, "%-10s %4d  %10.4f %s %7.3f %7.3f | %13.4f %8.4g %7.4f %5d\n",
                      typeName(a, s).c_str(), s.matrices, s.alphaMean, sd, s.alphaMin, s.alphaMax, s.stacked.alpha,
                      s.stacked.xmin, s.stacked.D, s.stacked.tail);
        o << line;
    };
    for (const WwTypeSummary& s : ww.types) row(s);
    row(ww.universal);
    int skip = 0;
    for (const WwMatrixMetrics& m : ww.matrices) skip += !m.skipReason.empty();
    if (skip > 0)
        o << skip << " matrices WeightWatcher would skip (" << (ww.compat ? "left out, --ww-compat" : "measured and flagged")
          << "; see ww_would_skip)\n";
    std::snprintf(line, sizeof line, "WeightWatcher metrics of %zu matrices in %.3f s\n", ww.matrices.size(), ww.seconds);
    o << line;
    return o.str();
}

} // namespace ctscope
