// Tensor naming schemes (HF Llama/Qwen2, GGUF, llama2.c, GPT-2), dtype
// rounding, and format detection.
#include "fixture_writer.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/dtype.h"
#include "core/format/tensor_role.h"
#include "core/format/weight_inventory.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

using namespace ctscope;
namespace fx = ctscope::test::fixture;
using ctscope::test::TempDir;

TEST_CASE("classifyTensor covers every naming scheme", "[formats]") {
    struct Row {
        const char* name;
        Role role;
        int layer;
    };
    const Row rows[] = {
        {"model.embed_tokens.weight", Role::Embed, -1},
        {"model.layers.3.self_attn.q_proj.weight", Role::Q, 3},
        {"model.layers.0.self_attn.k_proj.weight", Role::K, 0},
        {"model.layers.0.self_attn.v_proj.weight", Role::V, 0},
        {"model.layers.11.self_attn.o_proj.weight", Role::O, 11},
        {"model.layers.2.mlp.gate_proj.weight", Role::Gate, 2},
        {"model.layers.2.mlp.up_proj.weight", Role::Up, 2},
        {"model.layers.2.mlp.down_proj.weight", Role::Down, 2},
        {"model.layers.2.input_layernorm.weight", Role::AttnNorm, 2},
        {"model.layers.2.post_attention_layernorm.weight", Role::FfnNorm, 2},
        {"model.layers.2.self_attn.q_proj.bias", Role::Bias, 2},
        {"model.layers.2.self_attn.rotary_emb.inv_freq", Role::RopeFreqs, 2},
        {"model.norm.weight", Role::FinalNorm, -1},
        {"lm_head.weight", Role::Head, -1},
        {"token_embd.weight", Role::Embed, -1},
        {"blk.4.attn_q.weight", Role::Q, 4},
        {"blk.4.attn_k.weight", Role::K, 4},
        {"blk.4.attn_v.weight", Role::V, 4},
        {"blk.4.attn_output.weight", Role::O, 4},
        {"blk.4.ffn_gate.weight", Role::Gate, 4},
        {"blk.4.ffn_up.weight", Role::Up, 4},
        {"blk.4.ffn_down.weight", Role::Down, 4},
        {"blk.4.attn_norm.weight", Role::AttnNorm, 4},
        {"blk.4.ffn_norm.weight", Role::FfnNorm, 4},
        {"output_norm.weight", Role::FinalNorm, -1},
        {"output.weight", Role::Head, -1},
        {"rope_freqs.weight", Role::RopeFreqs, -1},
        {"token_embedding_table", Role::Embed, -1},
        {"layers.1.rms_att_weight", Role::AttnNorm, 1},
        {"layers.1.wq", Role::Q, 1},
        {"layers.1.wk", Role::K, 1},
        {"layers.1.wv", Role::V, 1},
        {"layers.1.wo", Role::O, 1},
        {"layers.1.rms_ffn_weight", Role::FfnNorm, 1},
        {"layers.1.w1", Role::Gate, 1},
        {"layers.1.w2", Role::Down, 1},
        {"layers.1.w3", Role::Up, 1},
        {"rms_final_weight", Role::FinalNorm, -1},
        {"wcls", Role::Head, -1},
        {"wte.weight", Role::Embed, -1},
        {"transformer.wte.weight", Role::Embed, -1},
        {"transformer.wpe.weight", Role::PosEmbed, -1},
        {"h.0.attn.c_attn.weight", Role::QkvFused, 0},
        {"transformer.h.7.attn.c_attn.weight", Role::QkvFused, 7},
        {"transformer.h.7.attn.c_proj.weight", Role::O, 7},
        {"transformer.h.7.mlp.c_fc.weight", Role::Up, 7},
        {"transformer.h.7.mlp.c_proj.weight", Role::Down, 7},
        {"transformer.h.7.ln_1.weight", Role::AttnNorm, 7},
        {"transformer.h.7.ln_2.weight", Role::FfnNorm, 7},
        {"transformer.h.7.ln_1.bias", Role::Bias, 7},
        {"transformer.h.7.mlp.c_fc.bias", Role::Bias, 7},
        {"h.7.attn.bias", Role::Bias, 7},
        {"h.7.attn.masked_bias", Role::Bias, 7},
        {"transformer.ln_f.weight", Role::FinalNorm, -1},
        {"something.else", Role::Unknown, -1},
        {"model.layers.x.self_attn.q_proj.weight", Role::Unknown, -1},
        {"", Role::Unknown, -1},
    };
    for (const Row& r : rows) {
        INFO(r.name);
        const TensorRole got = classifyTensor(r.name);
        CHECK(got.role == r.role);
        if (r.role != Role::Unknown) CHECK(got.layer == r.layer);
    }
    for (int i = 0; i < kMatrixTypeCount; ++i) {
        const auto role = static_cast<Role>(i);
        CHECK(matrixTypeFromName(roleName(role)) == role);
    }
    CHECK(std::string(roleName(Role::Gate)) == "gate");
    CHECK(std::string(roleName(Role::Head)) == "head");
    CHECK_FALSE(matrixTypeFromName("attn_norm").has_value());
    CHECK_FALSE(matrixTypeFromName("qq").has_value());
}

