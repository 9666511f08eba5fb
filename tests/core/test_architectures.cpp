// Decoder-only architectures beyond Llama open for analysis: tensors are
// classified by their names and shapes (Qwen3, Gemma 1/2/3, Phi-3, OLMo,
// OLMo-2, StableLM, Mistral-Nemo; MoE and GGUF in test_architectures_moe.cpp), with config.json
// files shaped like the real ones (key names copied from the models' Hub
// configs, sizes shrunk). Split parts of fused tensors must equal the right
// slices; skipped tensors carry reasons.
#include "arch_fixture.h"

#include "core/format/checkpoint.h"
#include "core/format/tensor_role.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/spectral_analysis.h"
#include "core/util/error.h"

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

using namespace ctscope;
using namespace ctscope::test::arch;
namespace fx = ctscope::test::fixture;
using ctscope::test::TempDir;

TEST_CASE("Qwen3: head_dim from the config, q_norm/k_norm skipped as norms, o on its output side", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 32, H = 4, KV = 2, hd = 16, ffn = 48, V = 40;
    a.mat("model.embed_tokens.weight", V, d);
    for (int l = 0; l < 2; ++l) {
        llamaBlock(a, lp(l), d, H, KV, hd, ffn);
        a.vec(lp(l) + "self_attn.q_norm.weight", hd);
        a.vec(lp(l) + "self_attn.k_norm.weight", hd);
    }
    a.vec("model.norm.weight", d);
    // Qwen/Qwen3-0.6B's config.json, shrunk.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 16, "hidden_act": "silu", "hidden_size": 32,
  "initializer_range": 0.02, "intermediate_size": 48, "max_position_embeddings": 40960, "max_window_layers": 28,
  "model_type": "qwen3", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
  "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": true,
  "use_sliding_window": false, "vocab_size": 40})"));
    const ModelConfig& c = ck->config();
    CHECK((c.modelType == "qwen3" && c.arch == "llama" && c.headDim() == 16 && c.explicitHeadDim == 16));
    CHECK((c.qkNorm && c.nKvHeads == 2 && c.slidingWindow == 0 && c.ropeTheta == 1e6 && c.tiedEmbeddings));
    CHECK(ck->notes().empty());

    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 2 * 7);
    CHECK(inv.tiedHead);
    const auto m = byName(inv);
    const WeightMatrix& q = m.at("model.layers.1.self_attn.q_proj.weight");
    CHECK((q.type == Role::Q && q.layer == 1 && q.rows == H * hd && q.cols == d && q.inputSide));
    const WeightMatrix& o = m.at("model.layers.0.self_attn.o_proj.weight");
    CHECK((o.type == Role::O && o.rows == d && o.cols == H * hd && !o.inputSide && o.otherSide() == H * hd));
    const auto why = reasons(inv);
    CHECK_THAT(why.at("model.layers.0.self_attn.q_norm.weight"), Catch::Contains("q/k norm"));
    CHECK_THAT(why.at("model.layers.1.self_attn.k_norm.weight"), Catch::Contains("q/k norm"));
    CHECK(why.size() == 2 * 4 + 1);
}

