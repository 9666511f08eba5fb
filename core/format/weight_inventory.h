#pragma once
/// The list of weight matrices a checkpoint holds, each classified into one of
/// the nine types, plus the tensors that are deliberately left out and why.
#include "core/format/tensor_role.h"
#include "core/util/huge_pages.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ctscope {

class Checkpoint;
struct TensorInfo;

struct WeightMatrix {
    /// Tensor name; split parts get a suffix: "h.0.attn.c_attn.weight[q]",
    /// "model.layers.0.mlp.gate_up_proj.weight[up]", and one expert of a
    /// stacked GGUF tensor "blk.0.ffn_up_exps.weight[expert 3]". HF expert
    /// names carry the index already ("...experts.3.w1.weight").
    std::string name;
    std::string tensor;      ///< tensor name in the file
    MatrixType type = Role::Q;
    int layer = -1;          ///< -1 for embed/head
    int expert = -1;         ///< routed MoE expert index, -1 for dense and shared-expert matrices
    bool sharedExpert = false;  ///< a MoE shared expert's gate/up/down
    int64_t rowBegin = 0;    ///< first row in [out, in] orientation (of the flattened stack for GGUF experts)
    int64_t rows = 0;        ///< out features
    int64_t cols = 0;        ///< in features
    /// The d_model side: true when the Gram is taken over the input side
    /// (G = WᵀW, cols == d_model), false when over the output side (G = WWᵀ,
    /// rows == d_model): down, and o [d_model, n_heads·head_dim] when
    /// n_heads·head_dim ≠ d_model (a square o uses its input side).
    bool inputSide = true;
    /// The non-d_model width ("rows_W" of the docs): rows when inputSide.
    int64_t otherSide() const { return inputSide ? rows : cols; }
};

struct SkippedTensor {
    std::string name;
    std::string reason;
};

struct WeightInventory {
    std::vector<WeightMatrix> matrices;  ///< file order
    std::vector<SkippedTensor> skipped;
    /// The head shares the embedding's storage (tie_word_embeddings, or no head
    /// tensor at all): it is analysed once, as `embed`, and reported tied.
    bool tiedHead = false;
    int dModel = 0;
};

/// Classifies every tensor of the checkpoint by its name and shape (see
/// checkpoint_roles.h), splitting fused q/k/v and gate/up tensors by the
/// config's head counts, head_dim and ffn width, and stacked experts by
/// expert. Throws FormatError when a matrix has a shape that does not fit the
/// config (neither side equals d_model, or a fused tensor does not split).
WeightInventory buildInventory(const Checkpoint& ckpt);

/// Reads one matrix as float32, row-major [rows, cols].
std::vector<float> readMatrix(const Checkpoint& ckpt, const WeightMatrix& m);
/// The same into `buffer`, which only grows (it may end longer than the
/// matrix), so a loop over matrices reuses one allocation; returns its data.
const float* readMatrixInto(const Checkpoint& ckpt, const WeightMatrix& m, HugeVector<float>& buffer);

} // namespace ctscope
