// Checkpoint loading: the real stories260K forms in ../shared/models (the
// llama2.c one also ships in resources/examples), and
// round trips through the independent fixture writer.
#include "fixture_writer.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/dtype.h"
#include "core/format/tensor_role.h"
#include "core/format/weight_inventory.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>

using namespace ctscope;
namespace fx = ctscope::test::fixture;
using ctscope::test::TempDir;

namespace {

constexpr size_t kSame = static_cast<size_t>(-1);

/// Index of the first differing element (size mismatch: 0), or kSame.
size_t firstDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return 0;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i] && !(std::isnan(a[i]) && std::isnan(b[i]))) return i;
    return kSame;
}

std::string key(const WeightMatrix& m) { return std::string(roleName(m.type)) + "@" + std::to_string(m.layer); }

std::map<std::string, std::vector<float>> matrices(const Checkpoint& ck) {
    std::map<std::string, std::vector<float>> out;
    for (const WeightMatrix& m : buildInventory(ck).matrices) out[key(m)] = readMatrix(ck, m);
    return out;
}

const char* kRealForms[] = {"models/stories260K/stories260K.bin", "models/stories260K-hf",
                            "models/stories260K-hf-bf16-sharded", "models/stories260K-f32.gguf",
                            "models/stories260K-f16.gguf"};

// The llama2.c form ships in resources/examples (byte-identical); the others
// are only in ../shared.
std::string realPath(const std::string& rel) {
    return rel == kRealForms[0] ? ctscope::test::examplePath("stories260K/stories260K.bin")
                                : ctscope::test::sharedPath(rel);
}

std::unique_ptr<Checkpoint> openShared(const std::string& rel) { return openCheckpoint(realPath(rel)); }

}  // namespace

TEST_CASE("the five real stories260K forms load with the same config and inventory", "[formats]") {
    for (const char* form : kRealForms) {
        if (!std::filesystem::exists(realPath(form))) {
            WARN("SKIPPED form " << realPath(form) << ": not present");
            continue;
        }
        INFO(form);
        const auto ck = openShared(form);
        const ModelConfig& c = ck->config();
        CHECK(c.arch == "llama");
        CHECK(c.dModel == 64);
        CHECK(c.ffnDim == 172);
        CHECK(c.nLayers == 5);
        CHECK(c.nHeads == 8);
        CHECK(c.nKvHeads == 4);
        CHECK(c.vocab == 512);
        CHECK(c.maxSeq == 512);
        CHECK(c.tiedEmbeddings);
        const bool hf = std::string(form).find("-hf") != std::string::npos;
        CHECK(c.ropeLayout == (hf ? RopeLayout::HalfSplit : RopeLayout::Interleaved));
        CHECK_FALSE(ck->tokenizer().empty());

        const WeightInventory inv = buildInventory(*ck);
        CHECK(inv.matrices.size() == 36);
        CHECK(inv.tiedHead);
        CHECK(inv.dModel == 64);
        std::map<std::string, int> perType;
        for (const WeightMatrix& m : inv.matrices) {
            ++perType[roleName(m.type)];
            CHECK(m.otherSide() == (m.inputSide ? m.rows : m.cols));
            CHECK((m.inputSide ? m.cols : m.rows) == 64);
        }
        CHECK(perType ==
              std::map<std::string, int>{
                  {"down", 5}, {"embed", 1}, {"gate", 5}, {"k", 5}, {"o", 5}, {"q", 5}, {"up", 5}, {"v", 5}});
        int norms = 0;
        for (const SkippedTensor& s : inv.skipped)
            if (s.reason.rfind("norm weight", 0) == 0) ++norms;
        CHECK(norms == 11);
    }
}

