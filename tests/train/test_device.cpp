// The device choice: parsing, auto/cpu/cuda resolution, a clear error for
// cuda without a GPU (these run everywhere), and on a GPU the forward, a
// sweep and eval agreeing with the CPU path (skipped with a message without one).
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/device.h"
#include "core/train/evaluate.h"
#include "core/train/finetune_sweep.h"
#include "train_test_util.h"

using namespace ctscope;

namespace {

FinetuneOptions tinySweep(DeviceKind d) {
    FinetuneOptions o;
    o.dataFile = test::shakespeareExcerpt();
    o.steps = 2;
    o.seq = 32;
    o.batch = 2;
    o.seeds = 1;
    o.heldOutSequences = 4;
    o.threads = 2;
    o.lrGrid = {3e-3};
    o.arms = {Arm::Full, Arm::Amp, Arm::Lora};
    o.bases = {BasisKind::Universal};
    o.ks = {8};
    o.device = d;
    return o;
}

SpectralAnalysis storiesAnalysis(const Checkpoint& c) {
    AnalysisOptions ao;
    ao.useCache = false;
    return analyzeCheckpoint(c, ao);
}

} // namespace

TEST_CASE("device: names parse back, anything else is refused", "[train][device]") {
    for (const DeviceKind d : {DeviceKind::Auto, DeviceKind::Cpu, DeviceKind::Cuda}) {
        DeviceKind back = DeviceKind::Auto;
        REQUIRE(parseDeviceKind(deviceKindName(d), &back));
        CHECK(back == d);
    }
    DeviceKind untouched = DeviceKind::Cpu;
    CHECK_FALSE(parseDeviceKind("gpu", &untouched));
    CHECK_FALSE(parseDeviceKind("CUDA", &untouched));
    CHECK_FALSE(parseDeviceKind("", &untouched));
    CHECK(untouched == DeviceKind::Cpu);
}

TEST_CASE("device: auto is cuda exactly when a GPU is there; cuda without one is a clear error", "[train][device]") {
    CHECK(resolveDevice(DeviceKind::Cpu) == DeviceKind::Cpu);
    const bool gpu = cudaAvailable();
    CHECK(resolveDevice(DeviceKind::Auto) == (gpu ? DeviceKind::Cuda : DeviceKind::Cpu));
    if (gpu) {
        CHECK(resolveDevice(DeviceKind::Cuda) == DeviceKind::Cuda);
        CHECK_THAT(describeDevice(DeviceKind::Auto), Catch::StartsWith("cuda"));
    } else {
        CHECK_THROWS_WITH(resolveDevice(DeviceKind::Cuda), Catch::Contains("no CUDA device is available"));
        CHECK_THAT(describeDevice(DeviceKind::Auto), Catch::StartsWith("cpu"));
        // The engine entry points refuse before doing any work.
        const auto ckpt = openCheckpoint(test::storiesBin());
        EvalOptions eo;
        eo.dataFile = test::shakespeareExcerpt();
        eo.device = DeviceKind::Cuda;
        CHECK_THROWS_WITH(evaluateCheckpoint(*ckpt, eo), Catch::Contains("--device cuda"));
        const SpectralAnalysis a = storiesAnalysis(*ckpt);
        CHECK_THROWS_WITH(runSweep(*ckpt, a, tinySweep(DeviceKind::Cuda), {}), Catch::Contains("--device cuda"));
    }
}

TEST_CASE("device: moving the model to the CPU device changes no logit", "[train][device]") {
    const auto ckpt = openCheckpoint(test::storiesBin());
    LlamaModel a(loadLlamaWeights(*ckpt));
    LlamaModel b(loadLlamaWeights(*ckpt));
    b.moveTo(torchDevice(DeviceKind::Cpu));
    CHECK(b.device().is_cpu());
    auto ids = torch::arange(1, 33, torch::kInt64).view({1, 32});
    torch::NoGradGuard noGrad;
    CHECK(torch::equal(a.forward(ids), b.forward(ids)));
}

TEST_CASE("device: on CUDA the forward, eval and a sweep agree with the CPU", "[train][device][cuda]") {
    if (!cudaAvailable()) {
        WARN("SKIPPED: no CUDA device (LibTorch sees none)");
        return;
    }
    const auto ckpt = openCheckpoint(test::storiesBin());
    LlamaModel cpu(loadLlamaWeights(*ckpt));
    LlamaModel gpu(loadLlamaWeights(*ckpt));
    gpu.moveTo(torchDevice(DeviceKind::Cuda));
    REQUIRE(gpu.device().is_cuda());
    {
        torch::NoGradGuard noGrad;
        auto ids = torch::arange(1, 65, torch::kInt64).view({2, 32});
        const auto lc = cpu.forward(ids);
        const auto lg = gpu.forward(ids.to(gpu.device())).cpu();
        CHECK((lc - lg).abs().max().item<double>() < 1e-3 * lc.abs().max().item<double>());
    }
    EvalOptions eo;
    eo.dataFile = test::shakespeareExcerpt();
    eo.docs = 1;
    eo.device = DeviceKind::Cpu;
    const double lossCpu = evaluateCheckpoint(*ckpt, eo).loss;
    eo.device = DeviceKind::Cuda;
    CHECK(evaluateCheckpoint(*ckpt, eo).loss == Approx(lossCpu).epsilon(1e-4));

    const SpectralAnalysis a = storiesAnalysis(*ckpt);
    const SweepResult rc = runSweep(*ckpt, a, tinySweep(DeviceKind::Cpu), {});
    const SweepResult rg = runSweep(*ckpt, a, tinySweep(DeviceKind::Cuda), {});
    REQUIRE(rc.runs.size() == rg.runs.size());
    for (size_t i = 0; i < rc.runs.size(); ++i) {
        INFO(rc.runs[i].spec.id());
        CHECK(rg.runs[i].startLoss == Approx(rc.runs[i].startLoss).epsilon(1e-4));
        CHECK(rg.runs[i].finalLoss == Approx(rc.runs[i].finalLoss).epsilon(1e-3));
    }
    FinetuneOptions bf = tinySweep(DeviceKind::Cuda);
    bf.bf16Autocast = true;
    const SweepResult rb = runSweep(*ckpt, a, bf, {});
    REQUIRE(rb.runs.size() == rc.runs.size());
    for (size_t i = 0; i < rc.runs.size(); ++i) {
        INFO(rc.runs[i].spec.id() << " under BF16 autocast");
        CHECK(rb.runs[i].finalLoss == Approx(rc.runs[i].finalLoss).epsilon(2e-2));
    }
}