TEST_CASE("Gemma 1 and 2: head_dim x heads larger than hidden_size, tied embedding, extra norms skipped", "[arch]") {
    for (const bool gemma2 : {false, true}) {
        INFO((gemma2 ? "gemma2" : "gemma"));
        TempDir dir;
        Arch a;
        const int d = 48, H = 4, KV = gemma2 ? 2 : 4, hd = 16, ffn = 64, V = 50;
        a.mat("model.embed_tokens.weight", V, d);
        for (int l = 0; l < 2; ++l) {
            llamaBlock(a, lp(l), d, H, KV, hd, ffn);
            if (gemma2) {
                a.vec(lp(l) + "pre_feedforward_layernorm.weight", d);
                a.vec(lp(l) + "post_feedforward_layernorm.weight", d);
            }
        }
        a.vec("model.norm.weight", d);
        // google/gemma-7b and google/gemma-2-2b configs, shrunk (no lm_head: tied).
        const std::string config =
            gemma2 ? R"({"architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1,
  "final_logit_softcapping": 30.0, "head_dim": 16, "hidden_act": "gelu_pytorch_tanh",
  "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 48, "initializer_range": 0.02, "intermediate_size": 64,
  "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 4, "num_hidden_layers": 2,
  "num_key_value_heads": 2, "pad_token_id": 0, "query_pre_attn_scalar": 16, "rms_norm_eps": 1e-06,
  "rope_theta": 10000.0, "sliding_window": 4096, "torch_dtype": "float32", "vocab_size": 50})"
                   : R"({"architectures": ["GemmaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 2, "eos_token_id": 1, "head_dim": 16, "hidden_act": "gelu", "hidden_size": 48,
  "initializer_range": 0.02, "intermediate_size": 64, "max_position_embeddings": 8192, "model_type": "gemma",
  "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 4, "pad_token_id": 0,
  "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 10000.0, "torch_dtype": "bfloat16", "vocab_size": 50})";
        const auto ck = openCheckpoint(a.write(dir, config));
        const ModelConfig& c = ck->config();
        CHECK((c.modelType == (gemma2 ? "gemma2" : "gemma") && c.arch == c.modelType && c.headDim() == 16));
        CHECK((c.tiedEmbeddings && c.nKvHeads == KV));
        CHECK(ck->notes().empty());
        const WeightInventory inv = buildInventory(*ck);
        CHECK(inv.tiedHead);
        const auto n = typeCounts(inv);
        CHECK((n.at(Role::Q) == 2 && n.at(Role::O) == 2 && n.at(Role::Down) == 2 && n.at(Role::Embed) == 1));
        CHECK(n.count(Role::Head) == 0);
        const auto m = byName(inv);
        const WeightMatrix& q = m.at("model.layers.0.self_attn.q_proj.weight");
        CHECK((q.rows == 64 && q.cols == d && q.inputSide));  // [64, 48]: cols are still d_model
        CHECK_FALSE(m.at("model.layers.0.self_attn.o_proj.weight").inputSide);
        const auto why = reasons(inv);
        if (gemma2) CHECK_THAT(why.at("model.layers.1.pre_feedforward_layernorm.weight"), Catch::StartsWith("norm weight"));
        if (gemma2) CHECK_THAT(why.at("model.layers.1.post_feedforward_layernorm.weight"), Catch::StartsWith("norm weight"));
        CHECK(why.size() == static_cast<size_t>(2 * (gemma2 ? 4 : 2) + 1));
    }
}

TEST_CASE("Gemma 3 multimodal: text_config nesting, sparse fields from shapes, vision tower skipped", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 40, H = 4, KV = 2, hd = 16, ffn = 56, V = 60;
    const std::string p = "language_model.model.";
    a.mat(p + "embed_tokens.weight", V, d);
    for (int l = 0; l < 3; ++l) {
        const std::string b = p + "layers." + std::to_string(l) + ".";
        llamaBlock(a, b, d, H, KV, hd, ffn);
        a.vec(b + "pre_feedforward_layernorm.weight", d);
        a.vec(b + "post_feedforward_layernorm.weight", d);
        a.vec(b + "self_attn.q_norm.weight", hd);
        a.vec(b + "self_attn.k_norm.weight", hd);
    }
    a.vec(p + "norm.weight", d);
    a.mat("vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight", 24, 24);
    a.vec("vision_tower.vision_model.post_layernorm.weight", 24);
    a.mat("multi_modal_projector.mm_input_projection_weight", 24, d);
    a.vec("multi_modal_projector.mm_soft_emb_norm.weight", 24);
    // google/gemma-3-4b-it's config.json: text_config gives no heads, head_dim or vocab_size.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": 255999, "eoi_token_index": 256000,
  "eos_token_id": [1, 106], "image_token_index": 262144, "initializer_range": 0.02, "mm_tokens_per_image": 256,
  "model_type": "gemma3",
  "text_config": {"hidden_size": 40, "intermediate_size": 56, "model_type": "gemma3_text", "num_hidden_layers": 3,
                  "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024},
  "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0",
  "vision_config": {"hidden_size": 24, "image_size": 896, "intermediate_size": 48, "model_type": "siglip_vision_model",
                    "num_attention_heads": 2, "num_hidden_layers": 1, "patch_size": 14, "vision_use_head": false}})"));
    const ModelConfig& c = ck->config();
    CHECK((c.modelType == "gemma3_text" && c.dModel == d && c.nLayers == 3 && c.ffnDim == ffn));
    CHECK((c.headDim() == hd && c.nHeads == H && c.nKvHeads == KV && c.vocab == V && c.qkNorm));
    CHECK((c.ropeScaling.type == "linear" && c.ropeScaling.factor == 8.0 && c.slidingWindow == 1024));
    CHECK(c.tiedEmbeddings);
    REQUIRE(ck->notes().size() == 1);
    CHECK_THAT(ck->notes()[0], Catch::Contains("taken from the tensor shapes") && Catch::Contains("head_dim 16") &&
                                   Catch::Contains("vocab 60"));

    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 3 * 7);
    const auto why = reasons(inv);
    for (const char* t : {"vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight",
                          "multi_modal_projector.mm_input_projection_weight",
                          "multi_modal_projector.mm_soft_emb_norm.weight"})
        CHECK_THAT(why.at(t), Catch::Contains("vision/multimodal"));
    CHECK_THAT(why.at(p + "layers.2.self_attn.q_norm.weight"), Catch::Contains("q/k norm"));
}

