// Tensor names of every naming scheme ctscope reads, and what they are.
#include "core/format/name_schemes.h"

#include <cctype>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>

namespace ctscope::detail {

namespace {

using S = NameScheme;

constexpr NameRole kBlockNames[] = {
    // Hugging Face Llama-style (Llama, Mistral, Qwen2/3, Gemma, Phi-3, OLMo-2, StableLM, MoE attention).
    {"self_attn.q_proj.weight", Role::Q, S::HfLlama},
    {"self_attn.k_proj.weight", Role::K, S::HfLlama},
    {"self_attn.v_proj.weight", Role::V, S::HfLlama},
    {"self_attn.o_proj.weight", Role::O, S::HfLlama},
    {"mlp.gate_proj.weight", Role::Gate, S::HfLlama},
    {"mlp.up_proj.weight", Role::Up, S::HfLlama},
    {"mlp.down_proj.weight", Role::Down, S::HfLlama},
    {"input_layernorm.weight", Role::AttnNorm, S::HfLlama},
    {"post_attention_layernorm.weight", Role::FfnNorm, S::HfLlama},
    {"self_attn.rotary_emb.inv_freq", Role::RopeFreqs, S::HfLlama},
    {"self_attn.qkv_proj.weight", Role::QkvFused, S::HfLlama},       // Phi-3
    {"mlp.gate_up_proj.weight", Role::GateUpFused, S::HfLlama},      // Phi-3
    {"self_attn.q_norm.weight", Role::QkNorm, S::HfLlama},           // Qwen3, Gemma 3, OLMo-2
    {"self_attn.k_norm.weight", Role::QkNorm, S::HfLlama},
    {"pre_feedforward_layernorm.weight", Role::ExtraNorm, S::HfLlama},   // Gemma 2/3
    {"post_feedforward_layernorm.weight", Role::ExtraNorm, S::HfLlama},  // Gemma 2/3, OLMo-2
    // GGUF (llama.cpp names).
    {"attn_q.weight", Role::Q, S::Gguf},
    {"attn_k.weight", Role::K, S::Gguf},
    {"attn_v.weight", Role::V, S::Gguf},
    {"attn_output.weight", Role::O, S::Gguf},
    {"ffn_gate.weight", Role::Gate, S::Gguf},
    {"ffn_up.weight", Role::Up, S::Gguf},
    {"ffn_down.weight", Role::Down, S::Gguf},
    {"attn_norm.weight", Role::AttnNorm, S::Gguf},
    {"ffn_norm.weight", Role::FfnNorm, S::Gguf},
    {"attn_qkv.weight", Role::QkvFused, S::Gguf},
    {"attn_q_norm.weight", Role::QkNorm, S::Gguf},
    {"attn_k_norm.weight", Role::QkNorm, S::Gguf},
    {"post_attention_norm.weight", Role::ExtraNorm, S::Gguf},
    {"post_ffw_norm.weight", Role::ExtraNorm, S::Gguf},
    // llama2.c.
    {"wq", Role::Q, S::Llama2c},
    {"wk", Role::K, S::Llama2c},
    {"wv", Role::V, S::Llama2c},
    {"wo", Role::O, S::Llama2c},
    {"w1", Role::Gate, S::Llama2c},
    {"w2", Role::Down, S::Llama2c},
    {"w3", Role::Up, S::Llama2c},
    {"rms_att_weight", Role::AttnNorm, S::Llama2c},
    {"rms_ffn_weight", Role::FfnNorm, S::Llama2c},
    // GPT-2.
    {"attn.c_attn.weight", Role::QkvFused, S::Gpt2},
    {"attn.c_proj.weight", Role::O, S::Gpt2},
    {"mlp.c_fc.weight", Role::Up, S::Gpt2},
    {"mlp.c_proj.weight", Role::Down, S::Gpt2},
    {"ln_1.weight", Role::AttnNorm, S::Gpt2},
    {"ln_2.weight", Role::FfnNorm, S::Gpt2},
    // OLMo-1 (hf_olmo: model.transformer.blocks.N.*).
    {"att_proj.weight", Role::QkvFused, S::Olmo},
    {"attn_out.weight", Role::O, S::Olmo},
    {"ff_proj.weight", Role::UpGateFused, S::Olmo},
    {"ff_out.weight", Role::Down, S::Olmo},
    {"ff_norm.weight", Role::FfnNorm, S::Olmo},
    {"q_norm.weight", Role::QkNorm, S::Olmo},
    {"k_norm.weight", Role::QkNorm, S::Olmo},
};

constexpr NameRole kGlobalNames[] = {
    {"embed_tokens.weight", Role::Embed, S::HfLlama},
    {"norm.weight", Role::FinalNorm, S::HfLlama},
    {"lm_head.weight", Role::Head, S::HfLlama},
    {"rotary_emb.inv_freq", Role::RopeFreqs, S::HfLlama},
    {"final_layernorm.weight", Role::FinalNorm, S::HfLlama},
    {"token_embd.weight", Role::Embed, S::Gguf},
    {"output_norm.weight", Role::FinalNorm, S::Gguf},
    {"output.weight", Role::Head, S::Gguf},
    {"rope_freqs.weight", Role::RopeFreqs, S::Gguf},
    {"token_embedding_table", Role::Embed, S::Llama2c},
    {"rms_final_weight", Role::FinalNorm, S::Llama2c},
    {"wcls", Role::Head, S::Llama2c},
    {"freq_cis_real", Role::RopeFreqs, S::Llama2c},
    {"freq_cis_imag", Role::RopeFreqs, S::Llama2c},
    {"wte.weight", Role::Embed, S::Gpt2},  // GPT-2 and OLMo-1
    {"wpe.weight", Role::PosEmbed, S::Gpt2},
    {"ln_f.weight", Role::FinalNorm, S::Gpt2},
    {"ff_out.weight", Role::Head, S::Olmo},
};

constexpr const char* kPrefixes[] = {"model.", "transformer.", "language_model."};

constexpr BlockMarker kBlockMarkers[] = {
    {"layers.", S::None}, {"blk.", S::Gguf}, {"h.", S::Gpt2}, {"blocks.", S::Olmo}};

constexpr const char* kMultimodal[] = {"vision_tower", "vision_model", "multi_modal_projector", "mm_projector",
                                       "visual",       "audio_tower",  "vision_encoder",        "embed_vision"};

bool startsWith(const std::string& s, const char* prefix) { return s.compare(0, std::strlen(prefix), prefix) == 0; }

/// "<prefix><N>.<tail>" → (N, tail).
bool splitIndex(const std::string& s, const char* prefix, int& index, std::string& tail) {
    if (!startsWith(s, prefix)) return false;
    size_t i = std::strlen(prefix);
    const size_t first = i;
    long v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && v < 1000000) v = v * 10 + (s[i++] - '0');
    if (i == first || i >= s.size() || s[i] != '.') return false;
    index = static_cast<int>(v);
    tail = s.substr(i + 1);
    return true;
}

/// gate_proj / up_proj / down_proj (HF experts) → role.
bool projRole(const std::string& tail, Role& role) {
    if (tail == "gate_proj.weight") role = Role::Gate;
    else if (tail == "up_proj.weight") role = Role::Up;
    else if (tail == "down_proj.weight") role = Role::Down;
    else return false;
    return true;
}

}  // namespace

