// Nothing the user made is lost: a folder holding a sweep is refused unless
// resumed, a stopped sweep resumes to the numbers of an uninterrupted one,
// a run cut off mid-way is re-run and counted once, changed options re-run
// what they change, shards merge to the unsharded sweep. On the shipped
// stories260K example (never skipped).
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/report/metrics_io.h"
#include "core/report/sweep_dir.h"
#include "core/report/sweep_merge.h"
#include "core/report/sweep_record.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/finetune_sweep.h"
#include "core/train/sweep_plan.h"
#include "core/train/sweep_shards.h"
#include "core/util/content_hash.h"
#include "core/util/error.h"
#include "test_paths.h"

#include <filesystem>
#include <fstream>
#include <set>

using namespace ctscope;
namespace fs = std::filesystem;

namespace {

struct Example {
    std::unique_ptr<Checkpoint> ckpt;
    SpectralAnalysis analysis;
};

const Example& example() {
    static const Example e = [] {
        Example x;
        x.ckpt = openCheckpoint(test::sourcePath("resources/examples/stories260K/stories260K.bin"));
        AnalysisOptions ao;
        ao.useCache = false;
        ao.keepBases = true;
        ao.threads = 2;
        x.analysis = analyzeCheckpoint(*x.ckpt, ao);
        return x;
    }();
    return e;
}

FinetuneOptions tiny(const std::string& out) {
    FinetuneOptions o;
    o.dataFile = test::sourcePath("resources/examples/shakespeare_excerpt.txt");
    o.arms = {Arm::Full, Arm::Amp};
    o.bases = {BasisKind::Universal, BasisKind::Random};
    o.ks = {4, 8};
    o.steps = 2;
    o.seq = 32;
    o.batch = 2;
    o.seeds = 2;
    o.lrGrid = {3e-3};
    o.heldOutSequences = 2;
    o.threads = 2;
    o.outDir = out;
    return o;
}

void requireSameTable(const EfficiencyTable& a, const EfficiencyTable& b) {
    REQUIRE(a.rows.size() == b.rows.size());
    CHECK(a.l0 == Approx(b.l0).margin(1e-4));
    CHECK(a.baselineLearns == b.baselineLearns);
    for (size_t i = 0; i < a.rows.size(); ++i) {
        INFO(a.rows[i].spec().id());
        CHECK(a.rows[i].spec().id() == b.rows[i].spec().id());
        CHECK(a.rows[i].n == b.rows[i].n);
        CHECK(a.rows[i].mean == Approx(b.rows[i].mean).margin(1e-4));
    }
}

std::vector<std::string> lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

} // namespace

TEST_CASE("content hash: XXH64 reference values, independent of how the input is split", "[train][resume][hash]") {
    CHECK(ContentHash::of("", 0) == 0xEF46DB3751D8E999ull);
    CHECK(ContentHash::of("abc", 3) == 0x44BC2CF5AD770999ull);
    const std::string s = "Nobody inspects the spammish repetition";
    CHECK(ContentHash::of(s.data(), s.size()) == 0xFBCEA83C8A378BF1ull);
    std::string big(1000, 'x');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + 3);
    ContentHash h;
    for (size_t i = 0; i < big.size(); i += 13) h.update(big.data() + i, std::min<size_t>(13, big.size() - i));
    CHECK(h.digest() == ContentHash::of(big.data(), big.size()));
    big[500] ^= 1;
    CHECK(h.digest() != ContentHash::of(big.data(), big.size()));
}

TEST_CASE("a folder that holds a sweep is refused unless resumed, and moved aside, never deleted", "[train][resume]") {
    const Example& ex = example();
    test::TempDir tmp;
    const std::string dir = tmp.file("sweep");
    FinetuneOptions o = tiny(dir);
    o.arms = {Arm::Full};
    o.seeds = 1;
    const SweepResult first = runSweep(*ex.ckpt, ex.analysis, o, {});
    REQUIRE(first.runs.size() == 1);
    const auto before = lines(dir + "/metrics.jsonl");
    REQUIRE(before.size() == 4);  // start marker + steps 0..2

    const ExistingSweep e = inspectSweepDir(dir);
    CHECK(e.present);
    CHECK(e.finishedRuns == 1);
    CHECK(e.describe().find("metrics.jsonl with 1 finished run") != std::string::npos);
    CHECK_THROWS_WITH(runSweep(*ex.ckpt, ex.analysis, o, {}), Catch::Contains("--resume"));
    CHECK(lines(dir + "/metrics.jsonl") == before);  // untouched

    o.resume = true;
    int steps = 0;
    SweepCallbacks cb;
    cb.onStep = [&](const StepMetrics&) { ++steps; };
    const SweepResult again = runSweep(*ex.ckpt, ex.analysis, o, cb);
    CHECK(steps == 0);  // kept, not re-run
    REQUIRE(again.runs.size() == 1);
    CHECK(again.runs[0].finalLoss == first.runs[0].finalLoss);
    CHECK(lines(dir + "/metrics.jsonl") == before);

    CHECK(moveSweepAside(dir) == dir + ".old-1");
    fs::create_directories(dir);
    std::ofstream(dir + "/sweep.json") << "{}";
    CHECK(moveSweepAside(dir + "/") == dir + ".old-2");
    CHECK(fs::exists(dir + ".old-1/metrics.jsonl"));
    CHECK(fs::exists(dir + ".old-2/sweep.json"));
    CHECK_FALSE(inspectSweepDir(dir).present);
}

