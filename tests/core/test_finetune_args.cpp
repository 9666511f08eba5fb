// FinetuneOptions ↔ `finetune` flags (core/train/finetune_args.h): every
// field survives format → parse, bad values are usage errors naming the
// flag, and the engine's progress lines (core/train/engine_event.h) read back
// what was written, with the metrics.jsonl field names.
#include <catch2/catch.hpp>

#include "core/report/metrics_io.h"
#include "core/train/engine_event.h"
#include "core/train/finetune_args.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace ctscope;

namespace {

/// Parses `flags` as `ctscope finetune CKPT <flags>` does.
FinetuneOptions parse(const std::vector<std::string>& flags) {
    std::vector<std::string> store{"ctscope", "finetune", "ckpt"};
    store.insert(store.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& s : store) argv.push_back(s.data());
    const Args args(static_cast<int>(argv.size()), argv.data(), 2, finetuneOptionFlags(), finetuneOptionSwitches());
    REQUIRE(args.positional() == std::vector<std::string>{"ckpt"});
    return finetuneOptionsFromArgs(args);
}

/// Every field but commandLine, changed from its default.
FinetuneOptions unusual() {
    FinetuneOptions o;
    o.dataFile = "/data/some text.txt";
    o.tokenizerFile = "/tok/tokenizer.json";
    o.blocks = 3;
    o.ks = {2, 5, 7};
    o.bases = {BasisKind::Random, BasisKind::Universal};
    o.arms = {Arm::Lora, Arm::Amp};
    o.params = {AmpParam::Reconstruct, AmpParam::Residual};
    o.steps = 11;
    o.seq = 48;
    o.batch = 6;
    o.seeds = 2;
    o.lrGrid = {1e-3, 0.1 + 0.2, 2.5e-4};  // 0.30000000000000004 needs 17 digits
    o.heldOutFraction = 0.15;
    o.heldOutSequences = 9;
    o.threads = 5;
    o.device = DeviceKind::Cuda;
    o.bf16Autocast = true;
    o.prefixCache = false;
    o.prefixCacheMaxMB = 123.5;
    o.weightDecay = 0.0;
    o.outDir = "/sweeps/run one";
    o.saveDir = "/out/tuned";
    o.saveRun = "amp-universal";
    o.resume = true;
    return o;
}

void checkEqual(const FinetuneOptions& a, const FinetuneOptions& b) {
    CHECK(a.dataFile == b.dataFile);
    CHECK(a.tokenizerFile == b.tokenizerFile);
    CHECK(a.blocks == b.blocks);
    CHECK(a.ks == b.ks);
    CHECK(a.bases == b.bases);
    CHECK(a.arms == b.arms);
    CHECK(a.params == b.params);
    CHECK(a.steps == b.steps);
    CHECK(a.seq == b.seq);
    CHECK(a.batch == b.batch);
    CHECK(a.seeds == b.seeds);
    CHECK(a.lrGrid == b.lrGrid);  // bit for bit
    CHECK(a.heldOutFraction == b.heldOutFraction);
    CHECK(a.heldOutSequences == b.heldOutSequences);
    CHECK(a.threads == b.threads);
    CHECK(a.device == b.device);
    CHECK(a.bf16Autocast == b.bf16Autocast);
    CHECK(a.prefixCache == b.prefixCache);
    CHECK(a.prefixCacheMaxMB == b.prefixCacheMaxMB);
    CHECK(a.weightDecay == b.weightDecay);
    CHECK(a.outDir == b.outDir);
    CHECK(a.saveDir == b.saveDir);
    CHECK(a.saveRun == b.saveRun);
    CHECK(a.resume == b.resume);
    CHECK(a.shardIndex == b.shardIndex);
    CHECK(a.shardCount == b.shardCount);
}

} // namespace

