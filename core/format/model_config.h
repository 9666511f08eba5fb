#pragma once
/// Architecture hyper-parameters, from whichever source the checkpoint has
/// (config.json, GGUF metadata, the llama2.c header).
#include <string>

namespace ctscope {

/// How RoPE pairs dimensions inside a head.
enum class RopeLayout {
    HalfSplit,    ///< HF rotate_half: (i, i + head_dim/2)
    Interleaved,  ///< Meta / llama2.c / GGUF: (2i, 2i+1)
};

struct ModelConfig {
    std::string arch = "llama";  ///< "llama" (Llama, Mistral, Qwen2) or "gpt2"
    int dModel = 0;
    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;
    int ffnDim = 0;
    int vocab = 0;
    int maxSeq = 2048;
    double ropeTheta = 10000.0;
    RopeLayout ropeLayout = RopeLayout::HalfSplit;
    double normEps = 1e-5;
    bool tiedEmbeddings = false;
    int bosId = 1;
    int eosId = 2;

    int headDim() const { return nHeads > 0 ? dModel / nHeads : 0; }
};

} // namespace ctscope
