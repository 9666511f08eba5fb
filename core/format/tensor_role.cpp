#include "core/format/tensor_role.h"

#include <cctype>
#include <cstring>
#include <utility>

namespace ctscope {

namespace {

struct NameRole {
    const char* suffix;
    Role role;
};

// Names inside a block, after "<marker>.<N>." (HF, GGUF, llama2.c, GPT-2).
constexpr NameRole kBlockNames[] = {
    {"self_attn.q_proj.weight", Role::Q},
    {"self_attn.k_proj.weight", Role::K},
    {"self_attn.v_proj.weight", Role::V},
    {"self_attn.o_proj.weight", Role::O},
    {"mlp.gate_proj.weight", Role::Gate},
    {"mlp.up_proj.weight", Role::Up},
    {"mlp.down_proj.weight", Role::Down},
    {"input_layernorm.weight", Role::AttnNorm},
    {"post_attention_layernorm.weight", Role::FfnNorm},
    {"self_attn.rotary_emb.inv_freq", Role::RopeFreqs},
    {"attn_q.weight", Role::Q},
    {"attn_k.weight", Role::K},
    {"attn_v.weight", Role::V},
    {"attn_output.weight", Role::O},
    {"ffn_gate.weight", Role::Gate},
    {"ffn_up.weight", Role::Up},
    {"ffn_down.weight", Role::Down},
    {"attn_norm.weight", Role::AttnNorm},
    {"ffn_norm.weight", Role::FfnNorm},
    {"wq", Role::Q},
    {"wk", Role::K},
    {"wv", Role::V},
    {"wo", Role::O},
    {"w1", Role::Gate},
    {"w2", Role::Down},
    {"w3", Role::Up},
    {"rms_att_weight", Role::AttnNorm},
    {"rms_ffn_weight", Role::FfnNorm},
    {"attn.c_attn.weight", Role::QkvFused},
    {"attn.c_proj.weight", Role::O},
    {"mlp.c_fc.weight", Role::Up},
    {"mlp.c_proj.weight", Role::Down},
    {"ln_1.weight", Role::AttnNorm},
    {"ln_2.weight", Role::FfnNorm},
};

// Names outside the blocks, after any "model." / "transformer." prefix.
constexpr NameRole kGlobalNames[] = {
    {"embed_tokens.weight", Role::Embed},
    {"norm.weight", Role::FinalNorm},
    {"lm_head.weight", Role::Head},
    {"rotary_emb.inv_freq", Role::RopeFreqs},
    {"token_embd.weight", Role::Embed},
    {"output_norm.weight", Role::FinalNorm},
    {"output.weight", Role::Head},
    {"rope_freqs.weight", Role::RopeFreqs},
    {"token_embedding_table", Role::Embed},
    {"rms_final_weight", Role::FinalNorm},
    {"wcls", Role::Head},
    {"freq_cis_real", Role::RopeFreqs},
    {"freq_cis_imag", Role::RopeFreqs},
    {"wte.weight", Role::Embed},
    {"wpe.weight", Role::PosEmbed},
    {"ln_f.weight", Role::FinalNorm},
};

constexpr const char* kPrefixes[] = {"model.", "transformer.", "language_model."};
constexpr const char* kBlockMarkers[] = {"layers.", "blk.", "h."};

bool endsWith(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool startsWith(const std::string& s, const char* prefix) { return s.compare(0, std::strlen(prefix), prefix) == 0; }

/// Splits "<marker>.<N>.<rest>" into (N, rest) when `name` starts that way.
bool splitBlock(const std::string& name, int& layer, std::string& rest) {
    for (const char* marker : kBlockMarkers) {
        if (!startsWith(name, marker)) continue;
        size_t i = std::strlen(marker);
        const size_t digits = i;
        long value = 0;
        while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && value < 1000000)
            value = value * 10 + (name[i++] - '0');
        if (i == digits || i >= name.size() || name[i] != '.') continue;
        layer = static_cast<int>(value);
        rest = name.substr(i + 1);
        return true;
    }
    return false;
}

}  // namespace

const char* roleName(Role r) {
    switch (r) {
        case Role::Q:
            return "q";
        case Role::K:
            return "k";
        case Role::V:
            return "v";
        case Role::O:
            return "o";
        case Role::Gate:
            return "gate";
        case Role::Up:
            return "up";
        case Role::Down:
            return "down";
        case Role::Embed:
            return "embed";
        case Role::Head:
            return "head";
        case Role::QkvFused:
            return "qkv_fused";
        case Role::AttnNorm:
            return "attn_norm";
        case Role::FfnNorm:
            return "ffn_norm";
        case Role::FinalNorm:
            return "final_norm";
        case Role::PosEmbed:
            return "pos_embed";
        case Role::Bias:
            return "bias";
        case Role::RopeFreqs:
            return "rope_freqs";
        case Role::Unknown:
            return "unknown";
    }
    return "unknown";
}

std::optional<Role> matrixTypeFromName(const std::string& name) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i < kMatrixTypeCount; ++i) {
        const auto r = static_cast<Role>(i);
        if (lower == roleName(r)) return r;
    }
    return std::nullopt;
}

TensorRole classifyTensor(const std::string& fullName) {
    std::string name = fullName;
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (const char* p : kPrefixes) {
            if (startsWith(name, p)) {
                name.erase(0, std::strlen(p));
                stripped = true;
            }
        }
    }

    TensorRole out;
    std::string rest;
    const bool inBlock = splitBlock(name, out.layer, rest);
    if (!inBlock) out.layer = -1;
    const std::string& key = inBlock ? rest : name;

    // Biases and GPT-2's causal-mask buffers ("attn.bias", "attn.masked_bias").
    if (endsWith(key, ".bias") || key == "bias" || endsWith(key, "masked_bias")) {
        out.role = Role::Bias;
        return out;
    }
    if (inBlock) {
        for (const NameRole& n : kBlockNames)
            if (key == n.suffix) {
                out.role = n.role;
                return out;
            }
        return out;  // Unknown, inside a block
    }
    for (const NameRole& n : kGlobalNames)
        if (key == n.suffix) {
            out.role = n.role;
            return out;
        }
    return out;
}

}  // namespace ctscope