TEST_CASE("finetune options: format then parse gives every field back", "[finetune_args]") {
    SECTION("defaults (with an output folder)") {
        FinetuneOptions o;
        o.dataFile = "d.txt";
        o.outDir = "out";
        checkEqual(parse(finetuneArgs(o)), o);
    }
    SECTION("every field changed") {
        const FinetuneOptions o = unusual();
        checkEqual(parse(finetuneArgs(o)), o);
    }
    SECTION("a shard: --out names the sweep, outDir is the shard's folder") {
        FinetuneOptions o = unusual();
        o.shardIndex = 2;
        o.shardCount = 5;
        o.outDir = "/sweeps/big/shards/2";
        const auto flags = finetuneArgs(o);
        checkEqual(parse(flags), o);
        const auto out = std::find(flags.begin(), flags.end(), "--out");
        REQUIRE(out != flags.end());
        CHECK(*(out + 1) == "/sweeps/big");
    }
    SECTION("no output folder: the command's default") {
        FinetuneOptions o;
        const auto flags = finetuneArgs(o);
        CHECK(std::find(flags.begin(), flags.end(), "--out") == flags.end());
        CHECK(parse(flags).outDir == kFinetuneDefaultOutDir);
    }
    SECTION("formatting uses only the flags the parser knows") {
        for (const std::string& a : finetuneArgs(unusual())) {
            if (a.rfind("--", 0) != 0) continue;
            const std::string flag = a.substr(2);
            CHECK((finetuneOptionFlags().count(flag) + finetuneOptionSwitches().count(flag)) == 1);
        }
    }
}

TEST_CASE("finetune options: written by hand, as a user types them", "[finetune_args]") {
    const FinetuneOptions o = parse({"--data", "x.txt", "--k=4,16", "--basis", "per-type,random,type", "--arms",
                                     "amp", "--lr-grid", "1e-3,3e-3", "--shard", "1/3", "--out", "dir"});
    CHECK(o.ks == std::vector<int>{4, 16});
    CHECK(o.bases == std::vector<BasisKind>{BasisKind::Type, BasisKind::Random});  // duplicates dropped
    CHECK(o.arms == std::vector<Arm>{Arm::Amp});
    CHECK(o.params == std::vector<AmpParam>{AmpParam::Residual});
    CHECK(o.lrGrid == std::vector<double>{1e-3, 3e-3});
    CHECK(o.shardIndex == 1);
    CHECK(o.shardCount == 3);
    CHECK(o.outDir == "dir/shards/1");
    CHECK(o.prefixCache);
    CHECK_FALSE(o.resume);
}

TEST_CASE("finetune options: bad values are usage errors naming the flag", "[finetune_args]") {
    CHECK_THROWS_WITH(parse({"--steps", "0"}), Catch::Contains("--steps"));
    CHECK_THROWS_WITH(parse({"--k", "4,0"}), Catch::Contains("--k"));
    CHECK_THROWS_WITH(parse({"--basis", "fourier"}), Catch::Contains("--basis: unknown value 'fourier'"));
    CHECK_THROWS_WITH(parse({"--lr-grid", "-1e-3"}), Catch::Contains("--lr-grid"));
    CHECK_THROWS_WITH(parse({"--heldout-fraction", "1.5"}), Catch::Contains("--heldout-fraction"));
    CHECK_THROWS_WITH(parse({"--save-run", "full"}), Catch::Contains("--save-run needs --save"));
    CHECK_THROWS_WITH(parse({"--shard", "3/3"}), Catch::Contains("3/3"));
    CHECK_THROWS_WITH(parse({"--device", "tpu"}), Catch::Contains("--device expects auto, cpu or cuda"));
    CHECK_THROWS_AS(parse({"--blocks", "two"}), UsageError);
    CHECK_THROWS_AS(parse({"--no-such-flag"}), UsageError);
}

