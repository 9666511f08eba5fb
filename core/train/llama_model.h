#pragma once
/// An exact Llama-family forward pass in LibTorch (float32): RMSNorm, RoPE in
/// either pair layout, grouped-query attention, SwiGLU, tied or untied head.
/// Train-internal header (includes LibTorch): never include it from ui/.
#include "core/format/model_config.h"

#include <torch/torch.h>

#include <array>
#include <functional>
#include <memory>
#include <vector>

namespace ctscope {

class Checkpoint;

/// The seven block matrices, indexed as Role::Q..Role::Down (0..6).
constexpr int kBlockMatrices = 7;
enum BlockMatrix { kQ = 0, kK, kV, kO, kGate, kUp, kDown };
/// Short name ("q", …, "down").
const char* blockMatrixName(int m);
/// True when the matrix's d_model side is its input side (all but down).
inline bool dModelIsInput(int m) { return m != kDown; }

struct BlockWeights {
    torch::Tensor attnNorm, ffnNorm;               ///< [d]
    std::array<torch::Tensor, kBlockMatrices> w;   ///< [out, in], float32
    std::array<torch::Tensor, kBlockMatrices> bias;  ///< [out] or undefined
};

struct LlamaWeights {
    ModelConfig config;
    int headDim = 0;
    torch::Tensor embed;      ///< [vocab, d]
    std::vector<BlockWeights> blocks;
    torch::Tensor finalNorm;  ///< [d]
    torch::Tensor head;       ///< [vocab, d]; the embedding itself when tied
    bool tiedHead = false;
};

/// Converts every tensor the model needs to float32 (once). Throws FormatError
/// naming the checkpoint and the tensor for anything missing or misshapen.
LlamaWeights loadLlamaWeights(const Checkpoint& ckpt);

/// y = x·Wᵀ (+ bias) for block matrix `m`; lets a trainable suffix substitute
/// its own parametrisation of the weights.
using LinearFn = std::function<torch::Tensor(int m, const torch::Tensor& x)>;

class LlamaModel {
public:
    explicit LlamaModel(LlamaWeights weights);

    const ModelConfig& config() const { return m_w.config; }
    const LlamaWeights& weights() const { return m_w; }
    int layers() const { return static_cast<int>(m_w.blocks.size()); }
    int dModel() const { return m_w.config.dModel; }
    int64_t parameterCount() const;

    /// ids: [B, T] int64 → hidden [B, T, d].
    torch::Tensor embed(const torch::Tensor& ids) const;
    /// Frozen blocks [begin, end) applied to h.
    torch::Tensor runBlocks(torch::Tensor h, int begin, int end) const;
    /// One block with the given linear maps and norm weights.
    torch::Tensor block(const torch::Tensor& h, const LinearFn& linear, const torch::Tensor& attnNorm,
                        const torch::Tensor& ffnNorm) const;
    /// The frozen block `layer`.
    torch::Tensor block(const torch::Tensor& h, int layer) const;
    /// Final norm and head: [B, T, d] → [B, T, vocab]. Overrides when defined.
    torch::Tensor logits(const torch::Tensor& h, const torch::Tensor& head = {},
                         const torch::Tensor& finalNorm = {}) const;
    /// Whole model: ids [B, T] → logits [B, T, vocab].
    torch::Tensor forward(const torch::Tensor& ids) const;

    torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& w) const;
    /// x: [B, T, H, headDim]; rotates pairs in the config's layout.
    torch::Tensor rope(const torch::Tensor& x) const;

private:
    LlamaWeights m_w;
    torch::Tensor m_cos, m_sin;  ///< [maxSeq, headDim/2]
};

/// Mean cross-entropy (nats) of logits [B, T, V] against targets [B, T],
/// counting only positions where mask [B, T] is true. Also returns the count.
torch::Tensor maskedCrossEntropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                 const torch::Tensor& mask);

} // namespace ctscope
