// Quantised and split GGUF: ctscope's block decoders against an independent
// quantiser (quant_writer.h) and hand-built blocks; GGUF files that mix types,
// hold types ctscope cannot decode, or are split into shards.
#include "fixture_writer.h"
#include "quant_writer.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/dtype.h"
#include "core/format/gguf_quant.h"
#include "core/format/weight_inventory.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

using namespace ctscope;
namespace fx = ctscope::test::fixture;
namespace qw = ctscope::test::quant;
using ctscope::test::TempDir;

namespace {

DType dtypeOf(qw::QType t) {
    const GgmlTypeInfo* info = ggmlTypeInfo(qw::spec(t).ggmlId);
    REQUIRE(info);
    REQUIRE(info->dtype);
    return *info->dtype;
}

/// Index of the first element whose float32 bits differ, or -1.
long firstBitDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return 0;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return static_cast<long>(i);
    return -1;
}

std::vector<float> decode(DType t, const std::vector<uint8_t>& bytes, size_t count) {
    std::vector<float> out(count);
    convertToFloat(t, bytes.data(), count, out.data());
    return out;
}

/// One tensor as it goes into a GGUF file, with the values a reader must return.
struct Stored {
    std::string name;
    std::vector<int64_t> shape;  // outermost first
    uint32_t type = 0;
    std::vector<uint8_t> bytes;
    std::vector<float> values;
};

