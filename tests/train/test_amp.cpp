// Amplitude-only fine-tuning: the parametrisation, its span property, its
// equivalence with full fine-tuning at K = d_model under plain SGD, and the
// trainable counts.
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/suffix_model.h"
#include "core/train/sweep_plan.h"
#include "train_test_util.h"

using namespace ctscope;

namespace {

// Per-type bases computed here with torch: rows = eigenvectors of the summed
// d_model-side Gram, by descending eigenvalue (the spectral engine's contract).
BasisTensors torchTypeBases(const LlamaModel& m) {
    BasisTensors b;
    for (int t = 0; t < kBlockMatrices; ++t) {
        auto g = torch::zeros({m.dModel(), m.dModel()}, torch::kFloat64);
        for (const auto& blk : m.weights().blocks) {
            auto w = blk.w[static_cast<size_t>(t)].to(torch::kFloat64);
            g += dModelIsInput(t) ? torch::matmul(w.t(), w) : torch::matmul(w, w.t());
        }
        auto [vals, vecs] = at::linalg_eigh(g);
        b.rows[static_cast<size_t>(t)] = vecs.flip(1).t().contiguous().to(torch::kFloat32);
    }
    return b;
}

struct Stories {
    std::unique_ptr<Checkpoint> ckpt;
    std::unique_ptr<LlamaModel> model;
    torch::Tensor hidden, targets, mask;
    int first = 0;
};

Stories loadStories() {
    Stories s;
    s.ckpt = openCheckpoint(test::storiesBin());
    s.model = std::make_unique<LlamaModel>(loadLlamaWeights(*s.ckpt));
    s.first = s.model->layers() - 2;
    auto gen = at::detail::createCPUGenerator(11);
    auto ids = at::randint(3, 512, {2, 33}, gen, torch::kInt64);
    torch::NoGradGuard noGrad;
    s.hidden = s.model->runBlocks(s.model->embed(ids.narrow(1, 0, 32)), 0, s.first);
    s.targets = ids.narrow(1, 1, 32).contiguous();
    s.mask = torch::ones({2, 32}, torch::kBool);
    return s;
}

double stepLoss(SuffixModel& m, torch::optim::Optimizer& opt, const Stories& s) {
    auto loss = maskedCrossEntropy(m.forward(s.hidden), s.targets, s.mask);
    opt.zero_grad();
    loss.backward();
    opt.step();
    return loss.item<double>();
}

} // namespace

TEST_CASE("amp: trainable counts at TinyLlama shapes (dry-run arithmetic)", "[train][amp]") {
    ModelConfig c;  // shapes only: no weights needed
    c.dModel = 2048;
    c.nLayers = 22;
    c.nHeads = 32;
    c.nKvHeads = 4;
    c.ffnDim = 5632;
    c.vocab = 32000;
    RunSpec amp;
    amp.arm = Arm::Amp;
    amp.k = 64;
    CHECK(trainableParameters(c, 2, amp) == 2752512);
    amp.k = 4;
    CHECK(trainableParameters(c, 2, amp) == 172032);
    const int64_t full = trainableParameters(c, 2, RunSpec{Arm::Full});
    CHECK(full == 153624576);  // 2 × 44,044,288 (7 matrices + 2 norms) + 65,536,000 (head)
    RunSpec lora;
    lora.arm = Arm::Lora;
    lora.k = loraRankMatching(c, 64);
    CHECK(lora.k == 38);  // 64 × 21504 / 35840 = 38.4
    CHECK(std::abs(trainableParameters(c, 2, lora) - 2752512) < 2 * 35840);

    FinetuneOptions o;  // what --dry-run prints
    o.ks = {4, 64};
    o.bases = {BasisKind::Universal};
    const auto arms = planArms(c, o);
    REQUIRE(arms.size() == 5);  // full, amp K=4, amp K=64, lora ×2
    CHECK(arms[0].trainable == full);
    CHECK(arms[1].trainable == 172032);
    CHECK(arms[2].trainable == 2752512);
    CHECK(arms[3].spec.matchK == 4);
    CHECK(arms[0].memory.totalMB() < 24 * 1024);
    CHECK(planRuns(c, o).size() == 5 * 3 * 3);
}

TEST_CASE("amp: real trainable tensors match the arithmetic on stories260K", "[train][amp]") {
    const Stories s = loadStories();
    const BasisTensors b = torchTypeBases(*s.model);
    std::vector<RunSpec> specs(3);
    specs[0].arm = Arm::Full;
    specs[1].arm = Arm::Amp;
    specs[1].k = 16;
    specs[2].arm = Arm::Lora;
    specs[2].k = 5;
    for (const auto& spec : specs) {
        SuffixModel m(*s.model, s.first, spec, &b);
        CHECK(m.trainableCount() == trainableParameters(s.model->config(), 2, spec));
    }
}

