// Mixture-of-experts checkpoints (Mixtral, Qwen-MoE / DeepSeek style), GGUF
// files of other architectures (head_dim from key_length, stacked experts,
// Phi-3's fused ffn_up), and the name table behind all architecture tests.
#include "arch_fixture.h"

#include "core/format/checkpoint.h"
#include "core/format/tensor_role.h"
#include "core/format/weight_inventory.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

using namespace ctscope;
using namespace ctscope::test::arch;
namespace fx = ctscope::test::fixture;
using ctscope::test::TempDir;

TEST_CASE("Mixtral: experts as gate/down/up with their index, the router skipped", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 32, H = 4, KV = 2, hd = 8, ffn = 24, V = 40, E = 3;
    a.mat("model.embed_tokens.weight", V, d);
    for (int l = 0; l < 2; ++l) {
        a.vec(lp(l) + "input_layernorm.weight", d);
        for (const char* n : {"q", "k", "v"})
            a.mat(lp(l) + "self_attn." + n + "_proj.weight", (n[0] == 'q' ? H : KV) * hd, d);
        a.mat(lp(l) + "self_attn.o_proj.weight", d, H * hd);
        a.vec(lp(l) + "post_attention_layernorm.weight", d);
        a.mat(lp(l) + "block_sparse_moe.gate.weight", E, d);
        for (int e = 0; e < E; ++e) {
            const std::string x = lp(l) + "block_sparse_moe.experts." + std::to_string(e) + ".";
            a.mat(x + "w1.weight", ffn, d);
            a.mat(x + "w2.weight", d, ffn);
            a.mat(x + "w3.weight", ffn, d);
        }
    }
    a.vec("model.norm.weight", d);
    a.mat("lm_head.weight", V, d);
    // mistralai/Mixtral-8x7B-v0.1's config.json, shrunk.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["MixtralForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2,
  "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 24,
  "max_position_embeddings": 32768, "model_type": "mixtral", "num_attention_heads": 4, "num_experts_per_tok": 2,
  "num_hidden_layers": 2, "num_key_value_heads": 2, "num_local_experts": 3, "output_router_logits": false,
  "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "router_aux_loss_coef": 0.02, "sliding_window": null,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.36.0.dev0",
  "use_cache": true, "vocab_size": 40})"));
    CHECK((ck->config().nExperts == E && ck->config().nExpertsPerToken == 2));
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 2 * (4 + 3 * E) + 1);
    const auto n = typeCounts(inv);
    CHECK((n.at(Role::Gate) == 2 * E && n.at(Role::Up) == 2 * E && n.at(Role::Down) == 2 * E));
    const auto m = byName(inv);
    const WeightMatrix& w2 = m.at("model.layers.1.block_sparse_moe.experts.2.w2.weight");
    CHECK((w2.type == Role::Down && w2.expert == 2 && w2.layer == 1 && !w2.inputSide));
    const WeightMatrix& w3 = m.at("model.layers.0.block_sparse_moe.experts.1.w3.weight");
    CHECK((w3.type == Role::Up && w3.expert == 1 && w3.inputSide));
    CHECK(m.at("model.layers.0.block_sparse_moe.experts.0.w1.weight").type == Role::Gate);
    CHECK(m.at("model.layers.0.self_attn.q_proj.weight").expert == -1);
    CHECK_THAT(reasons(inv).at("model.layers.1.block_sparse_moe.gate.weight"), Catch::Contains("router"));
}

