#pragma once
/// Writes a Hugging Face Llama folder (config.json + model.safetensors, F32)
/// that ctscope and other tools read back. Used by `finetune --save`.
#include "core/format/model_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ctscope {

struct NamedTensor {
    std::string name;              ///< HF name, e.g. "model.layers.0.self_attn.q_proj.weight"
    std::vector<int64_t> shape;
    std::vector<float> values;     ///< row-major
};

/// HF tensor names for a Llama block's matrix of the given type ("q", ...).
std::string hfLlamaName(const std::string& type, int layer);

/// Writes `dir`/config.json and `dir`/model.safetensors atomically (temp +
/// rename). q/k must already be in HF's rotate_half layout when config says
/// HalfSplit. config.json carries the model_type (llama, mistral, qwen2,
/// qwen3) and its class, head_dim, rope_scaling, the sliding window and
/// `attention_bias` (= `biases`). Throws std::runtime_error naming the file.
void writeHfLlamaFolder(const std::string& dir, const ModelConfig& config, const std::vector<NamedTensor>& tensors,
                        bool biases = false);

} // namespace ctscope