TEST_CASE("Phi-3: qkv_proj split by head counts and head_dim, gate_up_proj split in halves", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 32, H = 4, KV = 2, hd = 8, ffn = 40, V = 48;
    a.mat("model.embed_tokens.weight", V, d);
    for (int l = 0; l < 2; ++l) {
        a.vec(lp(l) + "input_layernorm.weight", d);
        a.mat(lp(l) + "self_attn.qkv_proj.weight", (H + 2 * KV) * hd, d);
        a.mat(lp(l) + "self_attn.o_proj.weight", d, H * hd);
        a.vec(lp(l) + "post_attention_layernorm.weight", d);
        a.mat(lp(l) + "mlp.gate_up_proj.weight", 2 * ffn, d);
        a.mat(lp(l) + "mlp.down_proj.weight", d, ffn);
    }
    a.vec("model.norm.weight", d);
    a.mat("lm_head.weight", V, d);
    // microsoft/Phi-3-mini-4k-instruct's config.json, shrunk (4 heads of which 2 kv, as in Phi-3-medium).
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["Phi3ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 1, "embd_pdrop": 0.0,
  "eos_token_id": 32000, "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
  "intermediate_size": 40, "max_position_embeddings": 4096, "model_type": "phi3", "num_attention_heads": 4,
  "num_hidden_layers": 2, "num_key_value_heads": 2, "original_max_position_embeddings": 4096,
  "pad_token_id": 32000, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0,
  "sliding_window": 2047, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
  "transformers_version": "4.40.2", "use_cache": true, "attention_bias": false, "vocab_size": 48})"));
    CHECK((ck->config().modelType == "phi3" && ck->config().slidingWindow == 2047));
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 2 * 7 + 1);
    const auto m = byName(inv);
    const std::string qkv = "model.layers.1.self_attn.qkv_proj.weight";
    const std::string gu = "model.layers.1.mlp.gate_up_proj.weight";
    struct Want {
        std::string name;
        Role type;
        int64_t begin, rows;
    };
    for (const Want& w : {Want{qkv + "[q]", Role::Q, 0, H * hd}, Want{qkv + "[k]", Role::K, H * hd, KV * hd},
                          Want{qkv + "[v]", Role::V, (H + KV) * hd, KV * hd}, Want{gu + "[gate]", Role::Gate, 0, ffn},
                          Want{gu + "[up]", Role::Up, ffn, ffn}}) {
        INFO(w.name);
        const WeightMatrix& part = m.at(w.name);
        CHECK((part.type == w.type && part.layer == 1 && part.rowBegin == w.begin && part.rows == w.rows));
        CHECK((part.cols == d && part.inputSide));
        const fx::Tensor& stored = a.get(part.tensor);
        CHECK(readMatrix(*ck, part) == rowSlice(stored, w.begin, w.rows));
    }
}