TEST_CASE("real forms: format names and tokenizers", "[formats]") {
    for (const char* form : kRealForms)
        if (form != kRealForms[0]) CTSCOPE_REQUIRE_SHARED(form);
    CHECK(openShared(kRealForms[0])->format() == "llama2c");
    CHECK_THAT(openShared(kRealForms[0])->tokenizer().tokenizerFile, Catch::EndsWith("tok512.model"));
    CHECK(openShared(kRealForms[1])->format() == "hf-folder");
    CHECK_THAT(openShared(kRealForms[1])->tokenizer().tokenizerFile, Catch::EndsWith("tokenizer.model"));
    CHECK(openShared(kRealForms[2])->files().size() == 2);
    const auto gguf = openShared(kRealForms[3]);
    CHECK(gguf->format() == "gguf");
    CHECK(gguf->tokenizer().tokens.size() == 512);
    CHECK(gguf->tokenizer().scores.size() == 512);
    CHECK(gguf->tokenizer().ggufModel == "llama");
    CHECK(gguf->tokenizer().tokens[1] == "<s>");
    CHECK(gguf->require("token_embd.weight").shape == std::vector<int64_t>{512, 64});
}

TEST_CASE("real forms: llama2.c and GGUF F32 hold identical weights", "[formats]") {
    CTSCOPE_REQUIRE_SHARED(kRealForms[3]);
    const auto l2c = openShared(kRealForms[0]);
    const auto gguf = openShared(kRealForms[3]);
    const auto a = matrices(*l2c);
    const auto b = matrices(*gguf);
    REQUIRE(a.size() == 36);
    REQUIRE(b.size() == 36);
    for (const auto& [k, v] : a) {
        INFO(k);
        CHECK(firstDiff(v, b.at(k)) == kSame);
    }
    for (int l = 0; l < 5; ++l) {
        const std::string L = std::to_string(l);
        CHECK(firstDiff(l2c->readFloat(l2c->require("layers." + L + ".rms_ffn_weight")),
                        gguf->readFloat(gguf->require("blk." + L + ".ffn_norm.weight"))) == kSame);
    }
    CHECK(firstDiff(l2c->readFloat(l2c->require("rms_final_weight")),
                    gguf->readFloat(gguf->require("output_norm.weight"))) == kSame);
}

TEST_CASE("real forms: HF equals llama2.c, q and k after undoing rotate_half", "[formats]") {
    CTSCOPE_REQUIRE_SHARED(kRealForms[1]);
    const auto meta = matrices(*openShared(kRealForms[0]));
    const auto hf = matrices(*openShared(kRealForms[1]));
    REQUIRE(hf.size() == 36);
    const int hd = 8;
    for (const auto& [k, w] : hf) {
        INFO(k);
        const std::vector<float>& m = meta.at(k);
        REQUIRE(w.size() == m.size());
        if (k[0] != 'q' && k[0] != 'k') {
            CHECK(firstDiff(w, m) == kSame);
            continue;
        }
        const int64_t cols = 64;
        const int64_t rows = static_cast<int64_t>(w.size()) / cols;
        int64_t bad = -1;
        for (int64_t j = 0; j < rows && bad < 0; ++j) {
            const int64_t h = j / hd, i = j % hd;
            const int64_t metaRow = h * hd + (i < hd / 2 ? 2 * i : 2 * (i - hd / 2) + 1);
            for (int64_t c = 0; c < cols; ++c)
                if (w[j * cols + c] != m[metaRow * cols + c]) bad = j;
        }
        CHECK(bad == -1);
    }
}

TEST_CASE("real forms: BF16 shards and F16 GGUF are their F32 weights rounded", "[formats]") {
    const std::pair<const char*, const char*> pairs[] = {{kRealForms[1], kRealForms[2]},
                                                         {kRealForms[3], kRealForms[4]}};
    for (const auto& [f32Form, lowForm] : pairs) {
        CTSCOPE_REQUIRE_SHARED(f32Form);
        CTSCOPE_REQUIRE_SHARED(lowForm);
        INFO(lowForm);
        const bool bf16 = std::string(lowForm).find("bf16") != std::string::npos;
        const auto full = matrices(*openShared(f32Form));
        const auto low = matrices(*openShared(lowForm));
        REQUIRE(low.size() == 36);
        for (const auto& [k, w] : full) {
            INFO(k);
            const std::vector<float>& r = low.at(k);
            REQUIRE(r.size() == w.size());
            const double rel = bf16 ? 0x1p-8 : 0x1p-10;
            size_t bad = kSame;
            for (size_t i = 0; i < w.size() && bad == kSame; ++i)
                if (std::fabs(r[i] - w[i]) > rel * std::fabs(w[i]) + 1e-7) bad = i;
            CHECK(bad == kSame);
            // Both converters round to nearest even.
            CHECK(firstDiff(r, fx::roundTrip(bf16 ? fx::Dt::BF16 : fx::Dt::F16, w)) == kSame);
        }
    }
}

