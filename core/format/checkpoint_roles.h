#pragma once
/// Roles of a whole checkpoint's tensors: their names (classifyTensor),
/// refined by shapes where a name alone is ambiguous.
#include "core/format/tensor_role.h"

#include <vector>

namespace ctscope {

class Checkpoint;
struct TensorInfo;
struct ModelConfig;

/// The roles of ckpt.tensors(), in the same order. A GGUF `ffn_up` with twice
/// ffn_dim rows in a block that has no `ffn_gate` is Phi-3's fused [gate; up]
/// (llama.cpp keeps Phi-3's gate_up_proj whole under that name).
std::vector<TensorRole> classifyCheckpoint(const Checkpoint& ckpt);

/// [out, in] of a 2-D tensor (undoing GPT-2's Conv1D storage); for a 3-D
/// stack of experts, one expert's [out, in]. {0, 0} otherwise.
std::pair<int64_t, int64_t> outInShape(const TensorInfo& t);

/// Throws FormatError naming the checkpoint and listing a few of its tensor
/// names when none of them follows a known naming scheme (no matrix of any
/// type is recognised).
void requireKnownScheme(const Checkpoint& ckpt, const std::vector<TensorRole>& roles);

/// The scheme most recognised matrices follow (NameScheme::None if none).
NameScheme dominantScheme(const std::vector<TensorRole>& roles);

} // namespace ctscope