TEST_CASE("a stopped sweep resumes to the summary of an uninterrupted one, the cut-off run counted once",
          "[train][resume]") {
    const Example& ex = example();
    test::TempDir tmp;
    const SweepResult whole = runSweep(*ex.ckpt, ex.analysis, tiny(tmp.file("whole")), {});
    REQUIRE(whole.runs.size() == 10);

    const std::string dir = tmp.file("stopped");
    FinetuneOptions o = tiny(dir);
    int seen = 0;
    SweepCallbacks cb;
    cb.onStep = [&](const StepMetrics&) { ++seen; };
    cb.shouldStop = [&] { return seen >= 3 * 3 + 2; };  // three runs done, the fourth at step 1
    const SweepResult stopped = runSweep(*ex.ckpt, ex.analysis, o, cb);
    CHECK(stopped.cancelled);
    REQUIRE(stopped.runs.size() == 3);
    // summary.csv was written for the runs that finished.
    CHECK(readSummaryCsv(dir + "/summary.csv").rows.size() == 2);  // the full baseline (both seeds), amp k4 (s0)
    const auto json = readSweepJson(dir);
    REQUIRE(json);
    CHECK((*json)["summary"]["runs_finished"] == 3);
    CHECK((*json)["summary"]["runs_planned"] == 10);
    CHECK((*json)["ctscope_version"] == CTSCOPE_VERSION);
    CHECK((*json)["checkpoint"]["tensor_bytes"].get<uint64_t>() > 1000000);

    o.resume = true;
    int rerunSteps = 0;
    SweepCallbacks cb2;
    cb2.onStep = [&](const StepMetrics&) { ++rerunSteps; };
    const SweepResult resumed = runSweep(*ex.ckpt, ex.analysis, o, cb2);
    CHECK_FALSE(resumed.cancelled);
    CHECK(rerunSteps == 7 * 3);  // the cut-off run from its start, and the six not begun
    requireSameTable(resumed.efficiency, whole.efficiency);
    requireSameTable(readSummaryCsv(dir + "/summary.csv"), readSummaryCsv(tmp.file("whole") + "/summary.csv"));

    const MetricsLog log = readMetricsLog(dir + "/metrics.jsonl");
    REQUIRE(log.runs.size() == 10);
    const LoggedRun* cut = log.find("amp-universal-residual-k4-s1-lr3e-3");
    REQUIRE(cut);
    CHECK(cut->attempt == 2);
    CHECK(cut->run.steps.size() == 3);  // only the last attempt's lines
    CHECK(cut->run.completed);
    CHECK(readSweepFolder(dir).runs.size() == 10);
    requireSameTable(readSweepFolder(dir).efficiency, whole.efficiency);
}

TEST_CASE("resume with other options re-runs the runs they change", "[train][resume]") {
    const Example& ex = example();
    test::TempDir tmp;
    const std::string dir = tmp.file("sweep");
    FinetuneOptions o = tiny(dir);
    o.arms = {Arm::Full};
    o.seeds = 1;
    runSweep(*ex.ckpt, ex.analysis, o, {});
    const std::string key = sweepConfigKey(dir);
    CHECK(key.size() == 16);
    o.resume = true;
    o.steps = 3;
    int steps = 0;
    SweepCallbacks cb;
    cb.onStep = [&](const StepMetrics&) { ++steps; };
    const SweepResult r = runSweep(*ex.ckpt, ex.analysis, o, cb);
    CHECK(steps == 4);  // re-run with 3 steps
    CHECK(sweepConfigKey(dir) != key);
    const SweepFolder f = readSweepFolder(dir);
    REQUIRE(f.runs.size() == 1);
    CHECK(f.runs[0].steps.size() == 4);
    o.threads = 1;  // threads and the prefix cache change no number: kept
    o.prefixCache = false;
    steps = 0;
    runSweep(*ex.ckpt, ex.analysis, o, cb);
    CHECK(steps == 0);
}