TEST_CASE("released tensors read back the same", "[formats]") {
    CTSCOPE_REQUIRE_SHARED(kRealForms[1]);
    const auto ck = openShared(kRealForms[1]);
    for (const TensorInfo& t : ck->tensors()) {
        const std::vector<float> before = ck->readFloat(t);
        ck->release(t);
        CHECK(firstDiff(before, ck->readFloat(t)) == kSame);
    }
    CHECK_THAT(ck->identity(), Catch::StartsWith("hf-folder|") && Catch::Contains("model.safetensors:1044984:"));
}

TEST_CASE("safetensors round trip through the fixture writer", "[formats]") {
    for (fx::Dt dt : {fx::Dt::F32, fx::Dt::F16, fx::Dt::BF16}) {
        TempDir dir;
        const fx::LlamaSpec spec;
        const auto tensors = fx::llamaTensorsHf(spec);
        std::vector<fx::StEntry> entries;
        for (const auto& t : tensors) entries.push_back(fx::stEntry(t, dt));
        fx::writeFile(dir.file("model.safetensors"), fx::stFile(entries));
        fx::writeText(dir.file("config.json"), fx::llamaConfigJson(spec));
        fx::writeText(dir.file("tokenizer.model"), "not read here");

        for (const std::string& path : {dir.path().string(), dir.file("model.safetensors")}) {
            INFO(path << " dtype " << static_cast<int>(dt));
            const auto ck = openCheckpoint(path);
            CHECK(ck->format() == (path == dir.path().string() ? "hf-folder" : "safetensors"));
            const ModelConfig& c = ck->config();
            CHECK((c.dModel == 32 && c.ffnDim == 48 && c.nLayers == 2 && c.nHeads == 4 && c.nKvHeads == 2));
            CHECK((c.vocab == 40 && c.maxSeq == 16 && c.tiedEmbeddings && c.normEps == 1e-5));
            CHECK(c.ropeLayout == RopeLayout::HalfSplit);
            CHECK_THAT(ck->tokenizer().tokenizerFile, Catch::EndsWith("tokenizer.model"));
            CHECK(ck->notes().empty());
            REQUIRE(ck->tensors().size() == tensors.size());
            for (const auto& t : tensors) {
                INFO(t.name);
                const TensorInfo& info = ck->require(t.name);
                CHECK(info.shape == t.shape);
                CHECK(firstDiff(ck->readFloat(info), fx::roundTrip(dt, t.values)) == kSame);
            }
            const WeightInventory inv = buildInventory(*ck);
            CHECK(inv.matrices.size() == 15);
            CHECK(inv.tiedHead);
        }
    }
}

TEST_CASE("sharded HF folder written by the fixture writer", "[formats]") {
    TempDir dir;
    const fx::LlamaSpec spec{32, 48, 3, 4, 2, 40, 16, false};
    const auto tensors = fx::llamaTensorsHf(spec);
    std::vector<fx::StEntry> shard[2];
    std::string weightMap;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const int s = i < tensors.size() / 2 ? 0 : 1;
        shard[s].push_back(fx::stEntry(tensors[i], fx::Dt::BF16));
        weightMap += std::string(weightMap.empty() ? "" : ",") + "\"" + tensors[i].name + "\": \"model-0000" +
                     std::to_string(s + 1) + "-of-00002.safetensors\"";
    }
    fx::writeFile(dir.file("model-00001-of-00002.safetensors"), fx::stFile(shard[0]));
    fx::writeFile(dir.file("model-00002-of-00002.safetensors"), fx::stFile(shard[1]));
    fx::writeText(dir.file("model.safetensors.index.json"), "{\"metadata\": {}, \"weight_map\": {" + weightMap + "}}");
    fx::writeText(dir.file("config.json"), fx::llamaConfigJson(spec, "mistral"));
    const auto ck = openCheckpoint(dir.path().string());
    CHECK(ck->files().size() == 2);
    CHECK_FALSE(ck->config().tiedEmbeddings);
    for (const auto& t : tensors)
        CHECK(firstDiff(ck->readFloat(ck->require(t.name)), fx::roundTrip(fx::Dt::BF16, t.values)) == kSame);
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 3 * 7 + 1);
    CHECK_FALSE(inv.tiedHead);
    CHECK(inv.matrices.back().type == Role::Head);
}

