#pragma once
/// The list of weight matrices a checkpoint holds, each classified into one of
/// the nine types, plus the tensors that are deliberately left out and why.
#include "core/format/tensor_role.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ctscope {

class Checkpoint;
struct TensorInfo;

struct WeightMatrix {
    std::string name;        ///< tensor name; split parts get a suffix, e.g. "h.0.attn.c_attn.weight[q]"
    std::string tensor;      ///< tensor name in the file
    MatrixType type = Role::Q;
    int layer = -1;          ///< -1 for embed/head
    int64_t rowBegin = 0;    ///< first row in [out, in] orientation
    int64_t rows = 0;        ///< out features
    int64_t cols = 0;        ///< in features
    /// The d_model side: true when the Gram is taken over the input side
    /// (G = WᵀW, cols == d_model); false for down-type matrices (G = WWᵀ).
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

/// Classifies every tensor of the checkpoint. Throws FormatError when a matrix
/// has a shape that does not fit the config (neither side equals d_model).
WeightInventory buildInventory(const Checkpoint& ckpt);

/// Reads one matrix as float32, row-major [rows, cols].
std::vector<float> readMatrix(const Checkpoint& ckpt, const WeightMatrix& m);

} // namespace ctscope