TEST_CASE("Qwen-MoE / DeepSeek style: mlp.experts.E, shared expert as gate/up/down, routers skipped", "[arch]") {
    TempDir dir;
    Arch a;
    const int d = 32, V = 40, E = 2, moeFfn = 16, sharedFfn = 40;  // 4 heads of 8
    a.mat("model.embed_tokens.weight", V, d);
    const std::string b = lp(0);
    a.vec(b + "input_layernorm.weight", d);
    for (const char* n : {"q", "k", "v", "o"}) a.mat(b + "self_attn." + n + "_proj.weight", d, d);
    a.vec(b + "post_attention_layernorm.weight", d);
    a.mat(b + "mlp.gate.weight", E, d);
    for (int e = 0; e < E; ++e)
        for (const char* n : {"gate", "up", "down"})
            n[0] == 'd' ? a.mat(b + "mlp.experts." + std::to_string(e) + ".down_proj.weight", d, moeFfn)
                        : a.mat(b + "mlp.experts." + std::to_string(e) + "." + n + "_proj.weight", moeFfn, d);
    a.mat(b + "mlp.shared_expert.gate_proj.weight", sharedFfn, d);
    a.mat(b + "mlp.shared_expert.up_proj.weight", sharedFfn, d);
    a.mat(b + "mlp.shared_expert.down_proj.weight", d, sharedFfn);
    a.mat(b + "mlp.shared_expert_gate.weight", 1, d);
    a.vec("model.norm.weight", d);
    a.mat("lm_head.weight", V, d);
    // Qwen/Qwen1.5-MoE-A2.7B's config.json, shrunk.
    const auto ck = openCheckpoint(a.write(dir, R"({
  "architectures": ["Qwen2MoeForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "decoder_sparse_step": 1, "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 32,
  "initializer_range": 0.02, "intermediate_size": 40, "max_position_embeddings": 8192, "max_window_layers": 21,
  "model_type": "qwen2_moe", "moe_intermediate_size": 16, "norm_topk_prob": false, "num_attention_heads": 4,
  "num_experts": 2, "num_experts_per_tok": 1, "num_hidden_layers": 1, "num_key_value_heads": 4,
  "output_router_logits": false, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "router_aux_loss_coef": 0.001,
  "shared_expert_intermediate_size": 40, "sliding_window": 32768, "tie_word_embeddings": false,
  "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 40})"));
    CHECK((ck->config().nExperts == E && ck->config().expertFfnDim == moeFfn && ck->config().slidingWindow == 0));
    const WeightInventory inv = buildInventory(*ck);
    const auto m = byName(inv);
    const WeightMatrix& e1 = m.at(b + "mlp.experts.1.up_proj.weight");
    CHECK((e1.type == Role::Up && e1.expert == 1 && e1.rows == moeFfn));
    const WeightMatrix& sg = m.at(b + "mlp.shared_expert.gate_proj.weight");
    CHECK((sg.type == Role::Gate && sg.sharedExpert && sg.expert == -1 && sg.rows == sharedFfn));
    CHECK(m.at(b + "mlp.shared_expert.down_proj.weight").type == Role::Down);
    CHECK(typeCounts(inv).at(Role::Gate) == E + 1);
    const auto why = reasons(inv);
    CHECK_THAT(why.at(b + "mlp.gate.weight"), Catch::Contains("router"));
    CHECK_THAT(why.at(b + "mlp.shared_expert_gate.weight"), Catch::Contains("router"));
}

TEST_CASE("GGUF: key_length gives head_dim, attn_q_norm skipped, stacked experts split per expert", "[arch]") {
    TempDir dir;
    const int d = 32, H = 4, KV = 2, hd = 16, ffn = 24, V = 40, E = 3;
    fx::GgufWriter g;
    g.kvString("general.architecture", "qwen3moe");
    g.kvU32("qwen3moe.embedding_length", d);
    g.kvU32("qwen3moe.block_count", 1);
    g.kvU32("qwen3moe.feed_forward_length", 64);
    g.kvU32("qwen3moe.attention.head_count", H);
    g.kvU32("qwen3moe.attention.head_count_kv", KV);
    g.kvU32("qwen3moe.attention.key_length", hd);
    g.kvU32("qwen3moe.expert_count", E);
    g.kvU32("qwen3moe.expert_used_count", 2);
    g.kvU32("qwen3moe.expert_feed_forward_length", ffn);
    uint32_t seed = 3;
    std::map<std::string, fx::Tensor> kept;
    auto add = [&](const std::string& name, std::vector<int64_t> shape) {  // outermost first
        size_t n = 1;
        for (int64_t s : shape) n *= static_cast<size_t>(s);
        const fx::Tensor t{name, shape, fx::randomValues(n, ++seed)};
        std::vector<uint64_t> dims(shape.rbegin(), shape.rend());
        g.tensor(name, dims, fx::ggmlType(fx::Dt::F32), fx::encode(fx::Dt::F32, t.values));
        kept[name] = t;
    };
    add("token_embd.weight", {V, d});
    add("blk.0.attn_norm.weight", {d});
    add("blk.0.attn_q.weight", {H * hd, d});
    add("blk.0.attn_k.weight", {KV * hd, d});
    add("blk.0.attn_v.weight", {KV * hd, d});
    add("blk.0.attn_output.weight", {d, H * hd});
    add("blk.0.attn_q_norm.weight", {hd});
    add("blk.0.attn_k_norm.weight", {hd});
    add("blk.0.ffn_norm.weight", {d});
    add("blk.0.ffn_gate_inp.weight", {E, d});
    add("blk.0.ffn_gate_exps.weight", {E, ffn, d});
    add("blk.0.ffn_up_exps.weight", {E, ffn, d});
    add("blk.0.ffn_down_exps.weight", {E, d, ffn});
    add("output_norm.weight", {d});
    fx::writeFile(dir.file("m.gguf"), g.bytes());
    const auto ck = openCheckpoint(dir.file("m.gguf"));
    const ModelConfig& c = ck->config();
    CHECK((c.modelType == "qwen3moe" && c.arch == "qwen3moe" && c.headDim() == hd && c.qkNorm));
    CHECK((c.nExperts == E && c.expertFfnDim == ffn && c.ropeLayout == RopeLayout::HalfSplit));
    CHECK(ck->notes().empty());
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 4 + 3 * E);
    const auto m = byName(inv);
    const WeightMatrix& down = m.at("blk.0.ffn_down_exps.weight[expert 2]");
    CHECK((down.type == Role::Down && down.expert == 2 && down.rows == d && down.cols == ffn && !down.inputSide));
    CHECK(readMatrix(*ck, down) == rowSlice(kept.at("blk.0.ffn_down_exps.weight"), 2 * d, d));
    const WeightMatrix& up = m.at("blk.0.ffn_up_exps.weight[expert 1]");
    CHECK(readMatrix(*ck, up) == rowSlice(kept.at("blk.0.ffn_up_exps.weight"), ffn, ffn));
    const auto why = reasons(inv);
    CHECK_THAT(why.at("blk.0.attn_q_norm.weight"), Catch::Contains("q/k norm"));
    CHECK_THAT(why.at("blk.0.ffn_gate_inp.weight"), Catch::Contains("router"));
}

