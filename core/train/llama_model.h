#pragma once
/// An exact Llama-family forward pass in LibTorch (float32): RMSNorm, RoPE in
/// either pair layout (with linear or llama3 rope_scaling, or GGUF's
/// rope_freqs factors), grouped-query attention with any head_dim, optional
/// q/k/v/o biases (Qwen2) and per-head q/k RMSNorm before RoPE (Qwen3),
/// SwiGLU, tied or untied head. This is exactly Llama, Mistral (while the
/// sequence fits its sliding window), Qwen2 and Qwen3; anything else is
/// refused by name (see loadLlamaWeights).
/// Train-internal header (includes LibTorch): never include it from ui/.
#include "core/format/model_config.h"
#include "core/train/device.h"

#include <torch/torch.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ctscope {

class Checkpoint;

/// The seven block matrices, indexed as Role::Q..Role::Down (0..6).
constexpr int kBlockMatrices = 7;
enum BlockMatrix { kQ = 0, kK, kV, kO, kGate, kUp, kDown };
/// Short name ("q", …, "down").
const char* blockMatrixName(int m);
/// True when the matrix type's d_model side is its input side (all but down).
/// An o whose input side is n_heads·head_dim ≠ d_model uses its output side
/// instead; SuffixModel tells that by shape.
inline bool dModelIsInput(int m) { return m != kDown; }

struct BlockWeights {
    torch::Tensor attnNorm, ffnNorm;               ///< [d]
    std::array<torch::Tensor, kBlockMatrices> w;   ///< [out, in], float32
    std::array<torch::Tensor, kBlockMatrices> bias;  ///< [out] or undefined
    torch::Tensor qNorm, kNorm;                    ///< [head_dim] RMSNorm of each q/k head (Qwen3), or undefined
};

struct LlamaWeights {
    ModelConfig config;
    int headDim = 0;
    /// GGUF rope_freqs.weight [head_dim/2]: llama.cpp divides each inverse
    /// frequency by its factor (how Llama 3.1 GGUFs carry llama3 scaling). Undefined when absent.
    torch::Tensor ropeFreqFactors;
    /// max_position_embeddings of the source when config.maxSeq was capped
    /// at the sliding window; 0 otherwise.
    int maxPositions = 0;
    torch::Tensor embed;      ///< [vocab, d]
    std::vector<BlockWeights> blocks;
    torch::Tensor finalNorm;  ///< [d]
    torch::Tensor head;       ///< [vocab, d]; the embedding itself when tied
    bool tiedHead = false;
};

/// Converts every tensor the model needs to float32 (once). Throws FormatError
/// naming the checkpoint and the tensor for anything missing or misshapen, and
/// naming the model_type and what the forward lacks for a checkpoint it
/// cannot run exactly (Gemma, Phi-3, MoE, an unsupported rope_scaling, ...).
/// A sliding window caps config.maxSeq (the context eval uses).
LlamaWeights loadLlamaWeights(const Checkpoint& ckpt);

/// Why the forward cannot run `c` exactly ("" when it can): rope_scaling
/// types other than linear and llama3, partial rotary embeddings. Thread-safe.
std::string unsupportedRopeReason(const ModelConfig& c);

/// RoPE inverse frequencies [head_dim/2] (float64): θ^(−2i/head_dim), then
/// rope_scaling "linear" (÷ factor) or "llama3" (transformers'
/// _compute_llama3_parameters), then ÷ `freqFactors` when defined.
/// Throws std::runtime_error for a type unsupportedRopeReason refuses.
torch::Tensor ropeInverseFrequencies(const ModelConfig& c, int headDim, const torch::Tensor& freqFactors = {});

/// The torch device of a resolved DeviceKind (Cpu or Cuda; see resolveDevice).
inline torch::Device torchDevice(DeviceKind resolved) {
    return resolved == DeviceKind::Cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

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
    /// Where the weights live (the CPU until moveTo).
    torch::Device device() const { return m_w.embed.defined() ? m_w.embed.device() : torch::Device(torch::kCPU); }
    /// Moves every weight and table to `dev` (a no-op when already there).
    /// Not thread-safe; call before any forward.
    void moveTo(torch::Device dev);

    /// ids: [B, T] int64 → hidden [B, T, d].
    torch::Tensor embed(const torch::Tensor& ids) const;
    /// Frozen blocks [begin, end) applied to h.
    torch::Tensor runBlocks(torch::Tensor h, int begin, int end) const;
    /// One block with the given linear maps and norm weights; qNorm/kNorm
    /// ([head_dim]) normalise each q/k head before RoPE when defined. Throws
    /// std::runtime_error when the sequence is longer than the sliding window.
    torch::Tensor block(const torch::Tensor& h, const LinearFn& linear, const torch::Tensor& attnNorm,
                        const torch::Tensor& ffnNorm, const torch::Tensor& qNorm, const torch::Tensor& kNorm) const;
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
    torch::Tensor m_invFreq;     ///< [headDim/2], float64
    torch::Tensor m_cos, m_sin;  ///< [min(maxSeq, 16384), headDim/2]
};

/// Mean cross-entropy (nats) of logits [B, T, V] against targets [B, T],
/// counting only positions where mask [B, T] is true. Also returns the count.
torch::Tensor maskedCrossEntropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                 const torch::Tensor& mask);

} // namespace ctscope
