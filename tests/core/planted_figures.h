#pragma once
// The planted checkpoint and the small independent CSV reader shared by the
// figure-builder tests (test_figures.cpp, test_figures_more.cpp).
#include "memory_checkpoint.h"

#include "core/spectral/spectral_analysis.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace ctscope::test::planted {

using ctscope::test::MemoryCheckpoint;

constexpr int kD = 16;

struct CsvRow {
    std::string series;
    double x = 0, y = 0;
    std::string yError, xLabel;
    std::vector<std::string> extra;
};

// A small RFC 4180 reader, independent of the writer under test.
inline std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
            else if (c == '"') quoted = false;
            else out.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

inline std::pair<std::string, std::vector<CsvRow>> readCsv(const std::string& csv) {
    std::istringstream in(csv);
    std::string header, line;
    std::getline(in, header);
    std::vector<CsvRow> rows;
    while (std::getline(in, line)) {
        const std::vector<std::string> f = splitCsvLine(line);
        REQUIRE(f.size() >= 5);
        const auto num = [](const std::string& t) { return t.empty() ? std::nan("") : std::stod(t); };
        CsvRow r{f[0], num(f[1]), num(f[2]), f[3], f[4], {f.begin() + 5, f.end()}};
        rows.push_back(r);
    }
    return {header, rows};
}

inline std::vector<CsvRow> rowsOf(const std::vector<CsvRow>& rows, const std::string& series) {
    std::vector<CsvRow> out;
    for (const CsvRow& r : rows)
        if (r.series == series) out.push_back(r);
    return out;
}

inline ModelConfig config() {
    ModelConfig c;
    c.dModel = kD;
    c.nLayers = 1;
    c.nHeads = 4;
    c.nKvHeads = 4;
    c.ffnDim = 32;
    c.vocab = 64;
    return c;
}

/// q (16×16): σ² = (8, 1, 1) on v0..v2, so E_q(1) = 0.8, E_q(2) = 0.9, PR_q = 100/66.
/// up (32×16): σ² = 1 on v3..v12, so E_up(K) = K/10, PR_up = 10, K90 = 9.
/// Universal: λ = (8, 1 ×12), total 20: E_u(K) = (7 + K)/20, PR = 400/76.
inline SpectralAnalysis plantedAnalysis() {
    MemoryCheckpoint mc(config());
    const Eigen::MatrixXd v = ctscope::test::randomOrthonormal(kD, kD, 11);
    Eigen::VectorXd sq(3);
    sq << std::sqrt(8.0), 1.0, 1.0;
    mc.add("model.layers.0.self_attn.q_proj.weight",
           ctscope::test::withSingularValues(sq, ctscope::test::randomOrthonormal(kD, 3, 12), v.leftCols(3)));
    const Eigen::VectorXd su = Eigen::VectorXd::Ones(10);
    mc.add("model.layers.0.mlp.up_proj.weight",
           ctscope::test::withSingularValues(su, ctscope::test::randomOrthonormal(32, 10, 13), v.middleCols(3, 10)));
    AnalysisOptions o;
    o.useCache = false;
    o.threads = 1;
    return analyzeCheckpoint(mc.get(), o);
}

inline const SpectralAnalysis& planted() {
    static const SpectralAnalysis a = plantedAnalysis();
    return a;
}

} // namespace ctscope::test::planted