/// The llama tensors of `spec`, each 2-D one stored as `pick(name)`, 1-D ones as F32.
std::vector<Stored> storedModel(const fx::LlamaSpec& spec, const std::function<qw::QType(const std::string&)>& pick) {
    std::vector<Stored> out;
    for (const fx::Tensor& t : fx::llamaTensorsHf(spec)) {
        Stored s{fx::ggufName(t.name), t.shape, 0, {}, {}};
        if (t.shape.size() == 1) {
            s.bytes = fx::encode(fx::Dt::F32, t.values);
            s.values = t.values;
        } else {
            const qw::QType q = pick(s.name);
            qw::Quantised enc = qw::quantise(q, t.values);
            s.type = qw::spec(q).ggmlId;
            s.bytes = std::move(enc.bytes);
            s.values = std::move(enc.values);
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<uint8_t> u16(uint16_t v) { return {static_cast<uint8_t>(v & 0xff), static_cast<uint8_t>(v >> 8)}; }
std::vector<uint8_t> i32(int32_t v) {
    std::vector<uint8_t> b(4);
    std::memcpy(b.data(), &v, 4);
    return b;
}

struct Split {
    int no, count, total;
};

/// A GGUF holding tensors [from, to). With `model`, the model metadata (llama
/// keys, no tokenizer); with `split`, gguf-split's split.* keys.
std::vector<uint8_t> ggufBytes(const fx::LlamaSpec* model, const std::vector<Stored>& ts, size_t from, size_t to,
                               std::optional<Split> split = std::nullopt) {
    fx::GgufWriter g;
    if (model) {
        g.kvString("general.architecture", "llama");
        g.kvU32("llama.context_length", static_cast<uint32_t>(model->seq));
        g.kvU32("llama.embedding_length", static_cast<uint32_t>(model->dim));
        g.kvU32("llama.block_count", static_cast<uint32_t>(model->layers));
        g.kvU32("llama.feed_forward_length", static_cast<uint32_t>(model->hidden));
        g.kvU32("llama.attention.head_count", static_cast<uint32_t>(model->heads));
        g.kvU32("llama.attention.head_count_kv", static_cast<uint32_t>(model->kvHeads));
    }
    if (split) {
        g.kvRaw("split.no", 2, u16(static_cast<uint16_t>(split->no)));
        g.kvRaw("split.count", 2, u16(static_cast<uint16_t>(split->count)));
        g.kvRaw("split.tensors.count", 5, i32(split->total));
    }
    for (size_t i = from; i < to; ++i) {
        const Stored& s = ts[i];
        g.tensor(s.name, std::vector<uint64_t>(s.shape.rbegin(), s.shape.rend()), s.type, s.bytes);
    }
    return g.bytes();
}

/// Writes `ts` as shards NAME-0000k-of-0000N.gguf cut before the given tensor
/// indices (a cut at 0 gives a first shard without tensors); returns the paths.
std::vector<std::string> writeSplit(const TempDir& dir, const std::string& name, const fx::LlamaSpec& spec,
                                    const std::vector<Stored>& ts, std::vector<size_t> cuts) {
    cuts.insert(cuts.begin(), 0);
    cuts.push_back(ts.size());
    const int n = static_cast<int>(cuts.size()) - 1;
    std::vector<std::string> paths;
    for (int s = 0; s < n; ++s) {
        char suffix[32];
        std::snprintf(suffix, sizeof suffix, "-%05d-of-%05d.gguf", s + 1, n);
        paths.push_back(dir.file(name + suffix));
        fx::writeFile(paths.back(), ggufBytes(s == 0 ? &spec : nullptr, ts, cuts[static_cast<size_t>(s)],
                                              cuts[static_cast<size_t>(s) + 1],
                                              Split{s, n, static_cast<int>(ts.size())}));
    }
    return paths;
}

/// Every tensor of `ts` reads back from `ck` with its type and exact values.
void checkTensors(const Checkpoint& ck, const std::vector<Stored>& ts) {
    REQUIRE(ck.tensors().size() == ts.size());
    for (const Stored& s : ts) {
        INFO(s.name);
        const TensorInfo& t = ck.require(s.name);
        CHECK(t.shape == s.shape);
        CHECK(dtypeName(t.dtype) == std::string(ggmlTypeInfo(s.type)->name));
        CHECK(firstBitDiff(ck.readFloat(t), s.values) == -1);
        if (s.shape.size() == 2 && s.shape[0] >= 8) {
            const int64_t cols = s.shape[1];
            const std::vector<float> want(s.values.begin() + 3 * cols, s.values.begin() + 8 * cols);
            CHECK(firstBitDiff(ck.readRows(t, 3, 5), want) == -1);
        }
    }
}

const fx::LlamaSpec kSpec{256, 512, 2, 4, 2, 64, 32, false, false, 7};

/// Q4_K_M as llama.cpp mixes it: Q6_K for v, down and the head, Q4_K elsewhere.
qw::QType q4KM(const std::string& name) {
    const bool six = name.find("attn_v") != std::string::npos || name.find("ffn_down") != std::string::npos ||
                     name == "output.weight";
    return six ? qw::QType::Q6_K : qw::QType::Q4_K;
}

}  // namespace

TEST_CASE("the GGML type table matches the block structs of the specification", "[gguf-quant]") {
    for (qw::QType q : qw::allTypes()) {
        const qw::QSpec& s = qw::spec(q);
        INFO(s.name);
        const GgmlTypeInfo* info = ggmlTypeInfo(s.ggmlId);
        REQUIRE(info);
        CHECK(std::string(info->name) == s.name);
        CHECK((info->blockSize == s.blockSize && info->blockBytes == s.blockBytes));
        const DType t = dtypeOf(q);
        CHECK(std::string(dtypeName(t)) == s.name);
        CHECK(dtypeQuantised(t));
        CHECK(dtypeBytes(t, 3 * s.blockSize) == 3 * s.blockBytes);
        CHECK_FALSE(dtypeBytes(t, s.blockSize + 16).has_value());
    }
    CHECK(ggmlTypeLabel(16) == "IQ2_XXS (id 16)");
    CHECK((ggmlTypeInfo(23)->blockBytes == 136u && !ggmlTypeInfo(23)->dtype));  // IQ4_XS: known size, no decoder
    CHECK(ggmlTypeInfo(4) == nullptr);                                           // Q4_2, removed from ggml
    CHECK(ggmlTypeLabel(99) == "id 99");
}

TEST_CASE("blocks from the independent quantiser decode to exactly the values the format defines", "[gguf-quant]") {
    std::vector<float> x = fx::randomValues(256 * 6, 11);
    for (size_t i = 256; i < 512; ++i) x[i] = 0.0f;                        // an all-zero block
    for (size_t i = 512; i < 768; ++i) x[i] = 0.25f + std::fabs(x[i]);     // all positive
    for (size_t i = 768; i < 1024; ++i) x[i] = -3.0f - std::fabs(x[i]);    // all negative, larger
    for (size_t i = 1024; i < 1280; ++i) x[i] = std::ldexp(x[i], -12);     // tiny: F16 scales near subnormal
    double previousRms = 0;
    for (qw::QType q : {qw::QType::Q8_K, qw::QType::Q8_0, qw::QType::Q6_K, qw::QType::Q5_K, qw::QType::Q5_1,
                        qw::QType::Q5_0, qw::QType::Q4_K, qw::QType::Q4_1, qw::QType::Q4_0, qw::QType::Q3_K,
                        qw::QType::Q2_K}) {
        INFO(qw::spec(q).name);
        const qw::Quantised enc = qw::quantise(q, x);
        REQUIRE(enc.bytes.size() == x.size() / qw::spec(q).blockSize * qw::spec(q).blockBytes);
        const std::vector<float> got = decode(dtypeOf(q), enc.bytes, x.size());
        CHECK(firstBitDiff(got, enc.values) == -1);
        for (size_t i = 256; i < 512; ++i) CHECK(got[i] == 0.0f);
        // The quantiser is a real one: the error shrinks as the bits grow (random block only).
        double se = 0;
        for (size_t i = 0; i < 256; ++i) se += (got[i] - x[i]) * (got[i] - x[i]);
        const double rms = std::sqrt(se / 256);
        CHECK(rms < 0.15);
        CHECK(rms >= previousRms * 0.6);
        previousRms = rms;
    }
}

TEST_CASE("a hand-built Q4_K block decodes as the layout prescribes", "[gguf-quant]") {
    // d = 1.0, dmin = 0.5; eight 6-bit (scale, min) pairs packed by hand.
    const int sc[8] = {1, 17, 33, 63, 47, 62, 21, 50};
    const int mn[8] = {0, 5, 63, 32, 48, 7, 60, 19};
    std::vector<uint8_t> b = {0x00, 0x3C, 0x00, 0x38, 0x81, 0xD1, 0x61, 0xFF, 0xC0, 0x05, 0xFF, 0x60, 0x0F, 0x7E, 0xC5, 0x32};
    for (int k = 0; k < 128; ++k) b.push_back(static_cast<uint8_t>((k * 29 + 7) & 0xff));
    REQUIRE(b.size() == 144);
    const std::vector<float> y = decode(DType::Q4_K, b, 256);
    // Element e sits in sub-block e/32; 64-value chunk e/64 reads bytes 32·(e/64) … +31,
    // low nibbles for its first 32 values, high nibbles for the next 32.
    for (int e = 0; e < 256; ++e) {
        const uint8_t byte = b[static_cast<size_t>(16 + 32 * (e / 64) + e % 32)];
        const int q = (e % 64) < 32 ? byte & 0xF : byte >> 4;
        const float want = 1.0f * static_cast<float>(sc[e / 32]) * static_cast<float>(q) - 0.5f * static_cast<float>(mn[e / 32]);
        INFO("element " << e);
        CHECK(y[static_cast<size_t>(e)] == want);
    }
    // Worked by hand: e.g. element 255 = 50 · 6 − 0.5 · 19 (byte 127 is 0x6A).
    CHECK(y[0] == 7.0f);
    CHECK(y[32] == -2.5f);
    CHECK(y[100] == 47.0f);
    CHECK(y[150] == 211.0f);
    CHECK(y[200] == 285.0f);
    CHECK(y[255] == 290.5f);
}

TEST_CASE("a hand-built Q6_K block decodes as the layout prescribes", "[gguf-quant]") {
    const int8_t sc[16] = {-128, 127, -1, 1, 64, -64, 3, -3, 100, -100, 17, -17, 0, 5, -7, 9};
    std::vector<uint8_t> b;
    for (int k = 0; k < 128; ++k) b.push_back(static_cast<uint8_t>((k * 13 + 5) & 0xff));  // ql
    for (int k = 0; k < 64; ++k) b.push_back(static_cast<uint8_t>((k * 71 + 3) & 0xff));   // qh
    for (int8_t s : sc) b.push_back(static_cast<uint8_t>(s));
    b.push_back(0x00);
    b.push_back(0x34);  // d = 0.25
    REQUIRE(b.size() == 210);
    const std::vector<float> y = decode(DType::Q6_K, b, 256);
    // Element e: half n = e/128, quarter t = (e%128)/32, lane l = e%32. Its low four
    // bits are nibble t/2 of ql[64n + 32(t%2) + l], its top two bits pair t of qh[32n + l].
    for (int e = 0; e < 256; ++e) {
        const int n = e / 128, t = (e % 128) / 32, l = e % 32;
        const int lo = (b[static_cast<size_t>(64 * n + 32 * (t % 2) + l)] >> (4 * (t / 2))) & 0xF;
        const int hi = (b[static_cast<size_t>(128 + 32 * n + l)] >> (2 * t)) & 3;
        const float want = 0.25f * static_cast<float>(sc[e / 16]) * static_cast<float>(lo + 16 * hi - 32);
        INFO("element " << e);
        CHECK(y[static_cast<size_t>(e)] == want);
    }
    CHECK(y[0] == -672.0f);  // ql[0] = 0x05, qh[0] bits 0-1 = 3: q = 21, scale −128 · 0.25
    CHECK(y[37] == 2.5f);
    CHECK(y[130] == -25.0f);
    CHECK(y[255] == -20.25f);
}

TEST_CASE("a Q4_K_M-style GGUF (Q4_K, Q6_K and F32 norms) opens with exact values", "[gguf-quant]") {
    TempDir dir;
    const std::vector<Stored> ts = storedModel(kSpec, q4KM);
    fx::writeFile(dir.file("m.gguf"), ggufBytes(&kSpec, ts, 0, ts.size()));
    const auto ck = openCheckpoint(dir.file("m.gguf"));
    CHECK((ck->config().dModel == 256 && ck->config().vocab == 64 && !ck->config().tiedEmbeddings));
    checkTensors(*ck, ts);
    CHECK(ck->require("blk.1.ffn_down.weight").dtype == DType::Q6_K);
    CHECK(ck->require("blk.0.attn_q.weight").dtype == DType::Q4_K);
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 16u);
    CHECK(inv.skipped.size() == 5u);  // norms only
    CHECK(ck->unsupportedTensors().empty());
}

TEST_CASE("every supported quantised type, F16 and BF16 in one GGUF", "[gguf-quant]") {
    TempDir dir;
    size_t next = 0;
    std::vector<Stored> ts = storedModel(kSpec, [&](const std::string&) {
        return qw::allTypes()[next++ % qw::allTypes().size()];
    });
    // Two more matrices in the plain 16-bit types (names outside the nine types).
    const std::vector<float> v = fx::randomValues(8 * 256, 5);
    ts.push_back({"extra.f16.weight", {8, 256}, 1, fx::encode(fx::Dt::F16, v), fx::roundTrip(fx::Dt::F16, v)});
    ts.push_back({"extra.bf16.weight", {8, 256}, 30, fx::encode(fx::Dt::BF16, v), fx::roundTrip(fx::Dt::BF16, v)});
    fx::writeFile(dir.file("all.gguf"), ggufBytes(&kSpec, ts, 0, ts.size()));
    const auto ck = openCheckpoint(dir.file("all.gguf"));
    checkTensors(*ck, ts);
    std::set<std::string> seen;
    for (const TensorInfo& t : ck->tensors()) seen.insert(dtypeName(t.dtype));
    CHECK(seen.size() == qw::allTypes().size() + 3);  // + F32, F16, BF16
}

TEST_CASE("GGUF tensors of undecodable types are skipped by name, their sizes still checked", "[gguf-quant]") {
    std::vector<Stored> ts = storedModel(kSpec, q4KM);
    for (Stored& s : ts) {
        if (s.name == "blk.1.attn_q.weight") {  // IQ2_XXS: 66 bytes per 256 values
            s.type = 16;
            s.bytes = std::vector<uint8_t>(256 * 256 / 256 * 66, 0x5a);
        } else if (s.name == "blk.0.ffn_up.weight") {  // a type id newer than ctscope
            s.type = 77;
            s.bytes = std::vector<uint8_t>(1000, 1);
        }
    }
    TempDir dir;
    fx::writeFile(dir.file("iq.gguf"), ggufBytes(&kSpec, ts, 0, ts.size()));
    const auto ck = openCheckpoint(dir.file("iq.gguf"));
    REQUIRE(ck->unsupportedTensors().size() == 2u);
    CHECK(ck->find("blk.1.attn_q.weight") == nullptr);
    for (const UnsupportedTensor& u : ck->unsupportedTensors())
        CHECK(u.shape == (u.name == "blk.1.attn_q.weight" ? std::vector<int64_t>{256, 256}
                                                          : std::vector<int64_t>{512, 256}));
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 14u);
    bool iq = false, unknown = false;
    for (const SkippedTensor& s : inv.skipped) {
        iq |= s.name == "blk.1.attn_q.weight" &&
              s.reason == "GGML type IQ2_XXS (id 16) is not supported for dequantisation";
        unknown |= s.name == "blk.0.ffn_up.weight" && s.reason.find("id 77") != std::string::npos &&
                   s.reason.find("unknown") != std::string::npos;
    }
    CHECK(iq);
    CHECK(unknown);
    REQUIRE(ck->notes().size() == 1u);
    CHECK_THAT(ck->notes()[0], Catch::Contains("2 tensor(s) skipped") && Catch::Contains("IQ2_XXS"));
    CHECK_THROWS_WITH(ck->require("blk.1.attn_q.weight"), Catch::Contains("IQ2_XXS (id 16)"));
    // The decodable tensors still read exactly.
    for (const Stored& s : ts)
        if (s.type != 16 && s.type != 77) CHECK(firstBitDiff(ck->readFloat(ck->require(s.name)), s.values) == -1);

    struct Bad {
        const char* what;
        std::function<void(std::vector<Stored>&)> edit;
        std::vector<std::string> message;
    };
    const Bad bads[] = {
        {"IQ2_XXS data cut short",
         [](std::vector<Stored>& v) { v.push_back({"extra.weight", {2, 256}, 16, std::vector<uint8_t>(100), {}}); },
         {"extra.weight", "beyond the end"}},
        {"IQ2_XXS rows not whole super-blocks",
         [](std::vector<Stored>& v) { v.push_back({"extra.weight", {2, 128}, 16, std::vector<uint8_t>(66), {}}); },
         {"extra.weight", "IQ2_XXS rows of 128", "blocks of 256"}},
        {"Q4_K rows not whole super-blocks",
         [](std::vector<Stored>& v) { v.push_back({"extra.weight", {2, 128}, 12, std::vector<uint8_t>(144), {}}); },
         {"extra.weight", "Q4_K rows of 128", "blocks of 256"}},
        {"Q5_0 rows not whole blocks",
         [](std::vector<Stored>& v) { v.push_back({"extra.weight", {1, 48}, 6, std::vector<uint8_t>(44), {}}); },
         {"extra.weight", "Q5_0 rows of 48", "blocks of 32"}},
    };
    for (const Bad& bad : bads) {
        INFO(bad.what);
        std::vector<Stored> broken = storedModel(kSpec, q4KM);
        bad.edit(broken);
        fx::writeFile(dir.file("bad.gguf"), ggufBytes(&kSpec, broken, 0, broken.size()));
        try {
            openCheckpoint(dir.file("bad.gguf"));
            FAIL("opened");
        } catch (const FormatError& e) {
            for (const std::string& m : bad.message) CHECK_THAT(e.what(), Catch::Contains(m));
        }
    }
}

