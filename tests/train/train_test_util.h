#pragma once
// Helpers shared by the training tests: small random Llama weights and the
// real stories260K checkpoint (shipped in resources/examples).
#include "core/format/checkpoint.h"
#include "core/train/llama_model.h"
#include "test_paths.h"

#include <ATen/CPUGeneratorImpl.h>

namespace ctscope::test {

inline ModelConfig smallConfig(RopeLayout layout = RopeLayout::Interleaved) {
    ModelConfig c;
    c.dModel = 32;
    c.nLayers = 3;
    c.nHeads = 4;
    c.nKvHeads = 2;
    c.ffnDim = 48;
    c.vocab = 40;
    c.maxSeq = 64;
    c.ropeLayout = layout;
    return c;
}

/// Random weights of the given shapes (deterministic in `seed`).
inline LlamaWeights randomWeights(const ModelConfig& c, uint64_t seed, bool tied = false) {
    auto gen = at::detail::createCPUGenerator(seed);
    auto rnd = [&](std::vector<int64_t> shape, double scale) {
        return at::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat32)) * scale;
    };
    LlamaWeights w;
    w.config = c;
    w.headDim = c.dModel / c.nHeads;
    const int64_t d = c.dModel, hd = w.headDim, f = c.ffnDim;
    const double s = 1.0 / std::sqrt(static_cast<double>(d));
    w.embed = rnd({c.vocab, d}, 1.0);
    for (int l = 0; l < c.nLayers; ++l) {
        BlockWeights b;
        b.attnNorm = 1.0 + rnd({d}, 0.1);
        b.ffnNorm = 1.0 + rnd({d}, 0.1);
        b.w[kQ] = rnd({c.nHeads * hd, d}, s);
        b.w[kK] = rnd({c.nKvHeads * hd, d}, s);
        b.w[kV] = rnd({c.nKvHeads * hd, d}, s);
        b.w[kO] = rnd({d, c.nHeads * hd}, s);
        b.w[kGate] = rnd({f, d}, s);
        b.w[kUp] = rnd({f, d}, s);
        b.w[kDown] = rnd({d, f}, 1.0 / std::sqrt(static_cast<double>(f)));
        w.blocks.push_back(b);
    }
    w.finalNorm = 1.0 + rnd({d}, 0.1);
    w.tiedHead = tied;
    w.head = tied ? w.embed : rnd({c.vocab, d}, s);
    return w;
}

/// The shipped stories260K (byte-identical to ../shared/models/stories260K/).
inline std::string storiesBin() { return examplePath("stories260K/stories260K.bin"); }
/// Its shipped tokenizers: "tok512.model" or "tok512.bin".
inline std::string storiesTokenizer(const std::string& name) { return examplePath("stories260K/" + name); }
/// The shipped first 199,994 bytes of Tiny Shakespeare (a prefix of
/// ../shared/data/tinyshakespeare.txt).
inline std::string shakespeareExcerpt() { return examplePath("shakespeare_excerpt.txt"); }
/// TinyStories documents: only in ../shared (relative to sharedDir()).
inline const char* kStoriesSample = "data/tinystories_sample.txt";

} // namespace ctscope::test