TEST_CASE("half and bfloat16 conversions round to nearest even", "[formats]") {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = halfToFloat(static_cast<uint16_t>(h));
        if (std::isnan(f)) continue;
        INFO(h);
        REQUIRE(floatToHalf(f) == h);
        REQUIRE((f == fx::fromHalf(static_cast<uint16_t>(h))));
    }
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = bf16ToFloat(static_cast<uint16_t>(h));
        if (!std::isnan(f)) REQUIRE(floatToBf16(f) == h);
    }
    CHECK(floatToHalf(1.0f + 0x1p-11f) == 0x3c00);      // tie, to even (down)
    CHECK(floatToHalf(1.0f + 3 * 0x1p-11f) == 0x3c02);  // tie, to even (up)
    CHECK(floatToHalf(65519.0f) == 0x7bff);
    CHECK(floatToHalf(65520.0f) == 0x7c00);
    CHECK(floatToHalf(0x1p-24f) == 0x0001);
    CHECK(floatToHalf(0x1p-25f) == 0x0000);
    CHECK(floatToHalf(0x1.8p-25f) == 0x0001);
    CHECK(std::isnan(halfToFloat(floatToHalf(NAN))));
    CHECK(floatToBf16(1.0f + 0x1p-8f) == 0x3f80);
    CHECK(floatToBf16(1.0f + 3 * 0x1p-8f) == 0x3f82);
    CHECK(std::isnan(bf16ToFloat(floatToBf16(NAN))));

    // Against the fixture writer's independent arithmetic, over many magnitudes.
    std::mt19937 gen(7);
    for (int i = 0; i < 200000; ++i) {
        uint32_t bits = gen();
        float f;
        std::memcpy(&f, &bits, 4);
        if (std::isnan(f)) continue;
        INFO(bits);
        REQUIRE(floatToBf16(f) == fx::toBf16(f));
        // Exponents 2^-28 .. 2^17 cover half's subnormals, normals and overflow.
        const uint32_t halfRange = (gen() & 0x807fffffu) | ((99u + gen() % 46u) << 23);
        float small;
        std::memcpy(&small, &halfRange, 4);
        REQUIRE(floatToHalf(small) == fx::toHalf(small));
    }
    CHECK(dtypeBytes(DType::F32, 10) == 40u);
    CHECK(dtypeBytes(DType::Q8_0, 64) == 68u);
    CHECK_FALSE(dtypeBytes(DType::Q8_0, 33).has_value());
    CHECK_FALSE(dtypeBytes(DType::F32, uint64_t{1} << 63).has_value());
    CHECK_FALSE(dtypeBytes(DType::F16, ~uint64_t{0}).has_value());
}

namespace {

/// A two-layer GPT-2 as Hugging Face saves it: Conv1D weights stored [in, out].
std::vector<fx::Tensor> gpt2Tensors(int d, int layers, int vocab, int positions) {
    std::vector<fx::Tensor> out;
    uint32_t seed = 50;
    auto add = [&](const std::string& name, std::vector<int64_t> shape) {
        size_t n = 1;
        for (int64_t s : shape) n *= static_cast<size_t>(s);
        out.push_back({name, shape, fx::randomValues(n, ++seed)});
    };
    add("wte.weight", {vocab, d});
    add("wpe.weight", {positions, d});
    for (int l = 0; l < layers; ++l) {
        const std::string p = "h." + std::to_string(l) + ".";
        add(p + "ln_1.weight", {d});
        add(p + "ln_1.bias", {d});
        add(p + "attn.bias", {1, 1, positions, positions});
        add(p + "attn.c_attn.weight", {d, 3 * d});
        add(p + "attn.c_attn.bias", {3 * d});
        add(p + "attn.c_proj.weight", {d, d});
        add(p + "attn.c_proj.bias", {d});
        add(p + "ln_2.weight", {d});
        add(p + "ln_2.bias", {d});
        add(p + "mlp.c_fc.weight", {d, 4 * d});
        add(p + "mlp.c_fc.bias", {4 * d});
        add(p + "mlp.c_proj.weight", {4 * d, d});
        add(p + "mlp.c_proj.bias", {d});
    }
    add("ln_f.weight", {d});
    add("ln_f.bias", {d});
    return out;
}

}  // namespace

