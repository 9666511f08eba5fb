#pragma once
/// Maps tensor names of every supported naming scheme (HF Llama/Mistral/Qwen2,
/// GGUF, llama2.c, GPT-2) to a role and a layer.
#include <optional>
#include <string>

namespace ctscope {

/// The nine matrix types come first; MatrixType values are Role values < kMatrixTypeCount.
enum class Role {
    Q, K, V, O, Gate, Up, Down, Embed, Head,
    QkvFused,   ///< GPT-2 c_attn: split into Q, K, V (out rows d, d, d)
    AttnNorm, FfnNorm, FinalNorm,
    PosEmbed,   ///< GPT-2 wpe: learned positions
    Bias,
    RopeFreqs,
    Unknown,
};
constexpr int kMatrixTypeCount = 9;

using MatrixType = Role;  ///< only Q..Head

inline bool isMatrixType(Role r) { return static_cast<int>(r) < kMatrixTypeCount; }

/// Short lowercase name: "q", "k", ..., "embed", "head".
const char* roleName(Role r);
std::optional<Role> matrixTypeFromName(const std::string& name);

struct TensorRole {
    Role role = Role::Unknown;
    int layer = -1;            ///< -1 for tensors outside the blocks
};

/// Classifies one tensor name. Never throws.
TensorRole classifyTensor(const std::string& name);

} // namespace ctscope