TEST_CASE("OLMo-1 (hf_olmo): att_proj split q/k/v, ff_proj split [up; gate], padded embedding", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 32, H = 4, ratio = 4, padded = 48;  // vocab_size 40, padded to 48 rows
    const int ffn = ratio * d / 2;  // ff_proj holds up and gate
    a.mat("model.transformer.wte.weight", padded, d);
    for (int l = 0; l < 2; ++l) {
        const std::string b = "model.transformer.blocks." + std::to_string(l) + ".";
        a.mat(b + "att_proj.weight", 3 * d, d);
        a.mat(b + "attn_out.weight", d, d);
        a.mat(b + "ff_proj.weight", 2 * ffn, d);
        a.mat(b + "ff_out.weight", d, ffn);
    }
    a.mat("model.transformer.ff_out.weight", padded, d);
    // allenai/OLMo-1B's config.json (hf_olmo), shrunk; non-parametric layer norms store no weights.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "activation_type": "swiglu", "alibi": false, "alibi_bias_max": 8.0, "architectures": ["OLMoForCausalLM"],
  "attention_dropout": 0.0, "attention_layer_norm": false, "attention_layer_norm_with_affine": false,
  "bias_for_layer_norm": false, "block_group_size": 1, "block_type": "sequential", "clip_qkv": null, "d_model": 32,
  "embedding_dropout": 0.0, "embedding_size": 48, "eos_token_id": 50279, "flash_attention": false,
  "include_bias": false, "init_cutoff_factor": null, "init_device": "meta", "init_fn": "mitchell", "init_std": 0.02,
  "layer_norm_type": "default", "layer_norm_with_affine": false, "max_sequence_length": 2048,
  "mlp_hidden_size": null, "mlp_ratio": 4, "model_type": "hf_olmo", "multi_query_attention": false, "n_heads": 4,
  "n_kv_heads": null, "n_layers": 2, "pad_token_id": 1, "precision": "amp_bf16", "residual_dropout": 0.0,
  "rope": true, "rope_full_precision": true, "scale_logits": false, "vocab_size": 40, "weight_tying": false})"));
    const ModelConfig& c = ck->config();
    CHECK((c.modelType == "hf_olmo" && c.dModel == d && c.nLayers == 2 && c.nHeads == H && c.nKvHeads == H));
    CHECK((c.ffnDim == ffn && c.vocab == padded && c.maxSeq == 2048 && !c.tiedEmbeddings));
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 2 * 7 + 1);
    CHECK(inv.matrices.back().type == Role::Head);
    const auto m = byName(inv);
    const std::string ff = "model.transformer.blocks.0.ff_proj.weight";
    const WeightMatrix& up = m.at(ff + "[up]");
    const WeightMatrix& gate = m.at(ff + "[gate]");
    CHECK((up.type == Role::Up && up.rowBegin == 0 && gate.type == Role::Gate && gate.rowBegin == ffn));
    CHECK(readMatrix(*ck, gate) == rowSlice(a.get(ff), ffn, ffn));
    const WeightMatrix& v = m.at("model.transformer.blocks.1.att_proj.weight[v]");
    CHECK((v.type == Role::V && v.rowBegin == 2 * d && v.rows == d));
    CHECK(readMatrix(*ck, v) == rowSlice(a.get(v.tensor), 2 * d, d));
    const WeightMatrix& down = m.at("model.transformer.blocks.1.ff_out.weight");
    CHECK((down.type == Role::Down && !down.inputSide && down.cols == ffn));
}

TEST_CASE("OLMo-2: full-width q/k norms and post-norms skipped, no input norm needed", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 32, H = 4, V = 40, ffn = 48;
    a.mat("model.embed_tokens.weight", V, d);
    for (int l = 0; l < 2; ++l) {
        llamaBlock(a, lp(l), d, H, H, d / H, ffn, false);
        a.vec(lp(l) + "self_attn.q_norm.weight", d);
        a.vec(lp(l) + "self_attn.k_norm.weight", d);
        a.vec(lp(l) + "post_attention_layernorm.weight", d);
        a.vec(lp(l) + "post_feedforward_layernorm.weight", d);
    }
    a.vec("model.norm.weight", d);
    a.mat("lm_head.weight", V, d);
    // allenai/OLMo-2-0425-1B's config.json, shrunk.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["Olmo2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "eos_token_id": 100257,
  "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
  "max_position_embeddings": 4096, "model_type": "olmo2", "num_attention_heads": 4, "num_hidden_layers": 2,
  "num_key_value_heads": 4, "pad_token_id": 100277, "rms_norm_eps": 1e-06, "rope_scaling": null,
  "rope_theta": 500000, "tie_word_embeddings": false, "torch_dtype": "float32", "use_cache": true,
  "vocab_size": 40})"));
    const ModelConfig& c = ck->config();
    CHECK((c.modelType == "olmo2" && c.headDim() == 8 && !c.qkNorm));  // q_norm spans all heads
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 2 * 7 + 1);
    const auto why = reasons(inv);
    CHECK_THAT(why.at("model.layers.1.self_attn.q_norm.weight"), Catch::Contains("q/k norm"));
    CHECK_THAT(why.at("model.layers.1.post_feedforward_layernorm.weight"), Catch::StartsWith("norm weight"));
    CHECK(why.size() == 2 * 4 + 1);
}