TEST_CASE("GGUF Phi-3: ffn_up holding [gate; up] and attn_qkv are split", "[arch]") {
    TempDir dir;
    const int d = 32, H = 4, ffn = 40, V = 40;
    fx::GgufWriter g;
    g.kvString("general.architecture", "phi3");
    g.kvU32("phi3.embedding_length", d);
    g.kvU32("phi3.block_count", 1);
    g.kvU32("phi3.feed_forward_length", ffn);
    g.kvU32("phi3.attention.head_count", H);
    g.kvU32("phi3.attention.head_count_kv", H);
    uint32_t seed = 9;
    std::map<std::string, fx::Tensor> kept;
    auto add = [&](const std::string& name, std::vector<int64_t> shape) {
        size_t n = 1;
        for (int64_t s : shape) n *= static_cast<size_t>(s);
        const fx::Tensor t{name, shape, fx::randomValues(n, ++seed)};
        g.tensor(t, fx::Dt::F32, name);
        kept[name] = t;
    };
    add("token_embd.weight", {V, d});
    add("blk.0.attn_norm.weight", {d});
    add("blk.0.attn_qkv.weight", {3 * d, d});
    add("blk.0.attn_output.weight", {d, d});
    add("blk.0.ffn_norm.weight", {d});
    add("blk.0.ffn_up.weight", {2 * ffn, d});
    add("blk.0.ffn_down.weight", {d, ffn});
    add("output_norm.weight", {d});
    add("output.weight", {V, d});
    fx::writeFile(dir.file("m.gguf"), g.bytes());
    const auto ck = openCheckpoint(dir.file("m.gguf"));
    const WeightInventory inv = buildInventory(*ck);
    CHECK(inv.matrices.size() == 1 + 7 + 1);
    const auto m = byName(inv);
    const WeightMatrix& gate = m.at("blk.0.ffn_up.weight[gate]");
    const WeightMatrix& up = m.at("blk.0.ffn_up.weight[up]");
    CHECK((gate.type == Role::Gate && gate.rowBegin == 0 && up.type == Role::Up && up.rowBegin == ffn));
    CHECK(readMatrix(*ck, up) == rowSlice(kept.at("blk.0.ffn_up.weight"), ffn, ffn));
    CHECK(m.at("blk.0.attn_qkv.weight[k]").rowBegin == d);
}

