#pragma once
/// The trained suffix of a Llama model for one run: its last blocks (and, for
/// the full arm, the head) under the run's parametrisation. Train-internal
/// (LibTorch). The base model is never modified.
///
///  full   W trainable (copies of the blocks' matrices and norms, q/k norms included, and of the head)
///  amp    W = W_res + S·B   when d_model is W's input side (q,k,v,gate,up; o when square)
///         W = W_res + Bᵀ·S  when it is the output side (down; o of [d_model, n_heads·head_dim])
///         S initialised to the projection (S = W·Bᵀ, resp. B·W) so the
///         residual model starts unchanged; `reconstruct` drops W_res.
///  lora   W = W0 + scale·Bl·A with A random (seeded), Bl zero
#include "core/train/finetune_types.h"
#include "core/train/llama_model.h"

#include <array>
#include <vector>

namespace ctscope {

/// Frozen orthonormal rows per block matrix type: rows[m] is [≥K, d_model].
struct BasisTensors {
    std::array<torch::Tensor, kBlockMatrices> rows;
};

/// A random orthonormal basis of d_model (first `k` rows), from `seed`.
torch::Tensor randomOrthonormalRows(int64_t dModel, int64_t k, uint64_t seed);

class SuffixModel {
public:
    /// Trains blocks [firstBlock, layers). `basis` is required for amp runs.
    SuffixModel(const LlamaModel& base, int firstBlock, const RunSpec& spec, const BasisTensors* basis = nullptr);

    const RunSpec& spec() const { return m_spec; }
    int firstBlock() const { return m_first; }
    /// The base model's device; every tensor of the suffix lives there.
    torch::Device device() const { return m_base.device(); }
    /// The trainable leaves (for the optimiser).
    const std::vector<torch::Tensor>& parameters() const { return m_params; }
    int64_t trainableCount() const;

    /// hidden entering firstBlock [B, T, d] → logits [B, T, vocab].
    torch::Tensor forward(const torch::Tensor& hidden) const;
    /// The current weight of matrix `m` of block `layer` (≥ firstBlock), as
    /// [out, in], detached.
    torch::Tensor effectiveWeight(int layer, int m) const;
    /// The norm weights of block `layer` (≥ firstBlock): trained copies for
    /// the full arm, the base's otherwise.
    torch::Tensor attnNorm(int layer) const;
    torch::Tensor ffnNorm(int layer) const;
    /// The q/k norm weights of block `layer` (Qwen3; undefined otherwise):
    /// trained copies for the full arm, the base's otherwise.
    torch::Tensor qNorm(int layer) const;
    torch::Tensor kNorm(int layer) const;
    /// The trained head (full arm); undefined for the other arms.
    const torch::Tensor& trainedHead() const { return m_head; }

private:
    struct Adapted {
        enum Kind { Frozen, Full, AmpIn, AmpOut, Lora } kind = Frozen;
        torch::Tensor w;     ///< Frozen/Lora: W; Full: trainable W; Amp: W_res (undefined for reconstruct)
        torch::Tensor bias;  ///< frozen, may be undefined
        torch::Tensor s;     ///< amp scores: [out, K] (AmpIn) or [K, in] (AmpOut)
        torch::Tensor b;     ///< amp basis rows [K, d]
        torch::Tensor bt;    ///< amp Bᵀ [d, K], contiguous (AmpOut)
        torch::Tensor loraA, loraB;
        double scale = 1.0;
        torch::Tensor forward(const torch::Tensor& x) const;
        torch::Tensor effective() const;
    };
    struct Block {
        std::array<Adapted, kBlockMatrices> m;
        torch::Tensor attnNorm, ffnNorm;
        torch::Tensor qNorm, kNorm;  ///< undefined without q/k norms
    };

    const LlamaModel& m_base;
    RunSpec m_spec;
    int m_first = 0;
    std::vector<Block> m_blocks;
    torch::Tensor m_head;  ///< defined for the full arm only
    std::vector<torch::Tensor> m_params;

    Adapted makeAdapted(const torch::Tensor& w, const torch::Tensor& bias, int m, int layer,
                        const BasisTensors* basis);
};

} // namespace ctscope
