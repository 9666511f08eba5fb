// How far each GGML quantisation moves the spectra of the shipped example
// (stories260K): every matrix is quantised by the independent test quantiser,
// decoded by ctscope's decoders and analysed like the float32 original. Prints
// the table (PR and K90 per matrix type, F32 and each quant type).
//
// stories260K's rows (64 or 172 values) are not whole super-blocks of 256, so
// a GGUF file could not hold its matrices as K-quants (llama.cpp falls back to
// another type for such tensors). Each matrix is therefore quantised as a
// flattened row-major copy: with rows of 64, blocks of 32 coincide with row
// blocks and a super-block spans 4 whole rows; only the down projection
// (rows of 172) has blocks that straddle rows.
#include "memory_checkpoint.h"
#include "quant_writer.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/dtype.h"
#include "core/format/gguf_quant.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/spectral_analysis.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>

using namespace ctscope;
namespace qw = ctscope::test::quant;

namespace {

AnalysisOptions options() {
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = false;
    o.threads = 2;
    return o;
}

/// The checkpoint with every matrix replaced by its quantised-then-decoded copy.
std::unique_ptr<test::MemoryCheckpoint> quantisedCopy(const Checkpoint& ck, qw::QType q, long& mismatches) {
    auto out = std::make_unique<test::MemoryCheckpoint>(ck.config());
    std::set<std::string> matrices;
    for (const WeightMatrix& m : buildInventory(ck).matrices) matrices.insert(m.tensor);
    const DType dtype = *ggmlTypeInfo(qw::spec(q).ggmlId)->dtype;
    for (const TensorInfo& t : ck.tensors()) {
        std::vector<float> v = ck.readFloat(t);
        if (matrices.count(t.name)) {
            const qw::Quantised enc = qw::quantise(q, v);
            convertToFloat(dtype, enc.bytes.data(), v.size(), v.data());
            if (std::memcmp(v.data(), enc.values.data(), v.size() * sizeof(float)) != 0) ++mismatches;
        }
        out->addRaw(t.name, t.shape, v);
    }
    return out;
}

double relChange(double now, double was) { return 100.0 * (now - was) / was; }

}  // namespace

TEST_CASE("quantisation moves the PR and K90 of stories260K by bounded amounts", "[gguf-quant][figure]") {
    const auto ck = openCheckpoint(test::sourcePath("resources/examples/stories260K/stories260K.bin"));
    const SpectralAnalysis base = analyzeCheckpoint(*ck, options());
    REQUIRE(base.types.size() == 8u);  // q k v o gate up down embed (tied head)

    std::ostringstream prTable, k90Table;
    prTable << "| type | F32 PR |";
    k90Table << "| type | F32 K90 |";
    for (qw::QType q : qw::allTypes()) {
        prTable << ' ' << qw::spec(q).name << " ΔPR |";
        k90Table << ' ' << qw::spec(q).name << " |";
    }
    std::string rule = "\n|---|---|";
    for (size_t i = 0; i < qw::allTypes().size(); ++i) rule += "---|";
    prTable << rule << "\n";
    k90Table << rule << "\n";

    std::vector<SpectralAnalysis> runs;
    for (qw::QType q : qw::allTypes()) {
        long mismatches = 0;
        const auto copy = quantisedCopy(*ck, q, mismatches);
        INFO(qw::spec(q).name);
        CHECK(mismatches == 0);  // decoded values are bit-exactly what the blocks define
        runs.push_back(analyzeCheckpoint(copy->get(), options()));
        REQUIRE(runs.back().types.size() == base.types.size());
    }

    auto row = [&](const std::string& name, const SpectrumStats& f32, auto stats) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "| %s | %.3f |", name.c_str(), f32.pr);
        prTable << buf;
        k90Table << "| " << name << " | " << f32.k90 << " |";
        for (size_t i = 0; i < runs.size(); ++i) {
            const SpectrumStats& s = stats(runs[i]);
            std::snprintf(buf, sizeof buf, " %+.2f%% |", relChange(s.pr, f32.pr));
            prTable << buf;
            k90Table << ' ' << s.k90 << " |";
            const qw::QType q = qw::allTypes()[i];
            const double move = std::fabs(relChange(s.pr, f32.pr));
            INFO(name << " " << qw::spec(q).name << ": PR " << f32.pr << " -> " << s.pr << ", K90 " << f32.k90
                      << " -> " << s.k90);
            // Bounds: 8-bit types keep the spectrum, 5-6-bit types nearly, and even 2-bit stays recognisable.
            if (q == qw::QType::Q8_0 || q == qw::QType::Q8_K) {
                CHECK(move < 0.5);
                CHECK(std::abs(s.k90 - f32.k90) <= 1);
            } else if (q == qw::QType::Q6_K || q == qw::QType::Q5_0 || q == qw::QType::Q5_1 || q == qw::QType::Q5_K) {
                CHECK(move < 3.0);
                CHECK(std::abs(s.k90 - f32.k90) <= 2);
            } else {
                CHECK(move < 40.0);
            }
        }
        prTable << "\n";
        k90Table << "\n";
    };
    for (size_t t = 0; t < base.types.size(); ++t)
        row(roleName(base.types[t].type), base.types[t].spectrum,
            [t](const SpectralAnalysis& a) -> const SpectrumStats& { return a.types[t].spectrum; });
    row("universal", base.universal, [](const SpectralAnalysis& a) -> const SpectrumStats& { return a.universal; });

    std::cout << "\nstories260K: PR at F32 and its relative change per quant type "
                 "(flattened blocks, independent test quantiser, ctscope's decoders)\n"
              << prTable.str() << "\nK90 at F32 and per quant type\n"
              << k90Table.str() << std::endl;
}