TEST_CASE("StableLM: LayerNorm biases and q/k/v biases skipped as biases", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 32, H = 4, V = 40, ffn = 48;
    a.mat("model.embed_tokens.weight", V, d);
    for (int l = 0; l < 2; ++l) {
        llamaBlock(a, lp(l), d, H, H, d / H, ffn);
        for (const char* b : {"input_layernorm.bias", "post_attention_layernorm.bias", "self_attn.q_proj.bias",
                              "self_attn.k_proj.bias", "self_attn.v_proj.bias"})
            a.vec(lp(l) + b, d);
    }
    a.vec("model.norm.weight", d);
    a.vec("model.norm.bias", d);
    a.mat("lm_head.weight", V, d);
    // stabilityai/stablelm-2-1_6b's config.json, shrunk.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["StableLmForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 100257,
  "eos_token_id": 100257, "hidden_act": "silu", "hidden_dropout": 0.0, "hidden_size": 32,
  "initializer_range": 0.02, "intermediate_size": 48, "layer_norm_eps": 1e-05, "max_position_embeddings": 4096,
  "model_type": "stablelm", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 4,
  "partial_rotary_factor": 0.25, "qk_layernorm": false, "rope_scaling": null, "rope_theta": 10000,
  "tie_word_embeddings": false, "torch_dtype": "float16", "use_cache": true, "use_parallel_residual": false,
  "use_qkv_bias": true, "vocab_size": 40})"));
    const ModelConfig& c = ck->config();
    CHECK((c.modelType == "stablelm" && c.partialRotary == 0.25 && c.normEps == 1e-5));
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 2 * 7 + 1);
    int biases = 0;
    for (const auto& [name, why] : reasons(inv))
        if (name.find(".bias") != std::string::npos) biases += why.find("bias") == 0;
    CHECK(biases == 2 * 5 + 1);
}

TEST_CASE("Mistral-Nemo: head_dim 128 at d_model 5120 (shrunk), q and o keep d_model on their d_model side", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 40, H = 4, KV = 2, hd = 8, ffn = 56, V = 40;  // q [32, 40]: fewer rows than d_model
    a.mat("model.embed_tokens.weight", V, d);
    for (int l = 0; l < 2; ++l) llamaBlock(a, lp(l), d, H, KV, hd, ffn);
    a.vec("model.norm.weight", d);
    a.mat("lm_head.weight", V, d);
    // mistralai/Mistral-Nemo-Base-2407's config.json, shrunk.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["MistralForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2,
  "head_dim": 8, "hidden_act": "silu", "hidden_size": 40, "initializer_range": 0.02, "intermediate_size": 56,
  "max_position_embeddings": 1024000, "model_type": "mistral", "num_attention_heads": 4, "num_hidden_layers": 2,
  "num_key_value_heads": 2, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "sliding_window": null,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.43.0.dev0",
  "use_cache": true, "vocab_size": 40})"));
    const ModelConfig& c = ck->config();
    CHECK((c.arch == "llama" && c.headDim() == hd && c.dModel / c.nHeads == 10 && c.slidingWindow == 0));
    CHECK(c.maxSeq == 1024000);
    const WeightInventory inv = buildInventory(*ck);
    const auto m = byName(inv);
    const WeightMatrix& q = m.at("model.layers.0.self_attn.q_proj.weight");
    CHECK((q.rows == 32 && q.cols == d && q.inputSide && q.otherSide() == 32));
    const WeightMatrix& o = m.at("model.layers.0.self_attn.o_proj.weight");
    CHECK((o.rows == d && o.cols == 32 && !o.inputSide && o.otherSide() == 32));

    // End to end: the o type's Gram is Σ W Wᵀ (d × d) over the output side.
    AnalysisOptions opts;
    opts.useCache = false;
    const SpectralAnalysis sa = analyzeCheckpoint(*ck, opts);
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(d, d);
    for (int l = 0; l < 2; ++l) {
        const fx::Tensor& t = a.get(lp(l) + "self_attn.o_proj.weight");
        const Eigen::MatrixXf w = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            t.values.data(), d, 32);
        g += w.cast<double>() * w.cast<double>().transpose();
    }
    const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(g).eigenvalues();
    const double pr = ev.sum() * ev.sum() / ev.squaredNorm();
    const TypeResult* ot = nullptr;
    for (const TypeResult& t : sa.types)
        if (t.type == Role::O) ot = &t;
    REQUIRE(ot);
    CHECK(ot->spectrum.pr == Approx(pr).epsilon(1e-9));
    CHECK(ot->otherSideSum == 2 * 32);
}