TEST_CASE("engine progress lines read back what was written", "[finetune_args][engine_protocol]") {
    StepMetrics m;
    m.spec.arm = Arm::Amp;
    m.spec.basis = BasisKind::Type;
    m.spec.param = AmpParam::Reconstruct;
    m.spec.k = 16;
    m.spec.seed = 2;
    m.spec.lr = 3e-3;
    m.runId = m.spec.id();
    m.step = 3;
    m.totalSteps = 5;
    m.trainLoss = 4.25;
    m.heldOutLoss = 4.5;
    m.seconds = 1.5;
    m.trainable = 12345;

    SECTION("a step carries exactly the metrics.jsonl fields, plus the event") {
        const std::string line = engineStepLine(m);
        const auto j = nlohmann::json::parse(line);
        const auto record = nlohmann::json::parse(metricsLine(m));
        CHECK(j.at("event") == "step");
        CHECK(j.size() == record.size() + 1);
        for (const auto& [key, value] : record.items()) CHECK(j.at(key) == value);
        const EngineEvent e = parseEngineEvent(line);
        REQUIRE(e.kind == EngineEvent::Kind::Step);
        CHECK(e.step.runId == "amp-type-reconstruct-k16-s2-lr3e-3");
        CHECK(e.step.step == 3);
        CHECK(e.step.totalSteps == 5);
        CHECK(e.step.trainLoss == 4.25);
        CHECK(e.step.heldOutLoss == 4.5);
        CHECK(e.step.trainable == 12345);
    }
    SECTION("a finished run") {
        RunResult r;
        r.spec = m.spec;
        r.trainable = 12345;
        r.startLoss = 5.0;
        r.finalLoss = std::nan("");
        r.steps = {m};
        r.completed = true;
        const std::string line = engineRunFinishedLine(r);
        const auto j = nlohmann::json::parse(line);
        CHECK(j.at("run") == "amp-type-reconstruct-k16-s2-lr3e-3");
        CHECK(j.at("final_loss").is_null());
        CHECK(j.at("steps") == 5);
        const EngineEvent e = parseEngineEvent(line);
        REQUIRE(e.kind == EngineEvent::Kind::RunFinished);
        CHECK(e.run.spec.id() == r.spec.id());
        CHECK(e.run.trainable == 12345);
        CHECK(e.run.startLoss == 5.0);
        CHECK(std::isnan(e.run.finalLoss));
        CHECK(e.run.completed);
        CHECK(e.run.steps.empty());
    }
    SECTION("started, analysis, message, done, error") {
        EngineEvent e = parseEngineEvent(engineStartedLine("/out", 7, "0.1.0"));
        CHECK(e.kind == EngineEvent::Kind::Started);
        CHECK(e.outDir == "/out");
        CHECK(e.runs == 7);
        e = parseEngineEvent(engineAnalysisLine(Progress{0.25, "eigen", "layers.0.wq"}));
        CHECK(e.kind == EngineEvent::Kind::Analysis);
        CHECK(e.progress.fraction == 0.25);
        CHECK(e.progress.item == "layers.0.wq");
        e = parseEngineEvent(engineMessageLine("line with \"quotes\"\tand a tab"));
        CHECK(e.kind == EngineEvent::Kind::Message);
        CHECK(e.text == "line with \"quotes\"\tand a tab");
        e = parseEngineEvent(engineDoneLine(true, 3, "/out", ""));
        CHECK(e.kind == EngineEvent::Kind::Done);
        CHECK(e.cancelled);
        CHECK(e.runs == 3);
        CHECK(e.savedRun.empty());
        CHECK(parseEngineEvent(engineDoneLine(false, 1, "/o", "full-s0-lr1e-3")).savedRun == "full-s0-lr1e-3");
        e = parseEngineEvent(engineErrorLine("data.txt: no such file"));
        CHECK(e.kind == EngineEvent::Kind::Error);
        CHECK(e.text == "data.txt: no such file");
        CHECK(parseEngineEvent(R"({"event":"from_the_future","x":1})").kind == EngineEvent::Kind::Unknown);
    }
    SECTION("broken lines are format errors naming the stream") {
        CHECK_THROWS_WITH(parseEngineEvent("{\"event\":\"step\",\"run\":", "engine stdout"),
                          Catch::Contains("engine stdout"));
        CHECK_THROWS_WITH(parseEngineEvent("[1,2]"), Catch::Contains("\"event\""));
        CHECK_THROWS_WITH(parseEngineEvent(R"({"event":"done"})"), Catch::Contains("malformed \"done\" event"));
    }
}
