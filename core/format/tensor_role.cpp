#include "core/format/tensor_role.h"

#include "core/format/name_schemes.h"

#include <cctype>
#include <cstring>
#include <utility>

namespace ctscope {

namespace {

bool endsWith(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool startsWith(const std::string& s, const char* prefix) { return s.compare(0, std::strlen(prefix), prefix) == 0; }

/// Splits "<marker><N>.<rest>" into (N, rest) when `name` starts that way.
bool splitBlock(const std::string& name, int& layer, std::string& rest, NameScheme& scheme) {
    for (const detail::BlockMarker& m : detail::blockMarkers()) {
        if (!startsWith(name, m.marker)) continue;
        size_t i = std::strlen(m.marker);
        const size_t digits = i;
        long value = 0;
        while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && value < 1000000)
            value = value * 10 + (name[i++] - '0');
        if (i == digits || i >= name.size() || name[i] != '.') continue;
        layer = static_cast<int>(value);
        rest = name.substr(i + 1);
        scheme = m.scheme;
        return true;
    }
    return false;
}

/// A path component of `name` (between dots, or at either end) starts with `marker`.
bool hasComponent(const std::string& name, const char* marker) {
    for (size_t at = name.find(marker); at != std::string::npos; at = name.find(marker, at + 1)) {
        const size_t end = at + std::strlen(marker);
        const bool startOk = at == 0 || name[at - 1] == '.';
        const bool endOk = end == name.size() || name[end] == '.' || name[end] == '_';
        if (startOk && endOk) return true;
    }
    return false;
}

}  // namespace

const char* roleName(Role r) {
    switch (r) {
        case Role::Q: return "q";
        case Role::K: return "k";
        case Role::V: return "v";
        case Role::O: return "o";
        case Role::Gate: return "gate";
        case Role::Up: return "up";
        case Role::Down: return "down";
        case Role::Embed: return "embed";
        case Role::Head: return "head";
        case Role::QkvFused: return "qkv_fused";
        case Role::AttnNorm: return "attn_norm";
        case Role::FfnNorm: return "ffn_norm";
        case Role::FinalNorm: return "final_norm";
        case Role::PosEmbed: return "pos_embed";
        case Role::Bias: return "bias";
        case Role::RopeFreqs: return "rope_freqs";
        case Role::GateUpFused: return "gate_up_fused";
        case Role::UpGateFused: return "up_gate_fused";
        case Role::QkNorm: return "qk_norm";
        case Role::ExtraNorm: return "extra_norm";
        case Role::Router: return "router";
        case Role::Multimodal: return "multimodal";
        case Role::Unknown: return "unknown";
    }
    return "unknown";
}

const char* schemeName(NameScheme s) {
    switch (s) {
        case NameScheme::HfLlama: return "Hugging Face Llama-style";
        case NameScheme::Gpt2: return "GPT-2";
        case NameScheme::Olmo: return "OLMo (hf_olmo)";
        case NameScheme::Gguf: return "GGUF";
        case NameScheme::Llama2c: return "llama2.c";
        case NameScheme::None: return "unknown";
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
    TensorRole out;
    for (const char* m : detail::multimodalMarkers())
        if (hasComponent(fullName, m)) {
            out.role = Role::Multimodal;
            out.scheme = NameScheme::HfLlama;
            return out;
        }

    std::string name = fullName;
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (const char* p : detail::namePrefixes()) {
            if (startsWith(name, p)) {
                name.erase(0, std::strlen(p));
                stripped = true;
            }
        }
    }

    std::string rest;
    NameScheme markerScheme = NameScheme::None;
    const bool inBlock = splitBlock(name, out.layer, rest, markerScheme);
    if (!inBlock) out.layer = -1;
    const std::string& key = inBlock ? rest : name;

    if (inBlock && detail::classifyMoe(rest, out)) {
        out.scheme = markerScheme == NameScheme::None ? NameScheme::HfLlama : markerScheme;
        return out;
    }
    // Biases and GPT-2's causal-mask buffers ("attn.bias", "attn.masked_bias").
    if (endsWith(key, ".bias") || key == "bias" || endsWith(key, "masked_bias")) {
        out.role = Role::Bias;
        out.scheme = markerScheme;
        return out;
    }
    if (inBlock) {
        // StableLM-2 12B: per-head norms self_attn.q_layernorm.norms.H.weight.
        if (startsWith(rest, "self_attn.q_layernorm.") || startsWith(rest, "self_attn.k_layernorm.")) {
            out.role = Role::QkNorm;
            out.scheme = NameScheme::HfLlama;
            return out;
        }
        for (const detail::NameRole& n : detail::blockNames())
            if (key == n.name) {
                out.role = n.role;
                out.scheme = markerScheme == NameScheme::None ? n.scheme : markerScheme;
                return out;
            }
        return out;  // Unknown, inside a block
    }
    for (const detail::NameRole& n : detail::globalNames())
        if (key == n.name) {
            out.role = n.role;
            out.scheme = n.scheme;
            return out;
        }
    return out;
}

}  // namespace ctscope
