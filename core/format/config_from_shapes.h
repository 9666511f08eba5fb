#pragma once
/// Config fields taken from tensor shapes: all of them when a checkpoint has
/// no config.json, the missing ones otherwise. Internal to core/format.
#include "core/format/checkpoint.h"
#include "core/format/tensor_role.h"

#include <string>
#include <vector>

namespace ctscope::detail {

/// model_types the training engine's Llama forward implements exactly:
/// llama, mistral, qwen2, qwen3.
bool isLlamaFamily(const std::string& modelType);
/// model_types (config.json or GGUF general.architecture) whose naming
/// ctscope knows; other ones are analysed by names and shapes, with a note.
bool isKnownModelType(const std::string& modelType);

/// Which fields came from the shapes rather than from the config.
struct InferredFields {
    bool layers = false, heads = false, kvHeads = false, headDim = false, ffn = false, vocab = false;
    bool any() const { return layers || heads || kvHeads || headDim || ffn || vocab; }
};

/// Fills the fields of ck.m_config that are 0 (unknown) from the tensors:
/// vocab from the embedding, layers from the block indices, head_dim from a
/// per-head q_norm, heads from q and head_dim (else d_model/64, noted),
/// kv heads from k, ffn from gate/up/down, experts from the expert indices;
/// sets qkNorm. Adds a note for every field taken from shapes and for a
/// model_type ctscope does not know. Throws FormatError when no tensor
/// follows a known naming scheme.
InferredFields completeConfigFromShapes(Checkpoint& ck, const std::vector<TensorRole>& roles, bool noteInferred);

}  // namespace ctscope::detail