TEST_CASE("an unknown model_type with Llama-style tensors is analysed, with a note", "[arch]") {
    TempDir dir;
    Arch a;
    a.mat("model.embed_tokens.weight", 40, 32);
    for (int l = 0; l < 2; ++l) llamaBlock(a, lp(l), 32, 4, 4, 8, 48);
    a.vec("model.norm.weight", 32);
    const auto ck = openCheckpoint(a.write(dir, R"({"architectures": ["MyNewForCausalLM"], "model_type": "my_new_lm",
  "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 48, "vocab_size": 40})"));
    CHECK((ck->config().modelType == "my_new_lm" && ck->config().arch == "my_new_lm"));
    REQUIRE(ck->notes().size() == 1);
    CHECK_THAT(ck->notes()[0], Catch::Contains("model_type 'my_new_lm' is not one ctscope knows") &&
                                   Catch::Contains("Hugging Face Llama-style naming scheme"));
    CHECK(buildInventory(*ck).matrices.size() == 1 + 2 * 7);
}

TEST_CASE("tensors that follow no known scheme: the error lists some of their names", "[arch]") {
    TempDir dir;
    Arch a;
    a.mat("distilbert.embeddings.word_embeddings.weight", 40, 32);
    a.mat("distilbert.transformer.layer.0.attention.q_lin.weight", 32, 32);
    a.mat("distilbert.transformer.layer.0.ffn.lin1.weight", 64, 32);
    for (const bool withConfig : {true, false}) {
        INFO(withConfig);
        const std::string path = a.write(dir, withConfig ? R"({"model_type": "distilbert", "dim": 32,
          "hidden_size": 32, "n_layers": 1, "n_heads": 4})" : "");
        if (!withConfig) std::filesystem::remove(dir.file("config.json"));
        try {
            openCheckpoint(path);
            FAIL("no error");
        } catch (const FormatError& e) {
            CHECK_THAT(e.what(), Catch::Contains("no tensor follows a naming scheme ctscope knows") &&
                                     Catch::Contains("'distilbert.embeddings.word_embeddings.weight'") &&
                                     Catch::Contains("'distilbert.transformer.layer.0.ffn.lin1.weight'"));
        }
    }
}

TEST_CASE("Qwen3 tensors without config.json: head_dim from the q_norm width, heads from q", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 64, H = 8, KV = 2, hd = 16, ffn = 48, V = 40;
    a.mat("model.embed_tokens.weight", V, d);
    for (int l = 0; l < 2; ++l) {
        llamaBlock(a, lp(l), d, H, KV, hd, ffn);
        a.vec(lp(l) + "self_attn.q_norm.weight", hd);
        a.vec(lp(l) + "self_attn.k_norm.weight", hd);
    }
    a.vec("model.norm.weight", d);
    a.write(dir, "");
    const auto ck = openCheckpoint(dir.file("model.safetensors"));
    const ModelConfig& c = ck->config();
    CHECK((c.nHeads == H && c.headDim() == hd && c.nKvHeads == KV && c.qkNorm && c.nLayers == 2 && c.vocab == V));
    REQUIRE(ck->notes().size() == 1);
    CHECK_THAT(ck->notes()[0], Catch::Contains("inferred") && Catch::Contains("head_dim 16"));
    CHECK(buildInventory(*ck).matrices.size() == 1 + 2 * 7);
}
