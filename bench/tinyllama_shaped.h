#pragma once
/// Writes a shape-realistic TinyLlama-1.1B checkpoint (d 2048, ffn 5632,
/// 22 layers, 32 heads, 4 kv heads, vocab 32000, untied head) as a sharded
/// Hugging Face folder, streaming tensor by tensor. Weights are random with a
/// decaying column scale, so spectra are anisotropic like real ones.
#include <string>

namespace ctscope::bench {

struct ShapedModelOptions {
    int layers = 22;
    int dModel = 2048;
    int ffn = 5632;
    int heads = 32;
    int kvHeads = 4;
    int vocab = 32000;
    bool bf16 = true;
    double shardBytes = 1.0e9;
};

/// Returns the number of parameters written. Throws std::runtime_error.
long long writeShapedModel(const std::string& dir, const ShapedModelOptions& opts);

} // namespace ctscope::bench
