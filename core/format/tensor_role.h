#pragma once
/// Maps tensor names to a role and a layer by their naming scheme, whatever
/// the model_type: Hugging Face Llama-style names (Llama, Mistral, Qwen2/3,
/// Gemma 1–3, Phi-3, OLMo-2, StableLM, Mixtral and Qwen/DeepSeek-style MoE),
/// OLMo's hf_olmo names, GPT-2, GGUF and llama2.c. Name tables live in
/// name_schemes.cpp.
#include <optional>
#include <string>

namespace ctscope {

/// The nine matrix types come first; MatrixType values are Role values < kMatrixTypeCount.
enum class Role {
    Q, K, V, O, Gate, Up, Down, Embed, Head,
    QkvFused,   ///< fused q/k/v rows (GPT-2 c_attn, Phi-3 qkv_proj, OLMo att_proj, GGUF attn_qkv)
    AttnNorm, FfnNorm, FinalNorm,
    PosEmbed,   ///< GPT-2 wpe: learned positions
    Bias,
    RopeFreqs,
    GateUpFused,  ///< fused [gate; up] rows (Phi-3 gate_up_proj)
    UpGateFused,  ///< fused [up; gate] rows (OLMo ff_proj: x, gate = chunk(2))
    QkNorm,       ///< q_norm / k_norm (per head, or over all heads for OLMo-2)
    ExtraNorm,    ///< norms Llama has no place for (Gemma 2/3 pre/post-feedforward, GGUF post_*_norm)
    Router,       ///< MoE router (gate) and shared-expert gate
    Multimodal,   ///< vision tower, multimodal projector: outside the language model
    Unknown,
};
constexpr int kMatrixTypeCount = 9;

using MatrixType = Role;  ///< only Q..Head

inline bool isMatrixType(Role r) { return static_cast<int>(r) < kMatrixTypeCount; }
/// A matrix type, or a fused tensor that splits into matrix types.
inline bool isMatrixOrFused(Role r) {
    return isMatrixType(r) || r == Role::QkvFused || r == Role::GateUpFused || r == Role::UpGateFused;
}

/// Short lowercase name: "q", "k", ..., "embed", "head".
const char* roleName(Role r);
std::optional<Role> matrixTypeFromName(const std::string& name);

/// The naming scheme a tensor name was recognised by.
enum class NameScheme { None, HfLlama, Gpt2, Olmo, Gguf, Llama2c };
/// "Hugging Face Llama-style", "GPT-2", ...
const char* schemeName(NameScheme s);

struct TensorRole {
    Role role = Role::Unknown;
    int layer = -1;            ///< -1 for tensors outside the blocks
    int expert = -1;           ///< routed MoE expert index, -1 otherwise
    bool sharedExpert = false; ///< a shared expert's gate/up/down (Qwen-MoE, DeepSeek)
    /// All experts stacked in one 3-D tensor [experts, out, in] (GGUF *_exps).
    bool stackedExperts = false;
    NameScheme scheme = NameScheme::None;
};

/// Classifies one tensor name. Never throws.
TensorRole classifyTensor(const std::string& name);

} // namespace ctscope
