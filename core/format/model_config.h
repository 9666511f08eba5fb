#pragma once
/// Architecture hyper-parameters, from whichever source the checkpoint has
/// (config.json, GGUF metadata, the llama2.c header).
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace ctscope {

/// How RoPE pairs dimensions inside a head.
enum class RopeLayout {
    HalfSplit,    ///< HF rotate_half: (i, i + head_dim/2)
    Interleaved,  ///< Meta / llama2.c / GGUF: (2i, 2i+1)
};

/// `rope_scaling` of config.json (or GGUF `rope.scaling.*`), as read. Which
/// types the training engine applies is its own business (llama_model.h).
struct RopeScaling {
    std::string type;              ///< "" (none), "linear", "llama3", "dynamic", "yarn", "longrope", ...
    double factor = 1.0;
    double lowFreqFactor = 1.0;    ///< llama3
    double highFreqFactor = 4.0;   ///< llama3
    int originalMaxPositions = 0;  ///< original_max_position_embeddings (llama3, yarn); 0 when not given
    std::string invalid;           ///< what is wrong with it as written ("" when well-formed)
    /// False for no scaling ("" or "default").
    bool active() const { return !type.empty() && type != "default"; }
};

struct ModelConfig {
    /// What the training engine can run: "llama" (Llama, Mistral, Qwen2,
    /// Qwen3, and configs guessed from shapes), "gpt2", or else the model_type
    /// itself (analysis only).
    std::string arch = "llama";
    /// config.json `model_type` (the text model's, for multimodal configs),
    /// or GGUF `general.architecture`; "" when the source does not say.
    std::string modelType;
    int dModel = 0;
    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;
    int ffnDim = 0;
    int vocab = 0;
    int maxSeq = 2048;
    double ropeTheta = 10000.0;
    RopeLayout ropeLayout = RopeLayout::HalfSplit;
    double normEps = 1e-5;
    bool tiedEmbeddings = false;
    int bosId = 1;
    int eosId = 2;
    /// head_dim when the source gives it (Gemma, Qwen3, Mistral-Nemo: it may
    /// differ from d_model / n_heads); 0 when it does not.
    int explicitHeadDim = 0;
    /// Per-head RMSNorm of q and k before RoPE (Qwen3, Gemma 3): set when the
    /// checkpoint holds q_norm / k_norm tensors.
    bool qkNorm = false;
    RopeScaling ropeScaling;
    double partialRotary = 1.0;  ///< fraction of head_dim that RoPE rotates (StableLM: 0.25)
    int slidingWindow = 0;       ///< attention window in tokens; 0 for full causal attention
    int nExperts = 0;            ///< routed experts per MoE layer; 0 for a dense model
    int nExpertsPerToken = 0;
    int expertFfnDim = 0;        ///< an expert's hidden width (moe_intermediate_size); 0 when not given

    /// The config's head_dim when given, else d_model / n_heads.
    int headDim() const {
        if (explicitHeadDim > 0) return explicitHeadDim;
        return nHeads > 0 ? dModel / nHeads : 0;
    }
};

} // namespace ctscope

namespace ctscope {

/// Reorders the rows of a q or k projection ([heads·head_dim, cols], row-major)
/// from one RoPE pair layout to the other, head by head: HF's conversion of
/// Meta weights (interleaved row 2j ↔ half-split row j, 2j+1 ↔ half+j).
/// Same layouts, or an odd head_dim: nothing moves.
inline void reorderRopeRows(float* w, int rows, int cols, int headDim, RopeLayout from, RopeLayout to) {
    if (from == to || headDim < 2 || headDim % 2 != 0 || rows % headDim != 0) return;
    const int half = headDim / 2;
    const size_t c = static_cast<size_t>(cols);
    std::vector<float> head(static_cast<size_t>(headDim) * c);
    for (int h = 0; h < rows / headDim; ++h) {
        float* base = w + static_cast<size_t>(h) * headDim * c;
        std::copy(base, base + head.size(), head.begin());
        for (int j = 0; j < half; ++j) {
            const int a = from == RopeLayout::Interleaved ? 2 * j : j;          // source rows
            const int b = from == RopeLayout::Interleaved ? 2 * j + 1 : half + j;
            const int ta = from == RopeLayout::Interleaved ? j : 2 * j;         // target rows
            const int tb = from == RopeLayout::Interleaved ? half + j : 2 * j + 1;
            std::copy_n(head.begin() + static_cast<std::ptrdiff_t>(a * c), c, base + ta * c);
            std::copy_n(head.begin() + static_cast<std::ptrdiff_t>(b * c), c, base + tb * c);
        }
    }
}

} // namespace ctscope