TEST_CASE("a lone .safetensors without config.json gets a config inferred from shapes", "[formats]") {
    TempDir dir;
    const fx::LlamaSpec spec{128, 96, 2, 4, 2, 40, 16, true};
    std::vector<fx::StEntry> entries;
    for (const auto& t : fx::llamaTensorsHf(spec)) entries.push_back(fx::stEntry(t, fx::Dt::F32));
    fx::writeFile(dir.file("weights.safetensors"), fx::stFile(entries));
    const auto ck = openCheckpoint(dir.file("weights.safetensors"));
    const ModelConfig& c = ck->config();
    CHECK((c.dModel == 128 && c.nLayers == 2 && c.vocab == 40 && c.ffnDim == 96));
    CHECK(c.nHeads == 2);  // d_model / 64
    CHECK(c.tiedEmbeddings);
    REQUIRE(ck->notes().size() == 1);
    CHECK_THAT(ck->notes()[0], Catch::Contains("inferred") && Catch::Contains("d_model/64"));
    CHECK(buildInventory(*ck).matrices.size() == 15);
}

TEST_CASE("GGUF v3 round trip in F32, F16, BF16 and Q8_0", "[formats]") {
    for (fx::Dt dt : {fx::Dt::F32, fx::Dt::F16, fx::Dt::BF16, fx::Dt::Q8_0}) {
        for (bool tied : {true, false}) {
            INFO("dtype " << static_cast<int>(dt) << " tied " << tied);
            TempDir dir;
            const fx::LlamaSpec spec{32, 64, 2, 4, 2, 40, 16, tied};
            fx::writeFile(dir.file("m.gguf"), fx::llamaGguf(spec, dt).bytes());
            const auto ck = openCheckpoint(dir.file("m.gguf"));
            const ModelConfig& c = ck->config();
            CHECK((c.dModel == 32 && c.ffnDim == 64 && c.nLayers == 2 && c.nHeads == 4 && c.nKvHeads == 2));
            CHECK((c.vocab == 40 && c.maxSeq == 16 && c.ropeTheta == 500000.0));
            CHECK(c.normEps == Approx(1e-6));
            CHECK(c.ropeLayout == RopeLayout::Interleaved);
            CHECK(c.tiedEmbeddings == tied);
            const TokenizerSource& tok = ck->tokenizer();
            CHECK((tok.tokens.size() == 40 && tok.tokens[7] == "tok7"));
            CHECK((tok.scores.size() == 40 && tok.scores[5] == -5.0f));
            CHECK((tok.tokenTypes.size() == 40 && tok.tokenTypes[0] == 3 && tok.tokenTypes[9] == 1));
            for (const auto& t : fx::llamaTensorsHf(spec)) {
                INFO(t.name);
                const TensorInfo& info = ck->require(fx::ggufName(t.name));
                CHECK(info.shape == t.shape);
                const fx::Dt stored = t.shape.size() == 1 ? fx::Dt::F32 : dt;
                CHECK(firstDiff(ck->readFloat(info), fx::roundTrip(stored, t.values)) == kSame);
            }
            const WeightInventory inv = buildInventory(*ck);
            CHECK(inv.matrices.size() == (tied ? 15u : 16u));
            CHECK(inv.tiedHead == tied);
        }
    }
}

