#pragma once
/// The one split of matrix types into groups that every table, figure and
/// summary uses: attention (q, k, v, o), MLP (gate, up, down) and the
/// embeddings (embed, head).
#include "core/format/tensor_role.h"

namespace ctscope {

enum class MatrixGroup { Attention, Mlp, Embedding };

/// The group of a matrix type.
MatrixGroup matrixGroup(MatrixType t);
inline bool isAttentionType(MatrixType t) { return matrixGroup(t) == MatrixGroup::Attention; }
inline bool isMlpType(MatrixType t) { return matrixGroup(t) == MatrixGroup::Mlp; }
/// "attention", "MLP", "embeddings".
const char* matrixGroupName(MatrixGroup g);

}  // namespace ctscope