TEST_CASE("split GGUF in 2 and 3 shards opens as one checkpoint, from any shard", "[gguf-quant]") {
    TempDir dir;
    const std::vector<Stored> ts = storedModel(kSpec, q4KM);
    fx::writeFile(dir.file("whole.gguf"), ggufBytes(&kSpec, ts, 0, ts.size()));
    const auto whole = openCheckpoint(dir.file("whole.gguf"));
    const std::vector<std::vector<size_t>> layouts = {{9}, {5, 14}, {0, 11}};  // {0, …}: no tensors in shard 1
    int variant = 0;
    for (const auto& cuts : layouts) {
        const std::string name = "model" + std::to_string(variant++);
        const std::vector<std::string> paths = writeSplit(dir, name, kSpec, ts, cuts);
        for (const std::string& given : paths) {
            INFO(given);
            const auto ck = openCheckpoint(given);
            CHECK(ck->path() == paths[0]);
            CHECK(ck->files().size() == paths.size());
            checkTensors(*ck, ts);
            CHECK(ck->config().dModel == whole->config().dModel);
            CHECK(ck->config().nLayers == whole->config().nLayers);
            // Each tensor comes from the shard that holds it.
            for (size_t i = 0; i < ts.size(); ++i) {
                size_t shard = 0;
                while (shard < cuts.size() && i >= cuts[shard]) ++shard;
                CHECK(ck->require(ts[i].name).fileIndex == static_cast<int>(shard));
            }
            CHECK(buildInventory(*ck).matrices.size() == buildInventory(*whole).matrices.size());
            CHECK(ck->identity() != whole->identity());
        }
    }

    // A missing shard is named.
    const std::vector<std::string> three = writeSplit(dir, "gap", kSpec, ts, {5, 14});
    std::filesystem::remove(three[1]);
    CHECK_THROWS_WITH(openCheckpoint(three[0]),
                      Catch::Contains("gap-00002-of-00003.gguf") && Catch::Contains("shard 2 of 3") &&
                          Catch::Contains("missing"));
    CHECK_THROWS_WITH(openCheckpoint(three[2]), Catch::Contains("gap-00002-of-00003.gguf"));
}

