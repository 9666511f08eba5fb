// Every form of stories260K against the independent float64 numpy figures in
// ../shared/models/stories260K-hf/reference_spectra.json; the shipped .bin
// against the same figures recomputed from it by
// tests/data/reference_examples/make_reference.py (numpy alone), so that one
// never skips.
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>

using namespace ctscope;
using nlohmann::json;

namespace {

void checkClose(double got, double want, double rel, const std::string& what) {
    INFO(what << ": got " << got << ", reference " << want);
    CHECK(std::abs(got - want) <= rel * std::max(std::abs(want), 1e-3));
}

void checkK(int got, int want, int slack, const std::string& what) {
    INFO(what << ": got " << got << ", reference " << want);
    CHECK(std::abs(got - want) <= slack);
}

void compareWithReference(const std::string& checkpointPath, const std::string& referencePath, double tol,
                          int kSlack) {
    std::ifstream in(referencePath);
    REQUIRE(in);
    const json ref = json::parse(in);
    auto ckpt = openCheckpoint(checkpointPath);
    AnalysisOptions o;
    o.useCache = false;
    const SpectralAnalysis a = analyzeCheckpoint(*ckpt, o);

    REQUIRE(a.dModel == ref["d_model"].get<int>());
    CHECK(a.tiedHead);
    checkClose(a.universal.pr, ref["universal"]["pr"], tol, "universal PR");
    checkK(a.universal.k50, ref["universal"]["k50"], kSlack, "universal K50");
    checkK(a.universal.k90, ref["universal"]["k90"], kSlack, "universal K90");
    for (auto& [k, e] : ref["universal"]["energy"].items())
        checkClose(a.universal.energyAt(std::stoi(k)), e, tol, "universal E(" + k + ")");

    REQUIRE(a.types.size() == ref["types"].size());
    for (auto& [name, t] : ref["types"].items()) {
        const auto type = matrixTypeFromName(name);
        REQUIRE(type);
        const TypeResult* r = a.type(*type);
        REQUIRE(r);
        checkClose(r->spectrum.pr, t["pr"], tol, name + " PR");
        checkK(r->spectrum.k50, t["k50"], kSlack, name + " K50");
        checkK(r->spectrum.k90, t["k90"], kSlack, name + " K90");
        for (auto& [k, v] : t["r2_universal"].items())
            checkClose(r->r2Universal[std::stoi(k) - 1], v, tol, name + " R2 universal @" + k);
        for (auto& [k, v] : t["r2_type"].items())
            checkClose(r->r2Type[std::stoi(k) - 1], v, tol, name + " R2 type @" + k);
    }

    // Matrices are matched by (type, layer): names differ between formats.
    std::map<std::pair<std::string, int>, const MatrixResult*> byKey;
    for (const auto& m : a.matrices) byKey[{roleName(m.type), m.layer}] = &m;
    REQUIRE(a.matrices.size() == ref["matrices"].size());
    for (auto& [name, m] : ref["matrices"].items()) {
        int layer = -1;
        if (auto p = name.find("layers."); p != std::string::npos) layer = std::stoi(name.substr(p + 7));
        const auto it = byKey.find({m["type"].get<std::string>(), layer});
        REQUIRE(it != byKey.end());
        const MatrixResult& r = *it->second;
        checkClose(r.pr, m["pr"], tol, name + " PR");
        checkClose(r.sigmaMax, m["sigma_max"], tol, name + " sigma_max");
        checkK(r.k50, m["k50"], kSlack, name + " K50");
        checkK(r.k90, m["k90"], kSlack, name + " K90");
    }
}

void compareWithSharedReference(const std::string& rel, double tol, int kSlack) {
    CTSCOPE_REQUIRE_SHARED("models/stories260K-hf/reference_spectra.json");
    CTSCOPE_REQUIRE_SHARED(rel);
    compareWithReference(ctscope::test::sharedPath(rel),
                         ctscope::test::sharedPath("models/stories260K-hf/reference_spectra.json"), tol, kSlack);
}

} // namespace

TEST_CASE("stories260K HF F32 folder matches the reference spectra to 1e-4", "[spectral][reference]") {
    compareWithSharedReference("models/stories260K-hf", 1e-4, 0);
}

TEST_CASE("stories260K llama2.c .bin matches the reference spectra to 1e-4", "[spectral][reference]") {
    // Shipped: the .bin and figures recomputed from it (equal to ../shared's to 2e-15).
    compareWithReference(ctscope::test::examplePath("stories260K/stories260K.bin"),
                         ctscope::test::sourcePath("tests/data/reference_examples/stories260K_bin_spectra.json"), 1e-4, 0);
}

TEST_CASE("stories260K GGUF F32 matches the reference spectra to 1e-4", "[spectral][reference]") {
    compareWithSharedReference("models/stories260K-f32.gguf", 1e-4, 0);
}

TEST_CASE("stories260K BF16 sharded folder matches the reference spectra to 1e-2", "[spectral][reference]") {
    compareWithSharedReference("models/stories260K-hf-bf16-sharded", 1e-2, 1);
}

TEST_CASE("stories260K GGUF F16 matches the reference spectra to 1e-2", "[spectral][reference]") {
    compareWithSharedReference("models/stories260K-f16.gguf", 1e-2, 1);
}