Table<NameRole> blockNames() { return {kBlockNames, std::size(kBlockNames)}; }
Table<NameRole> globalNames() { return {kGlobalNames, std::size(kGlobalNames)}; }
Table<const char*> namePrefixes() { return {kPrefixes, std::size(kPrefixes)}; }
Table<BlockMarker> blockMarkers() { return {kBlockMarkers, std::size(kBlockMarkers)}; }
Table<const char*> multimodalMarkers() { return {kMultimodal, std::size(kMultimodal)}; }

bool classifyMoe(const std::string& rest, TensorRole& out) {
    int e = -1;
    std::string tail;
    Role role = Role::Unknown;
    // Mixtral: block_sparse_moe.{gate, experts.E.w1/w2/w3}.
    if (rest == "block_sparse_moe.gate.weight") {
        out.role = Role::Router;
        return true;
    }
    if (splitIndex(rest, "block_sparse_moe.experts.", e, tail)) {
        if (tail == "w1.weight") role = Role::Gate;
        else if (tail == "w2.weight") role = Role::Down;
        else if (tail == "w3.weight") role = Role::Up;
        if (role == Role::Unknown) return false;
        out.role = role;
        out.expert = e;
        return true;
    }
    // Qwen-MoE, Qwen3-MoE, DeepSeek, OLMoE: mlp.{gate, experts.E.*, shared_expert(s).*}.
    if (rest == "mlp.gate.weight" || rest == "mlp.shared_expert_gate.weight" ||
        rest == "mlp.gate.e_score_correction_bias") {
        out.role = Role::Router;
        return true;
    }
    if (splitIndex(rest, "mlp.experts.", e, tail) && projRole(tail, role)) {
        out.role = role;
        out.expert = e;
        return true;
    }
    for (const char* shared : {"mlp.shared_expert.", "mlp.shared_experts."})
        if (startsWith(rest, shared) && projRole(rest.substr(std::strlen(shared)), role)) {
            out.role = role;
            out.sharedExpert = true;
            return true;
        }
    // GGUF: ffn_gate_inp (router), ffn_*_exps (stacked), ffn_*_shexp, old per-expert ffn_*.E.
    if (rest == "ffn_gate_inp.weight" || rest == "ffn_gate_inp_shexp.weight" || rest == "exp_probs_b.bias") {
        out.role = Role::Router;
        return true;
    }
    const std::pair<const char*, Role> gguf[] = {{"ffn_gate", Role::Gate}, {"ffn_up", Role::Up}, {"ffn_down", Role::Down}};
    for (const auto& [stem, r] : gguf) {
        const std::string s(stem);
        if (rest == s + "_exps.weight") {
            out.role = r;
            out.stackedExperts = true;
            return true;
        }
        if (rest == s + "_shexp.weight") {
            out.role = r;
            out.sharedExpert = true;
            return true;
        }
        if (splitIndex(rest, (s + ".").c_str(), e, tail) && tail == "weight") {
            out.role = r;
            out.expert = e;
            return true;
        }
    }
    return false;
}

}  // namespace ctscope::detail