TEST_CASE("shards: a deterministic split, the baseline on shard 0, merged equal to the whole sweep",
          "[train][resume][shard]") {
    const Example& ex = example();
    test::TempDir tmp;
    FinetuneOptions o = tiny("");
    const auto all = planRuns(ex.ckpt->config(), o);
    REQUIRE(all.size() == 10);
    std::set<std::string> seen;
    for (int i = 0; i < 3; ++i)
        for (const RunSpec& r : shardRuns(all, i, 3)) {
            CHECK(seen.insert(r.id()).second);
            if (r.arm == Arm::Full) CHECK(i == kBaselineShard);
        }
    CHECK(seen.size() == all.size());
    // 2 full runs on shard 0, then the 8 others to the least loaded: 4 / 3 / 3.
    CHECK(shardRuns(all, 0, 3).size() == 4);
    CHECK(shardRuns(all, 1, 3).size() == 3);
    CHECK(parseShard("2/4") == std::make_pair(2, 4));
    CHECK_THROWS(parseShard("4/4"));
    CHECK_THROWS(parseShard("1-4"));

    const SweepResult whole = runSweep(*ex.ckpt, ex.analysis, tiny(tmp.file("whole")), {});
    const std::string dir = tmp.file("sharded");
    for (int i : {2, 0, 1}) {  // any order
        FinetuneOptions s = tiny(shardDir(dir, i));
        s.shardIndex = i;
        s.shardCount = 3;
        const SweepResult r = runSweep(*ex.ckpt, ex.analysis, s, {});
        CHECK(r.runs.size() == shardRuns(all, i, 3).size());
        if (i == 1) CHECK(r.efficiency.baselineLearns);  // read from shard 0's finished baseline
    }
    const MergedSweep m = mergeShards(dir);
    CHECK(m.shardCount == 3);
    CHECK(m.finished() == 10);
    CHECK(m.planned() == 10);
    CHECK(m.warnings.empty());
    requireSameTable(m.efficiency, whole.efficiency);
    writeMergedSweep(dir, m);
    requireSameTable(readSummaryCsv(dir + "/summary.csv"), whole.efficiency);
    CHECK(readMetricsLog(dir + "/metrics.jsonl").runs.size() == 10);
    CHECK((*readSweepJson(dir))["summary"]["runs_finished"] == 10);
    requireSameTable(readSweepFolder(dir).efficiency, whole.efficiency);
}

TEST_CASE("metrics files: a torn last line is cut before appending, summary.csv is plain CSV", "[train][resume]") {
    test::TempDir tmp;
    const std::string path = tmp.file("metrics.jsonl");
    StepMetrics m;
    m.spec.arm = Arm::Full;
    m.spec.lr = 1e-3;
    m.runId = m.spec.id();
    m.totalSteps = 1;
    m.heldOutLoss = 5.0;
    {
        MetricsWriter w(path);
        w.writeRunStart(m.runId, 1, "k");
        w.write(m);
    }
    { std::ofstream(path, std::ios::app) << "{\"run\":\"full-s0-lr1e-3\",\"ar"; }
    MetricsLog log = readMetricsLog(path);
    CHECK(log.tornLastLine);
    REQUIRE(log.warnings.size() == 1);
    CHECK(log.warnings[0].find(":3: ignored an incomplete last line") != std::string::npos);
    {
        MetricsWriter w(path);
        m.step = 1;
        m.heldOutLoss = 4.0;
        w.write(m);
    }
    log = readMetricsLog(path);
    CHECK_FALSE(log.tornLastLine);
    REQUIRE(log.runs.size() == 1);
    CHECK(log.runs[0].run.completed);
    CHECK(log.runs[0].run.finalLoss == 4.0);
    CHECK(lines(path).size() == 3);
    { std::ofstream(path, std::ios::app) << "not json\n{\"run\":1}\n"; }
    CHECK_THROWS_AS(readMetricsLog(path), FormatError);  // damage before the last line is an error

    EfficiencyTable t;
    t.l0 = 5.0;
    t.fullMean = 4.0;
    t.note = "a \"quoted\", note";
    EfficiencyRow r;
    r.arm = Arm::Amp;
    r.k = 8;
    r.mean = 0.5;
    r.defined = true;
    t.rows.push_back(r);
    writeSummaryCsv(tmp.file("summary.csv"), t);
    const auto csv = lines(tmp.file("summary.csv"));
    REQUIRE(csv.size() == 2);
    CHECK(csv[0].rfind("arm,basis,param,k,", 0) == 0);
    CHECK(csv[0].find("l0,full_mean,full_std,baseline_learns,note") != std::string::npos);
    CHECK(csv[1].find(",5,4,") != std::string::npos);
    const EfficiencyTable back = readSummaryCsv(tmp.file("summary.csv"));
    CHECK(back.note == t.note);
    CHECK(back.l0 == 5.0);
    CHECK(back.rows[0].mean == 0.5);
    // The layout before issue 9 (a '# l0=' line first) still reads.
    std::ofstream(tmp.file("old.csv")) << "# l0=5,full_mean=4,full_std=0.1,baseline_learns=1,note=\"\"\n"
                                       << "arm,basis,param,k,match_k,trainable,best_lr,start_loss,final_loss,"
                                          "efficiency_mean,efficiency_std,n,defined\n"
                                       << "amp,universal,residual,8,0,10,0.01,5,4.5,0.5,0.1,2,1\n";
    const EfficiencyTable old = readSummaryCsv(tmp.file("old.csv"));
    CHECK(old.l0 == 5.0);
    CHECK(old.baselineLearns);
    REQUIRE(old.rows.size() == 1);
    CHECK(old.rows[0].mean == 0.5);
}
