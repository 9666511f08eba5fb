// `finetune --save`: a trained run written as a Hugging Face folder reads back
// as the same model, and `compare` against the base sees exactly what moved.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/update_analysis.h"
#include "core/train/save_weights.h"
#include "core/train/suffix_model.h"
#include "train_test_util.h"

#include <filesystem>

using namespace ctscope;

namespace {

// The shipped example: present in every clone.
std::string storiesExample() { return test::sourcePath("resources/examples/stories260K/stories260K.bin"); }

torch::Tensor sampleIds() {
    auto gen = at::detail::createCPUGenerator(3);
    return at::randint(3, 512, {2, 24}, gen, torch::kInt64);
}

} // namespace

TEST_CASE("save: a trained full run reads back as the same model in HF layout", "[train][save]") {
    auto ckpt = openCheckpoint(storiesExample());
    REQUIRE(ckpt->config().ropeLayout == RopeLayout::Interleaved);  // so the q/k reorder is exercised
    const LlamaModel base(loadLlamaWeights(*ckpt));
    const int first = base.layers() - 2;
    SuffixModel suffix(base, first, RunSpec{Arm::Full});
    const auto ids = sampleIds();
    torch::Tensor hidden;
    {
        torch::NoGradGuard noGrad;
        hidden = base.runBlocks(base.embed(ids), 0, first);
    }
    // One SGD step on the next-token loss moves blocks, norms and head.
    torch::optim::SGD opt(suffix.parameters(), torch::optim::SGDOptions(0.5));
    auto targets = torch::roll(ids, -1, 1);
    auto loss = maskedCrossEntropy(suffix.forward(hidden), targets, torch::ones_like(ids, torch::kBool));
    loss.backward();
    opt.step();

    test::TempDir dir;
    const std::string out = dir.file("tuned");
    saveFinetunedModel(base, suffix, out);
    auto saved = openCheckpoint(out);
    CHECK(saved->config().ropeLayout == RopeLayout::HalfSplit);
    CHECK_FALSE(saved->config().tiedEmbeddings);  // the trained head is its own tensor
    const LlamaModel reread(loadLlamaWeights(*saved));
    torch::NoGradGuard noGrad;
    const auto expected = suffix.forward(hidden);
    const auto got = reread.forward(ids);
    const double diff = (got - expected).abs().max().item<double>();
    INFO("max |logit difference| " << diff);
    CHECK(diff < 1e-4);
    // and it differs from the base, so the comparison above can fail
    CHECK((base.forward(ids) - expected).abs().max().item<double>() > 1e-3);
}

TEST_CASE("save: an untrained run saved in HF layout shows no update against its llama2.c base", "[train][save]") {
    auto ckpt = openCheckpoint(storiesExample());
    const LlamaModel base(loadLlamaWeights(*ckpt));
    RunSpec amp;
    amp.arm = Arm::Amp;
    amp.k = 8;
    BasisTensors b;
    b.rows.fill(randomOrthonormalRows(base.dModel(), 8, 1));
    const SuffixModel untouched(base, base.layers() - 2, amp, &b);
    test::TempDir dir;
    saveFinetunedModel(base, untouched, dir.file("same"));
    auto saved = openCheckpoint(dir.file("same"));
    AnalysisOptions ao;
    ao.useCache = false;
    const SpectralAnalysis a = analyzeCheckpoint(*ckpt, ao);
    const UpdateAnalysis u = analyzeUpdate(*ckpt, *saved, a);
    REQUIRE(u.types.size() == 8);  // seven block types and the embedding
    for (const auto& t : u.types) {
        INFO(roleName(t.type) << ": rel_change " << t.relChange);
        CHECK(t.relChange < 1e-6);  // q and k compare row for row despite the RoPE reorder
    }
}