TEST_CASE("classifyTensor: the names of every architecture above", "[arch]") {
    struct Row {
        const char* name;
        Role role;
        int layer, expert;
        NameScheme scheme;
    };
    using S = NameScheme;
    const Row rows[] = {
        {"model.layers.3.self_attn.q_norm.weight", Role::QkNorm, 3, -1, S::HfLlama},
        {"model.layers.3.self_attn.k_norm.weight", Role::QkNorm, 3, -1, S::HfLlama},
        {"model.layers.0.self_attn.qkv_proj.weight", Role::QkvFused, 0, -1, S::HfLlama},
        {"model.layers.0.mlp.gate_up_proj.weight", Role::GateUpFused, 0, -1, S::HfLlama},
        {"model.layers.5.pre_feedforward_layernorm.weight", Role::ExtraNorm, 5, -1, S::HfLlama},
        {"model.layers.5.post_feedforward_layernorm.weight", Role::ExtraNorm, 5, -1, S::HfLlama},
        {"language_model.model.layers.2.mlp.down_proj.weight", Role::Down, 2, -1, S::HfLlama},
        {"model.language_model.layers.2.self_attn.o_proj.weight", Role::O, 2, -1, S::HfLlama},
        {"language_model.lm_head.weight", Role::Head, -1, -1, S::HfLlama},
        {"vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight", Role::Multimodal, -1, -1, S::HfLlama},
        {"model.vision_tower.vision_model.embeddings.patch_embedding.weight", Role::Multimodal, -1, -1, S::HfLlama},
        {"multi_modal_projector.mm_input_projection_weight", Role::Multimodal, -1, -1, S::HfLlama},
        {"model.layers.7.block_sparse_moe.experts.5.w1.weight", Role::Gate, 7, 5, S::HfLlama},
        {"model.layers.7.block_sparse_moe.experts.5.w2.weight", Role::Down, 7, 5, S::HfLlama},
        {"model.layers.7.block_sparse_moe.experts.12.w3.weight", Role::Up, 7, 12, S::HfLlama},
        {"model.layers.7.block_sparse_moe.gate.weight", Role::Router, 7, -1, S::HfLlama},
        {"model.layers.1.mlp.experts.59.down_proj.weight", Role::Down, 1, 59, S::HfLlama},
        {"model.layers.1.mlp.gate.weight", Role::Router, 1, -1, S::HfLlama},
        {"model.layers.1.mlp.gate.e_score_correction_bias", Role::Router, 1, -1, S::HfLlama},
        {"model.layers.1.mlp.shared_expert_gate.weight", Role::Router, 1, -1, S::HfLlama},
        {"model.layers.1.mlp.shared_experts.up_proj.weight", Role::Up, 1, -1, S::HfLlama},
        {"model.layers.0.input_layernorm.bias", Role::Bias, 0, -1, S::None},
        {"model.layers.0.self_attn.q_layernorm.norms.3.weight", Role::QkNorm, 0, -1, S::HfLlama},
        {"model.final_layernorm.weight", Role::FinalNorm, -1, -1, S::HfLlama},
        {"model.transformer.wte.weight", Role::Embed, -1, -1, S::Gpt2},
        {"model.transformer.blocks.4.att_proj.weight", Role::QkvFused, 4, -1, S::Olmo},
        {"model.transformer.blocks.4.attn_out.weight", Role::O, 4, -1, S::Olmo},
        {"model.transformer.blocks.4.ff_proj.weight", Role::UpGateFused, 4, -1, S::Olmo},
        {"model.transformer.blocks.4.ff_out.weight", Role::Down, 4, -1, S::Olmo},
        {"model.transformer.blocks.4.attn_norm.weight", Role::AttnNorm, 4, -1, S::Olmo},
        {"model.transformer.blocks.4.ff_norm.weight", Role::FfnNorm, 4, -1, S::Olmo},
        {"model.transformer.ff_out.weight", Role::Head, -1, -1, S::Olmo},
        {"blk.2.attn_qkv.weight", Role::QkvFused, 2, -1, S::Gguf},
        {"blk.2.attn_q_norm.weight", Role::QkNorm, 2, -1, S::Gguf},
        {"blk.2.post_ffw_norm.weight", Role::ExtraNorm, 2, -1, S::Gguf},
        {"blk.2.ffn_gate_inp.weight", Role::Router, 2, -1, S::Gguf},
        {"blk.2.ffn_down_exps.weight", Role::Down, 2, -1, S::Gguf},
        {"blk.2.ffn_up_shexp.weight", Role::Up, 2, -1, S::Gguf},
        {"blk.2.ffn_gate.3.weight", Role::Gate, 2, 3, S::Gguf},
        {"model.layers.0.self_attn.q_proj.weight", Role::Q, 0, -1, S::HfLlama},
        {"layers.0.wq", Role::Q, 0, -1, S::Llama2c},
        {"h.0.attn.c_attn.weight", Role::QkvFused, 0, -1, S::Gpt2},
        {"model.layers.0.mlp.experts.x.down_proj.weight", Role::Unknown, 0, -1, S::None},
    };
    for (const Row& r : rows) {
        INFO(r.name);
        const TensorRole got = classifyTensor(r.name);
        CHECK(got.role == r.role);
        CHECK(got.layer == r.layer);
        CHECK(got.expert == r.expert);
        CHECK(got.scheme == r.scheme);
    }
    CHECK(classifyTensor("blk.2.ffn_down_exps.weight").stackedExperts);
    CHECK(classifyTensor("model.layers.1.mlp.shared_experts.up_proj.weight").sharedExpert);
    CHECK(classifyTensor("blk.2.ffn_up_shexp.weight").sharedExpert);
}
