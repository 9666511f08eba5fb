// `analyze --bases`: the bases file read back with an independent reader of the
// safetensors layout, checked against Grams formed here from the weights.
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/weight_inventory.h"
#include "core/report/bases_export.h"
#include "core/spectral/spectral_analysis.h"

#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

using namespace ctscope;

namespace {

struct ReadTensor {
    std::string dtype;
    std::vector<int64_t> shape;
    std::vector<double> values;
};

// Straight from the format: u64 LE header length, JSON header, data block.
std::map<std::string, ReadTensor> readSafetensors(const std::string& file, nlohmann::json& meta) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() >= 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
    REQUIRE(n % 8 == 0);
    const auto header = nlohmann::json::parse(bytes.substr(8, n));
    const size_t base = 8 + n;
    std::map<std::string, ReadTensor> out;
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    for (const auto& [name, v] : header.items()) {
        if (name == "__metadata__") {
            meta = v;
            continue;
        }
        ReadTensor t{v["dtype"], v["shape"].get<std::vector<int64_t>>(), {}};
        const uint64_t b = v["data_offsets"][0], e = v["data_offsets"][1];
        spans.emplace_back(b, e);
        REQUIRE(base + e <= bytes.size());
        const char* p = bytes.data() + base + b;
        if (t.dtype == "F32") {
            for (uint64_t i = 0; i < (e - b) / 4; ++i) {
                float f;
                std::memcpy(&f, p + 4 * i, 4);
                t.values.push_back(f);
            }
        } else {
            REQUIRE(t.dtype == "F64");
            t.values.resize((e - b) / 8);
            std::memcpy(t.values.data(), p, e - b);
        }
        out[name] = std::move(t);
    }
    // The data block is covered exactly, without gaps or overlaps.
    std::sort(spans.begin(), spans.end());
    uint64_t end = 0;
    for (const auto& [b, e] : spans) {
        CHECK(b == end);
        end = e;
    }
    CHECK(base + end == bytes.size());
    return out;
}

// Universal and per-type Grams on the d_model side, in float64, from the weights.
std::map<std::string, Eigen::MatrixXd> gramsOf(const Checkpoint& ck) {
    const WeightInventory inv = buildInventory(ck);
    std::map<std::string, Eigen::MatrixXd> g;
    const int d = inv.dModel;
    g["universal"] = Eigen::MatrixXd::Zero(d, d);
    for (const WeightMatrix& m : inv.matrices) {
        const auto v = readMatrix(ck, m);
        Eigen::MatrixXd w = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                                v.data(), m.rows, m.cols)
                                .cast<double>();
        const Eigen::MatrixXd gw = m.inputSide ? Eigen::MatrixXd(w.transpose() * w) : Eigen::MatrixXd(w * w.transpose());
        auto& t = g[std::string("types.") + roleName(m.type)];
        if (t.size() == 0) t = Eigen::MatrixXd::Zero(d, d);
        t += gw;
        g["universal"] += gw;
    }
    return g;
}

} // namespace

TEST_CASE("analyze --bases writes orthonormal eigenbases that diagonalise the Grams", "[bases]") {
    const std::string path = GENERATE(std::string("demo"), test::sourcePath("resources/examples/stories260K/stories260K.bin"));
    auto ck = openCheckpoint(path);
    AnalysisOptions opts;
    opts.useCache = false;
    opts.keepBases = true;
    const SpectralAnalysis a = analyzeCheckpoint(*ck, opts);
    const int d = a.dModel;
    test::TempDir tmp;
    const int k = GENERATE(0, 5);
    writeBasesSafetensors(a, tmp.file("bases.safetensors"), k);

    nlohmann::json meta;
    const auto t = readSafetensors(tmp.file("bases.safetensors"), meta);
    const int rows = k == 0 ? d : k;
    CHECK(meta["d_model"] == std::to_string(d));
    CHECK(meta["k"] == std::to_string(rows));
    CHECK(t.size() == 2 * (1 + a.types.size()));
    const auto grams = gramsOf(*ck);
    for (const auto& [prefix, g] : grams) {
        INFO(path << " " << prefix);
        REQUIRE(t.count(prefix + ".basis"));
        const ReadTensor& b = t.at(prefix + ".basis");
        const ReadTensor& e = t.at(prefix + ".eigenvalues");
        REQUIRE(b.shape == std::vector<int64_t>{rows, d});
        REQUIRE(e.shape == std::vector<int64_t>{d});
        const Eigen::MatrixXd B = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            b.values.data(), rows, d);
        CHECK((B * B.transpose() - Eigen::MatrixXd::Identity(rows, rows)).cwiseAbs().maxCoeff() < 1e-5);
        // Independent eigenvalues of the Gram built here.
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(g, Eigen::EigenvaluesOnly);
        const double scale = es.eigenvalues().maxCoeff();
        for (int i = 0; i < d; ++i) {
            CHECK(e.values[static_cast<size_t>(i)] == Approx(es.eigenvalues()(d - 1 - i)).margin(1e-9 * scale));
            if (i > 0) CHECK(e.values[static_cast<size_t>(i)] <= e.values[static_cast<size_t>(i) - 1]);
        }
        // Row i is an eigenvector of λ_i: Rayleigh quotient and residual.
        for (int i = 0; i < rows; ++i) {
            const Eigen::VectorXd v = B.row(i).transpose();
            const double lambda = e.values[static_cast<size_t>(i)];
            CHECK(v.dot(g * v) == Approx(lambda).margin(1e-5 * scale));
        }
    }
}

TEST_CASE("bases export refuses an analysis without bases", "[bases]") {
    auto ck = openCheckpoint("demo");
    AnalysisOptions opts;
    opts.useCache = false;
    opts.keepBases = false;
    const SpectralAnalysis a = analyzeCheckpoint(*ck, opts);
    test::TempDir tmp;
    CHECK_THROWS_AS(writeBasesSafetensors(a, tmp.file("b.safetensors")), std::invalid_argument);
    CHECK_FALSE(std::filesystem::exists(tmp.file("b.safetensors")));
}