TEST_CASE("GPT-2 safetensors: c_attn split in three, Conv1D transposed, wpe and biases skipped", "[formats]") {
    TempDir dir;
    const int d = 16;
    const auto tensors = gpt2Tensors(d, 2, 30, 8);
    std::vector<fx::StEntry> entries;
    for (const auto& t : tensors) entries.push_back(fx::stEntry(t, fx::Dt::F32));
    fx::writeFile(dir.file("model.safetensors"), fx::stFile(entries));
    fx::writeText(
        dir.file("config.json"),
        R"({"model_type": "gpt2", "n_embd": 16, "n_layer": 2, "n_head": 2, "vocab_size": 30, "n_positions": 8})");
    const auto ck = openCheckpoint(dir.path().string());
    const ModelConfig& c = ck->config();
    CHECK((c.arch == "gpt2" && c.dModel == 16 && c.nLayers == 2 && c.nHeads == 2 && c.nKvHeads == 2));
    CHECK((c.ffnDim == 64 && c.vocab == 30 && c.maxSeq == 8 && c.tiedEmbeddings));
    CHECK(ck->require("h.0.attn.c_attn.weight").transposed);
    CHECK(ck->require("h.1.mlp.c_proj.weight").transposed);
    CHECK_FALSE(ck->require("wte.weight").transposed);

    const WeightInventory inv = buildInventory(*ck);
    REQUIRE(inv.matrices.size() == 1 + 2 * 6);
    CHECK(inv.tiedHead);
    const WeightMatrix& k = inv.matrices[2];
    CHECK(k.name == "h.0.attn.c_attn.weight[k]");
    CHECK((k.type == Role::K && k.layer == 0 && k.rowBegin == d && k.rows == d && k.cols == d));
    const WeightMatrix& down = inv.matrices[6];
    CHECK((down.type == Role::Down && down.rows == d && down.cols == 4 * d && !down.inputSide));
    CHECK((inv.matrices[5].type == Role::Up && inv.matrices[5].rows == 4 * d && inv.matrices[5].cols == d));

    std::map<std::string, std::string> reasons;
    for (const SkippedTensor& s : inv.skipped) reasons[s.name] = s.reason;
    CHECK(reasons.at("wpe.weight") == "learned position embedding (GPT-2 wpe): outside the nine matrix types");
    CHECK_THAT(reasons.at("h.0.attn.c_attn.bias"), Catch::Contains("bias"));
    CHECK_THAT(reasons.at("h.1.attn.bias"), Catch::Contains("bias"));
    CHECK_THAT(reasons.at("ln_f.weight"), Catch::StartsWith("norm weight"));
    CHECK(reasons.size() == 1 + 2 * 9 + 2);

    // [out, in] = transpose of the stored [in, out] block.
    const auto& stored = tensors[5].values;  // h.0.attn.c_attn.weight, [16, 48]
    REQUIRE(tensors[5].name == "h.0.attn.c_attn.weight");
    const std::vector<float> km = readMatrix(*ck, k);
    REQUIRE(km.size() == static_cast<size_t>(d * d));
    bool same = true;
    for (int r = 0; r < d; ++r)
        for (int col = 0; col < d; ++col) same = same && km[r * d + col] == stored[col * 3 * d + d + r];
    CHECK(same);
    REQUIRE(tensors[13].name == "h.0.mlp.c_proj.weight");
    const auto& downStored = tensors[13].values;  // [64, 16]
    const std::vector<float> dm = readMatrix(*ck, down);
    same = dm.size() == downStored.size();
    for (int r = 0; r < d && same; ++r)
        for (int col = 0; col < 4 * d; ++col) same = same && dm[r * 4 * d + col] == downStored[col * d + r];
    CHECK(same);
}