TEST_CASE("split GGUF metadata that contradicts the shard names is refused", "[gguf-quant]") {
    TempDir dir;
    const std::vector<Stored> ts = storedModel(kSpec, q4KM);
    // The first shard renamed to a plain name: its split.count points at shards that cannot be found.
    const auto paths = writeSplit(dir, "m", kSpec, ts, {9});
    std::filesystem::copy_file(paths[0], dir.file("renamed.gguf"));
    CHECK_THROWS_WITH(openCheckpoint(dir.file("renamed.gguf")),
                      Catch::Contains("split.count") && Catch::Contains("-00001-of-00002.gguf"));
    const int n = static_cast<int>(ts.size());
    // Shard numbers swapped inside the files.
    fx::writeFile(dir.file("s-00001-of-00002.gguf"), ggufBytes(&kSpec, ts, 0, 9, Split{1, 2, n}));
    fx::writeFile(dir.file("s-00002-of-00002.gguf"), ggufBytes(nullptr, ts, 9, ts.size(), Split{0, 2, n}));
    CHECK_THROWS_WITH(openCheckpoint(dir.file("s-00001-of-00002.gguf")), Catch::Contains("shard 2 of 2"));
    // A wrong total tensor count.
    fx::writeFile(dir.file("t-00001-of-00002.gguf"), ggufBytes(&kSpec, ts, 0, 9, Split{0, 2, n + 1}));
    fx::writeFile(dir.file("t-00002-of-00002.gguf"), ggufBytes(nullptr, ts, 9, ts.size(), Split{1, 2, n + 1}));
    CHECK_THROWS_WITH(openCheckpoint(dir.file("t-00001-of-00002.gguf")),
                      Catch::Contains("split.tensors.count") && Catch::Contains(std::to_string(n + 1)) &&
                          Catch::Contains("hold " + std::to_string(n) + " tensors"));
    // Two shards by name, three by metadata.
    fx::writeFile(dir.file("c-00001-of-00002.gguf"), ggufBytes(&kSpec, ts, 0, 9, Split{0, 3, n}));
    fx::writeFile(dir.file("c-00002-of-00002.gguf"), ggufBytes(nullptr, ts, 9, ts.size(), Split{1, 3, n}));
    CHECK_THROWS_WITH(openCheckpoint(dir.file("c-00002-of-00002.gguf")),
                      Catch::Contains("2 shards, but metadata 'split.count' is 3"));
    // A name with a shard number beyond its count.
    fx::writeFile(dir.file("u-00003-of-00002.gguf"), ggufBytes(&kSpec, ts, 0, ts.size()));
    CHECK_THROWS_WITH(openCheckpoint(dir.file("u-00003-of-00002.gguf")), Catch::Contains("shard 3 of 2"));
}