TEST_CASE("llama2.c round trip, shared and unshared classifier", "[formats]") {
    for (bool tied : {true, false}) {
        INFO("tied " << tied);
        TempDir dir;
        const fx::LlamaSpec spec{32, 48, 2, 4, 2, 40, 16, tied};
        fx::writeFile(dir.file("model.bin"), fx::llama2cModel(spec));
        fx::writeText(dir.file("tokenizer.bin"), "x");
        fx::writeText(dir.file("tok40.model"), "x");
        const auto ck = openCheckpoint(dir.file("model.bin"));
        CHECK(ck->format() == "llama2c");
        CHECK_THAT(ck->tokenizer().tokenizerFile, Catch::EndsWith("tok40.model"));
        const ModelConfig& c = ck->config();
        CHECK((c.dModel == 32 && c.ffnDim == 48 && c.nLayers == 2 && c.nHeads == 4 && c.nKvHeads == 2));
        CHECK((c.vocab == 40 && c.maxSeq == 16 && c.tiedEmbeddings == tied));
        CHECK(c.ropeLayout == RopeLayout::Interleaved);
        CHECK((ck->find("wcls") != nullptr) == !tied);
        const std::map<std::string, std::string> names = {
            {"model.embed_tokens.weight", "token_embedding_table"},
            {"model.norm.weight", "rms_final_weight"},
            {"lm_head.weight", "wcls"},
            {"model.layers.1.self_attn.k_proj.weight", "layers.1.wk"},
            {"model.layers.0.mlp.down_proj.weight", "layers.0.w2"},
            {"model.layers.1.mlp.up_proj.weight", "layers.1.w3"},
            {"model.layers.1.post_attention_layernorm.weight", "layers.1.rms_ffn_weight"}};
        for (const auto& t : fx::llamaTensorsHf(spec)) {
            const auto it = names.find(t.name);
            if (it == names.end()) continue;
            INFO(t.name);
            const TensorInfo& info = ck->require(it->second);
            CHECK(info.fileIndex == 0);
            CHECK(info.shape == t.shape);
            CHECK(firstDiff(ck->readFloat(info), t.values) == kSame);
        }
        const WeightInventory inv = buildInventory(*ck);
        CHECK(inv.matrices.size() == (tied ? 15u : 16u));
        CHECK(inv.tiedHead == tied);
    }
}

TEST_CASE("column blocks and released rows read the same values as whole tensors, F32 to Q8_0", "[formats]") {
    for (fx::Dt dt : {fx::Dt::F32, fx::Dt::F16, fx::Dt::BF16, fx::Dt::Q8_0}) {
        INFO("dtype " << static_cast<int>(dt));
        TempDir dir;
        // down_proj is [64, 2080]: two whole blocks of 1024 columns and a short one of 32.
        const fx::LlamaSpec spec{64, 2080, 1, 4, 2, 40, 16, true};
        fx::writeFile(dir.file("m.gguf"), fx::llamaGguf(spec, dt).bytes());
        const auto ck = openCheckpoint(dir.file("m.gguf"));
        const TensorInfo& down = ck->require("blk.0.ffn_down.weight");
        REQUIRE(down.shape == std::vector<int64_t>{64, 2080});
        const std::vector<float> whole = ck->readFloat(down);
        REQUIRE(ck->columnsReadable(down, 1024));
        // A Q8_0 block holds 32 values: a 1000-column block would cut one.
        CHECK(ck->columnsReadable(down, 1000) == (dt != fx::Dt::Q8_0));
        for (int64_t c0 : {int64_t{0}, int64_t{1024}, int64_t{2048}}) {
            const int64_t n = std::min<int64_t>(1024, 2080 - c0);
            const int64_t r0 = 3, rows = 50;
            std::vector<float> block(static_cast<size_t>(rows * n), -1.0f);
            ck->readColumnsInto(down, r0, rows, c0, n, block.data());
            size_t wrong = 0;
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t c = 0; c < n; ++c)
                    wrong += block[static_cast<size_t>(r * n + c)] != whole[static_cast<size_t>((r0 + r) * 2080 + c0 + c)];
            CHECK(wrong == 0);
            ck->release(down);
        }
        std::vector<float> scratch(64 * 1024);
        CHECK_THROWS_AS(ck->readColumnsInto(down, 0, 64, 2048, 64, scratch.data()), FormatError);
        CHECK_THROWS_AS(ck->readColumnsInto(down, 60, 5, 0, 16, scratch.data()), FormatError);
        if (dt == fx::Dt::Q8_0) CHECK_THROWS_AS(ck->readColumnsInto(down, 0, 2, 16, 32, scratch.data()), FormatError);
        const TensorInfo& up = ck->require("blk.0.ffn_up.weight");
        const std::vector<float> upBefore = ck->readFloat(up);
        ck->releaseRows(up, 100, 900);
        CHECK(firstDiff(upBefore, ck->readFloat(up)) == kSame);
    }
}