TEST_CASE("Qwen2-style checkpoint: q/k/v biases skipped as bias, untied head kept", "[formats]") {
    TempDir dir;
    fx::LlamaSpec spec{32, 48, 2, 4, 2, 40, 16, false};
    spec.qkvBias = true;
    std::vector<fx::StEntry> entries;
    for (const auto& t : fx::llamaTensorsHf(spec)) entries.push_back(fx::stEntry(t, fx::Dt::BF16));
    fx::writeFile(dir.file("model.safetensors"), fx::stFile(entries));
    fx::writeText(dir.file("config.json"), fx::llamaConfigJson(spec, "qwen2"));
    const auto ck = openCheckpoint(dir.path().string());
    CHECK(ck->config().arch == "llama");
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 2 * 7 + 1);
    CHECK_FALSE(inv.tiedHead);
    int biases = 0;
    for (const SkippedTensor& s : inv.skipped)
        if (s.name.find(".bias") != std::string::npos && s.reason.find("bias") != std::string::npos) ++biases;
    CHECK(biases == 6);
}

TEST_CASE("a tied checkpoint that still stores lm_head analyses it once, as embed", "[formats]") {
    TempDir dir;
    fx::LlamaSpec spec{32, 48, 1, 4, 2, 40, 16, false};
    std::vector<fx::StEntry> entries;
    for (const auto& t : fx::llamaTensorsHf(spec)) entries.push_back(fx::stEntry(t, fx::Dt::F32));
    fx::writeFile(dir.file("model.safetensors"), fx::stFile(entries));
    spec.tied = true;  // config says tied; the file still carries lm_head.weight
    fx::writeText(dir.file("config.json"), fx::llamaConfigJson(spec));
    const WeightInventory inv = buildInventory(*openCheckpoint(dir.path().string()));
    CHECK(inv.tiedHead);
    CHECK(inv.matrices.size() == 8);
    bool skippedHead = false;
    for (const SkippedTensor& s : inv.skipped)
        skippedHead = skippedHead || (s.name == "lm_head.weight" && s.reason == "tied to the embedding");
    CHECK(skippedHead);
}

TEST_CASE("openCheckpoint goes by extension, then by magic bytes", "[formats]") {
    TempDir dir;
    const fx::LlamaSpec spec;
    std::vector<fx::StEntry> entries;
    for (const auto& t : fx::llamaTensorsHf(spec)) entries.push_back(fx::stEntry(t, fx::Dt::F32));
    fx::writeFile(dir.file("a.weights"), fx::stFile(entries));
    fx::writeFile(dir.file("b.model"), fx::llamaGguf(spec, fx::Dt::F16).bytes());
    fx::writeFile(dir.file("c.ckpt"), fx::llama2cModel(spec));
    CHECK(openCheckpoint(dir.file("a.weights"))->format() == "safetensors");
    CHECK(openCheckpoint(dir.file("b.model"))->format() == "gguf");
    CHECK(openCheckpoint(dir.file("c.ckpt"))->format() == "llama2c");
    CHECK(openCheckpoint("demo")->synthetic());

    const auto first = openCheckpoint(dir.file("a.weights"))->identity();
    CHECK_THAT(first, Catch::StartsWith("safetensors|") && Catch::Contains("a.weights:"));
    CHECK(openCheckpoint(dir.file("a.weights"))->identity() == first);
    entries[0].bytes[0] ^= 1;
    entries.pop_back();
    fx::writeFile(dir.file("a.weights"), fx::stFile(entries));
    CHECK(openCheckpoint(dir.file("a.weights"))->identity() != first);
}

TEST_CASE("integer buffers that are not weights are skipped with a note", "[formats]") {
    TempDir dir;
    fx::LlamaSpec spec;
    std::vector<fx::StEntry> es;
    for (const auto& t : fx::llamaTensorsHf(spec)) es.push_back(fx::stEntry(t, fx::Dt::F32));
    fx::StEntry ids;
    ids.name = "model.position_ids";
    ids.dtype = "I64";
    ids.shape = {1, 4};
    ids.bytes.assign(32, 0);
    es.push_back(ids);
    fx::writeFile(dir.file("model.safetensors"), fx::stFile(es));
    fx::writeText(dir.file("config.json"), fx::llamaConfigJson(spec));
    auto ck = openCheckpoint(dir.path().string());
    CHECK(ck->find("model.position_ids") == nullptr);
    bool noted = false;
    for (const auto& n : ck->notes()) noted = noted || n.find("model.position_ids") != std::string::npos;
    CHECK(noted);
    CHECK(buildInventory(*ck).matrices.size() == 1 + 7 * static_cast<size_t>(spec.layers));
}
