// The Llama forward pass: RoPE layouts, grouped-query attention, tied heads.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/train/llama_model.h"
#include "train_test_util.h"

using namespace ctscope;

namespace {

// HF's converter: Meta's interleaved pairs (2i, 2i+1) → rotate_half pairs (i, i + hd/2).
torch::Tensor metaToHf(const torch::Tensor& w, int64_t heads) {
    const int64_t hd = w.size(0) / heads;
    return w.view({heads, hd / 2, 2, w.size(1)}).transpose(1, 2).reshape({heads * hd, w.size(1)}).contiguous();
}

torch::Tensor sampleIds(int64_t vocab, int64_t b, int64_t t) {
    auto gen = at::detail::createCPUGenerator(7);
    return at::randint(vocab, {b, t}, gen, torch::kInt64);
}

} // namespace

TEST_CASE("model: RoPE layouts agree once q/k rows are permuted as HF's converter does", "[train][model]") {
    torch::NoGradGuard noGrad;
    const ModelConfig meta = test::smallConfig(RopeLayout::Interleaved);
    LlamaWeights wm = test::randomWeights(meta, 1);
    LlamaWeights wh = wm;
    wh.config.ropeLayout = RopeLayout::HalfSplit;
    for (auto& b : wh.blocks) {
        b.w[kQ] = metaToHf(b.w[kQ], meta.nHeads);
        b.w[kK] = metaToHf(b.w[kK], meta.nKvHeads);
    }
    const LlamaModel a(wm), h(wh);
    const auto ids = sampleIds(meta.vocab, 2, 20);
    const auto la = a.forward(ids), lh = h.forward(ids);
    CHECK(torch::allclose(la, lh, 1e-4, 1e-5));

    // Using the wrong layout gives a visibly different model.
    LlamaWeights wrong = wm;
    wrong.config.ropeLayout = RopeLayout::HalfSplit;
    CHECK((LlamaModel(wrong).forward(ids) - la).abs().max().item<double>() > 1e-2);
}

TEST_CASE("model: causal — a token's logits do not depend on later tokens", "[train][model]") {
    torch::NoGradGuard noGrad;
    const LlamaModel m(test::randomWeights(test::smallConfig(), 2));
    auto ids = sampleIds(40, 1, 12);
    auto l1 = m.forward(ids);
    auto ids2 = ids.clone();
    ids2[0][11] = (ids2[0][11].item<int64_t>() + 1) % 40;
    auto l2 = m.forward(ids2);
    CHECK(torch::allclose(l1.narrow(1, 0, 11), l2.narrow(1, 0, 11), 1e-5, 1e-6));
}

TEST_CASE("model: grouped-query attention equals full attention with repeated kv heads", "[train][model]") {
    torch::NoGradGuard noGrad;
    const ModelConfig c = test::smallConfig();
    LlamaWeights g = test::randomWeights(c, 3);
    LlamaWeights full = g;
    full.config.nKvHeads = c.nHeads;
    const int64_t hd = g.headDim, rep = c.nHeads / c.nKvHeads;
    for (auto& b : full.blocks)
        for (int m : {kK, kV}) b.w[static_cast<size_t>(m)] = b.w[static_cast<size_t>(m)].view({c.nKvHeads, hd, c.dModel}).repeat_interleave(rep, 0).reshape({c.nHeads * hd, c.dModel});
    const auto ids = sampleIds(c.vocab, 2, 10);
    CHECK(torch::allclose(LlamaModel(g).forward(ids), LlamaModel(full).forward(ids), 1e-4, 1e-5));
}

TEST_CASE("model: splitting the forward at a block boundary changes nothing", "[train][model]") {
    torch::NoGradGuard noGrad;
    const LlamaModel m(test::randomWeights(test::smallConfig(), 4, /*tied=*/true));
    const auto ids = sampleIds(40, 2, 9);
    auto h = m.runBlocks(m.embed(ids), 0, 1);
    auto split = m.logits(m.runBlocks(h, 1, m.layers()));
    CHECK(torch::allclose(split, m.forward(ids)));
    CHECK(m.weights().head.data_ptr() == m.weights().embed.data_ptr());
}

TEST_CASE("model: stories260K loads from every form with the same weights", "[train][model]") {
    CTSCOPE_REQUIRE_SHARED("models/stories260K-f32.gguf");
    torch::NoGradGuard noGrad;
    const LlamaModel bin(loadLlamaWeights(*openCheckpoint(test::storiesBin())));
    const LlamaModel gguf(loadLlamaWeights(*openCheckpoint(test::sharedPath("models/stories260K-f32.gguf"))));
    CHECK(bin.weights().tiedHead);
    CHECK(bin.config().ropeLayout == RopeLayout::Interleaved);
    CHECK(bin.parameterCount() == gguf.parameterCount());
    const auto ids = sampleIds(512, 1, 30);
    CHECK(torch::allclose(bin.forward(ids), gguf.forward(ids), 1e-4, 1e-5));
    if (!test::haveShared("models/stories260K-hf")) return;
    const LlamaModel hf(loadLlamaWeights(*openCheckpoint(test::sharedPath("models/stories260K-hf"))));
    CHECK(hf.config().ropeLayout == RopeLayout::HalfSplit);
    CHECK(torch::allclose(bin.forward(ids), hf.forward(ids), 1e-4, 1e-5));
}
