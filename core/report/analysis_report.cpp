#include "core/report/analysis_report.h"

#include "core/report/frontier.h"
#include "core/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ctscope {

namespace {

using nlohmann::ordered_json;

ordered_json atKs(const std::vector<double>& curve, const std::vector<int>& ks) {
    ordered_json j = ordered_json::object();
    for (int k : ks)
        if (k >= 1 && static_cast<size_t>(k) <= curve.size()) j[std::to_string(k)] = curve[static_cast<size_t>(k - 1)];
    return j;
}

// Each CSV is built in memory and written atomically by commit(): a crash
// leaves the old file or the new one, never half of one.
struct CsvOut {
    std::string path;
    std::ostringstream text;
};

CsvOut openCsv(const std::string& dir, const std::string& name) {
    CsvOut out;
    out.path = dir + "/" + name;
    out.text.precision(10);
    return out;
}

template <typename T>
CsvOut& operator<<(CsvOut& out, const T& v) {
    out.text << v;
    return out;
}

void commit(CsvOut& out) { writeFileAtomically(out.path, out.text.str()); }

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

} // namespace

std::vector<int> normaliseKs(const std::vector<int>& ks, int dModel) {
    std::vector<int> out;
    for (int k : ks) {
        const int c = std::clamp(k, 1, std::max(1, dModel));
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    return out;
}

std::string analysisJson(const SpectralAnalysis& a, const std::vector<int>& ks, const std::vector<double>& budgetTaus,
                         int indent) {
    ordered_json j;
    j["d_model"] = a.dModel;
    j["checkpoint"] = a.checkpointPath;
    j["format"] = a.checkpointFormat;
    j["synthetic"] = a.synthetic;
    j["tied_head"] = a.tiedHead;
    j["universal"] = {{"pr", a.universal.pr},
                      {"k50", a.universal.k50},
                      {"k90", a.universal.k90},
                      {"energy", atKs(a.universal.energy, ks)}};
    ordered_json types = ordered_json::object();
    for (const TypeResult& t : a.types) {
        types[roleName(t.type)] = {{"matrices", t.matrices},
                                   {"pr", t.spectrum.pr},
                                   {"k50", t.spectrum.k50},
                                   {"k90", t.spectrum.k90},
                                   {"r2_universal", atKs(t.r2Universal, ks)},
                                   {"r2_type", atKs(t.r2Type, ks)}};
        if (t.type == Role::Embed && a.tiedHead) types[roleName(t.type)]["tied_head"] = true;
    }
    j["types"] = types;
    ordered_json mats = ordered_json::object();
    for (const MatrixResult& m : a.matrices)
        mats[m.name] = {{"type", roleName(m.type)}, {"layer", m.layer},     {"shape", {m.rows, m.cols}},
                        {"pr", m.pr},               {"k50", m.k50},         {"k90", m.k90},
                        {"sigma_max", m.sigmaMax},  {"stable_rank", m.stableRank}};
    j["matrices"] = mats;
    ordered_json skipped = ordered_json::array();
    for (const SkippedTensor& s : a.skipped) skipped.push_back({{"name", s.name}, {"reason", s.reason}});
    j["skipped"] = skipped;

    ordered_json frontier = ordered_json::array();
    for (const FrontierRow& r : compressionFrontier(a, defaultFrontierKs(a)))
        frontier.push_back({{"k", r.k},
                            {"k_over_d", r.kOverD},
                            {"energy", r.energy},
                            {"compression", r.compression},
                            {"r2_universal_mean", r.r2UniversalMean},
                            {"r2_type_mean", r.r2TypeMean},
                            {"gain", r.gain}});
    j["frontier"] = frontier;
    const GroupComparison g = compareGroups(a, 32);
    auto group = [](const GroupSummary& s) {
        return ordered_json{{"pr", s.pr}, {"k90", s.k90}, {"r2_type", s.r2Type}, {"types", s.types}};
    };
    j["groups"] = {{"k", g.k},
                   {"attention", group(g.attention)},
                   {"mlp", group(g.mlp)},
                   {"mlp_over_attention_pr", g.mlpOverAttentionPr},
                   {"mlp_over_attention_k90", g.mlpOverAttentionK90}};
    ordered_json budgets = ordered_json::object();
    for (double tau : budgetTaus) {
        const Budget b = energyBudget(a, tau);
        ordered_json types = ordered_json::object();
        for (const BudgetType& t : b.types)
            types[roleName(t.type)] = {{"k", t.k}, {"r2", t.r2}, {"params", t.params}, {"original", t.original}};
        char key[32];
        std::snprintf(key, sizeof key, "%g", tau);
        budgets[key] = {{"types", types}, {"params", b.params}, {"original", b.original}, {"fraction", b.fraction}};
    }
    j["budget"] = budgets;
    return j.dump(indent);
}

std::string typeTable(const SpectralAnalysis& a, const std::vector<int>& ks) {
    std::ostringstream o;
    o << "type       n       PR    K50    K90";
    for (int k : ks) {
        char col[48];
        std::snprintf(col, sizeof col, "  %7s %7s", ("R2u@" + std::to_string(k)).c_str(),
                      ("R2t@" + std::to_string(k)).c_str());
        o << col;
    }
    o << "\n";
    for (const TypeResult& t : a.types) {
        std::string name = roleName(t.type);
        if (t.type == Role::Embed && a.tiedHead) name += "*";
        char head[96];
        std::snprintf(head, sizeof head, "%-7s %4d %8.2f %6d %6d", name.c_str(), t.matrices, t.spectrum.pr,
                      t.spectrum.k50, t.spectrum.k90);
        o << head;
        for (int k : ks) {
            o << "  " << fmt("%7.4f", t.r2Universal[static_cast<size_t>(k - 1)]) << " "
              << fmt("%7.4f", t.r2Type[static_cast<size_t>(k - 1)]);
        }
        o << "\n";
    }
    char uni[96];
    std::snprintf(uni, sizeof uni, "%-7s %4zu %8.2f %6d %6d", "univ", a.matrices.size(), a.universal.pr,
                  a.universal.k50, a.universal.k90);
    o << uni;
    for (int k : ks) o << "  " << fmt("%7.4f", a.universal.energyAt(k)) << "        ";
    o << "\n";
    if (a.tiedHead) o << "* the head is tied to the embedding: counted once, as embed\n";
    if (!a.skipped.empty()) o << a.skipped.size() << " tensors outside the nine types were skipped (see --json)\n";
    return o.str();
}

std::string frontierTables(const SpectralAnalysis& a, const std::vector<double>& budgetTaus) {
    std::ostringstream o;
    char line[200];
    o << "\nCompression frontier (mean over " << a.types.size() << " types)\n";
    o << "     K    K/d   E_u(K)    d/K   R2 univ   R2 type    gain\n";
    for (const FrontierRow& r : compressionFrontier(a, defaultFrontierKs(a))) {
        std::snprintf(line, sizeof line, "%6d %5.1f%% %8.4f %6.1f %9.4f %9.4f %6.2fx\n", r.k, 100 * r.kOverD, r.energy,
                      r.compression, r.r2UniversalMean, r.r2TypeMean, r.gain);
        o << line;
    }
    const GroupComparison g = compareGroups(a, 32);
    o << "\nAttention vs MLP (R2 per-type basis at K=" << g.k << ")\n";
    o << "group         PR     K90   R2 type\n";
    for (auto [name, s] : {std::pair{"attention", g.attention}, std::pair{"mlp", g.mlp}}) {
        std::snprintf(line, sizeof line, "%-9s %7.2f %7.1f %9.4f\n", name, s.pr, s.k90, s.r2Type);
        o << line;
    }
    std::snprintf(line, sizeof line, "MLP/attention: PR %.2fx, K90 %.2fx\n", g.mlpOverAttentionPr, g.mlpOverAttentionK90);
    o << line;
    for (double tau : budgetTaus) {
        const Budget b = energyBudget(a, tau);
        std::snprintf(line, sizeof line, "\nPer-type K budget, E_t(K_t) >= %.2f\n", tau);
        o << line << "type       K_t   R2(K_t)        params      original\n";
        for (const BudgetType& t : b.types) {
            std::snprintf(line, sizeof line, "%-7s %6d %9.4f %13lld %13lld\n", roleName(t.type), t.k, t.r2, t.params,
                          t.original);
            o << line;
        }
        std::snprintf(line, sizeof line, "total                    %13lld %13lld  fraction %.4f\n", b.params, b.original,
                      b.fraction);
        o << line;
    }
    return o.str();
}

void writeAnalysisCsv(const SpectralAnalysis& a, const std::vector<int>& ks, const std::string& dir) {
    std::filesystem::create_directories(dir);
    {
        auto out = openCsv(dir, "types.csv");
        out << "type,matrices,pr,k50,k90,tied_head";
        for (int k : ks) out << ",r2_universal_k" << k << ",r2_type_k" << k;
        out << "\n";
        for (const TypeResult& t : a.types) {
            out << roleName(t.type) << "," << t.matrices << "," << t.spectrum.pr << "," << t.spectrum.k50 << ","
                << t.spectrum.k90 << "," << (t.type == Role::Embed && a.tiedHead ? 1 : 0);
            for (int k : ks)
                out << "," << t.r2Universal[static_cast<size_t>(k - 1)] << "," << t.r2Type[static_cast<size_t>(k - 1)];
            out << "\n";
        }
        commit(out);
    }
    {
        auto out = openCsv(dir, "matrices.csv");
        out << "name,type,layer,rows,cols,pr,k50,k90,sigma_max,stable_rank\n";
        for (const MatrixResult& m : a.matrices)
            out << m.name << "," << roleName(m.type) << "," << m.layer << "," << m.rows << "," << m.cols << ","
                << m.pr << "," << m.k50 << "," << m.k90 << "," << m.sigmaMax << "," << m.stableRank << "\n";
        commit(out);
    }
    {
        auto out = openCsv(dir, "energy.csv");
        out << "k,universal";
        for (const TypeResult& t : a.types) out << "," << roleName(t.type);
        out << "\n";
        for (int k = 1; k <= a.dModel; ++k) {
            out << k << "," << a.universal.energyAt(k);
            for (const TypeResult& t : a.types) out << "," << t.spectrum.energyAt(k);
            out << "\n";
        }
        commit(out);
    }
    {
        auto out = openCsv(dir, "r2.csv");
        out << "type,k,r2_universal,r2_type\n";
        for (const TypeResult& t : a.types)
            for (size_t k = 1; k <= t.r2Universal.size(); ++k)
                out << roleName(t.type) << "," << k << "," << t.r2Universal[k - 1] << "," << t.r2Type[k - 1] << "\n";
        commit(out);
    }
    {
        auto out = openCsv(dir, "singular_values.csv");
        out << "name,index,sigma\n";
        for (const MatrixResult& m : a.matrices)
            for (size_t i = 0; i < m.singularValues.size(); ++i)
                out << m.name << "," << (i + 1) << "," << m.singularValues[i] << "\n";
        commit(out);
    }
    {
        auto out = openCsv(dir, "skipped.csv");
        out << "name,reason\n";
        for (const SkippedTensor& s : a.skipped) out << s.name << ",\"" << s.reason << "\"\n";
        commit(out);
    }
}

} // namespace ctscope