TEST_CASE("amp: residual starts unchanged, reconstruct starts from the rank-K reconstruction", "[train][amp]") {
    const Stories s = loadStories();
    const BasisTensors b = torchTypeBases(*s.model);
    torch::NoGradGuard noGrad;
    const auto base = s.model->logits(s.model->runBlocks(s.hidden, s.first, s.model->layers()));
    RunSpec spec;
    spec.arm = Arm::Amp;
    spec.k = 8;
    SuffixModel res(*s.model, s.first, spec, &b);
    CHECK(torch::allclose(res.forward(s.hidden), base, 1e-4, 1e-4));
    spec.param = AmpParam::Reconstruct;
    SuffixModel rec(*s.model, s.first, spec, &b);
    const auto& w = s.model->weights().blocks[static_cast<size_t>(s.first)];
    const auto bq = b.rows[kQ].narrow(0, 0, 8), bd = b.rows[kDown].narrow(0, 0, 8);
    CHECK(torch::allclose(rec.effectiveWeight(s.first, kQ), torch::matmul(torch::matmul(w.w[kQ], bq.t()), bq), 1e-5, 1e-6));
    CHECK(torch::allclose(rec.effectiveWeight(s.first, kDown), torch::matmul(bd.t(), torch::matmul(bd, w.w[kDown])), 1e-5, 1e-6));
    CHECK((rec.forward(s.hidden) - base).abs().max().item<double>() > 1e-2);
    spec.k = s.model->dModel();  // full-rank reconstruction is the model itself
    SuffixModel recFull(*s.model, s.first, spec, &b);
    CHECK(torch::allclose(recFull.forward(s.hidden), base, 1e-3, 1e-3));
}

TEST_CASE("amp: the AdamW update lies in the span of B", "[train][amp]") {
    const Stories s = loadStories();
    BasisTensors rnd;
    rnd.rows.fill(randomOrthonormalRows(s.model->dModel(), 16, 5));
    const BasisTensors typ = torchTypeBases(*s.model);
    for (const BasisTensors* b : std::vector<const BasisTensors*>{&typ, &rnd}) {
        RunSpec spec;
        spec.arm = Arm::Amp;
        spec.k = 16;
        SuffixModel m(*s.model, s.first, spec, b);
        std::vector<torch::Tensor> before;
        for (int l = s.first; l < s.model->layers(); ++l)
            for (int t = 0; t < kBlockMatrices; ++t) before.push_back(m.effectiveWeight(l, t));
        torch::optim::AdamW opt(m.parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.01));
        for (int i = 0; i < 3; ++i) stepLoss(m, opt, s);
        size_t i = 0;
        for (int l = s.first; l < s.model->layers(); ++l)
            for (int t = 0; t < kBlockMatrices; ++t) {
                const auto dw = (m.effectiveWeight(l, t) - before[i++]).to(torch::kFloat64);
                const auto B = b->rows[static_cast<size_t>(t)].narrow(0, 0, 16).to(torch::kFloat64);
                const auto P = torch::matmul(B.t(), B);  // projector onto span(B), d × d
                const auto inSpan = dModelIsInput(t) ? torch::matmul(dw, P) : torch::matmul(P, dw);
                const double norm = dw.norm().item<double>(), orth = (dw - inSpan).norm().item<double>();
                INFO("layer " << l << " " << blockMatrixName(t) << ": |dW| " << norm << ", orthogonal " << orth);
                CHECK(norm > 1e-4);
                CHECK(orth <= 1e-5 * norm);
            }
    }
}

TEST_CASE("amp: at K = d_model with the per-type basis, the first SGD step equals full fine-tuning's", "[train][amp]") {
    const Stories s = loadStories();
    const BasisTensors b = torchTypeBases(*s.model);
    RunSpec full{Arm::Full}, amp;
    amp.arm = Arm::Amp;
    amp.basis = BasisKind::Type;
    amp.k = s.model->dModel();
    SuffixModel mf(*s.model, s.first, full, &b), ma(*s.model, s.first, amp, &b);
    torch::optim::SGD of(mf.parameters(), torch::optim::SGDOptions(0.5));
    torch::optim::SGD oa(ma.parameters(), torch::optim::SGDOptions(0.5));
    const double lf = stepLoss(mf, of, s), la = stepLoss(ma, oa, s);
    CHECK(lf == Approx(la).epsilon(1e-5));
    for (int l = s.first; l < s.model->layers(); ++l)
        for (int t = 0; t < kBlockMatrices; ++t) {
            const auto w0 = s.model->weights().blocks[static_cast<size_t>(l)].w[static_cast<size_t>(t)];
            const auto df = mf.effectiveWeight(l, t) - w0, da = ma.effectiveWeight(l, t) - w0;
            const double scale = df.abs().max().item<double>();
            INFO("layer " << l << " " << blockMatrixName(t) << ": max |dW_full| " << scale);
            CHECK(scale > 1e-4);
            CHECK((da - df).abs().max().item<double>() <= 1e-3 * scale);
        }
}

TEST_CASE("amp: the torch per-type basis agrees with the spectral engine's", "[train][amp]") {
    const Stories s = loadStories();
    AnalysisOptions ao;
    ao.useCache = false;
    ao.keepBases = true;
    const SpectralAnalysis a = analyzeCheckpoint(*s.ckpt, ao);
    const BasisTensors b = torchTypeBases(*s.model);
    for (int t = 0; t < kBlockMatrices; ++t) {
        const auto eng = a.basisFor(static_cast<MatrixType>(t));
        REQUIRE(eng);
        const auto e = torch::from_blob(const_cast<float*>(eng->rows.data()), {eng->dim, eng->dim}, torch::kFloat32);
        // Leading eigenvectors agree up to sign.
        const auto dots = (e.narrow(0, 0, 4) * b.rows[static_cast<size_t>(t)].narrow(0, 0, 4)).sum(1).abs();
        INFO(blockMatrixName(t) << ": |<b_i, b'_i>| = " << dots);
        CHECK(dots.min().item<double>() > 0.99);
    }
}
