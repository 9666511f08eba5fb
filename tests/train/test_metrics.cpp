// Torch-free parts: efficiency and its undefined rule, metrics files, data.
#include <catch2/catch.hpp>

#include "core/report/efficiency.h"
#include "core/report/metrics_io.h"
#include "core/train/bpe_tokenizer.h"
#include "core/train/text_data.h"
#include "test_paths.h"

#include <cmath>
#include <fstream>

using namespace ctscope;

namespace {

RunResult run(Arm arm, int k, int seed, double lr, double start, double fin) {
    RunResult r;
    r.spec.arm = arm;
    r.spec.k = k;
    r.spec.seed = seed;
    r.spec.lr = lr;
    r.startLoss = start;
    r.finalLoss = fin;
    r.completed = true;
    r.trainable = 100 * (k + 1);
    return r;
}

// A character-level tokenizer: every byte its own token (ids 3 + byte).
ScoreBpeTokenizer byteTokenizer() {
    std::vector<std::string> toks = {"<unk>", "<s>", "</s>"};
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        toks.push_back(buf);
    }
    return ScoreBpeTokenizer(toks, {}, {}, "bytes", /*addDummyPrefix=*/false);
}

} // namespace

TEST_CASE("efficiency: ratio against the baseline, negative values kept, best lr chosen", "[train][efficiency]") {
    std::vector<RunResult> runs = {
        run(Arm::Full, 0, 0, 1e-3, 5.0, 4.0), run(Arm::Full, 0, 1, 1e-3, 5.0, 4.1),
        run(Arm::Full, 0, 0, 1e-2, 5.0, 4.6), run(Arm::Full, 0, 1, 1e-2, 5.0, 4.7),  // worse lr
        run(Arm::Amp, 8, 0, 1e-2, 5.0, 4.5),  run(Arm::Amp, 8, 1, 1e-2, 5.0, 4.6),
        run(Arm::Amp, 4, 0, 1e-2, 5.0, 5.2),  run(Arm::Amp, 4, 1, 1e-2, 5.0, 5.3),  // harms
    };
    const EfficiencyTable t = computeEfficiency(runs);
    CHECK(t.baselineLearns);
    CHECK(t.note.empty());
    CHECK(t.l0 == Approx(5.0));
    CHECK(t.fullMean == Approx(4.05));
    REQUIRE(t.rows.size() == 3);
    CHECK(t.rows[0].arm == Arm::Full);
    CHECK(t.rows[0].bestLr == Approx(1e-3));
    CHECK(t.rows[0].mean == Approx(1.0));
    const EfficiencyRow& k4 = t.rows[1];
    CHECK(k4.k == 4);
    CHECK(k4.defined);
    CHECK(k4.mean == Approx(-0.25 / 0.95));
    CHECK(k4.spread == Approx(std::sqrt(0.005) / 0.95));
    CHECK(k4.n == 2);
    CHECK(t.rows[2].mean == Approx(0.45 / 0.95));
}

TEST_CASE("efficiency: undefined when the baseline does not clearly learn", "[train][efficiency]") {
    SECTION("no gain") {
        const auto t = computeEfficiency({run(Arm::Full, 0, 0, 1e-3, 5.0, 5.0004), run(Arm::Full, 0, 1, 1e-3, 5.0, 4.9998),
                                          run(Arm::Amp, 8, 0, 1e-2, 5.0, 5.1)});
        CHECK_FALSE(t.baselineLearns);
        CHECK_FALSE(t.note.empty());
        for (const auto& r : t.rows) {
            CHECK_FALSE(r.defined);
            CHECK(std::isnan(r.mean));
        }
    }
    SECTION("gain within the seed spread") {
        const auto t = computeEfficiency({run(Arm::Full, 0, 0, 1e-3, 5.0, 4.95), run(Arm::Full, 0, 1, 1e-3, 5.0, 5.03),
                                          run(Arm::Amp, 8, 0, 1e-2, 5.0, 4.99)});
        CHECK_FALSE(t.baselineLearns);
        CHECK_FALSE(t.rows.back().defined);
    }
    SECTION("baseline made things worse") {
        const auto t = computeEfficiency({run(Arm::Full, 0, 0, 1e-3, 5.0, 5.4), run(Arm::Amp, 8, 0, 1e-2, 5.0, 5.6)});
        CHECK_FALSE(t.baselineLearns);
    }
    SECTION("no baseline at all") {
        const auto t = computeEfficiency({run(Arm::Amp, 8, 0, 1e-2, 5.0, 4.0)});
        CHECK_FALSE(t.baselineLearns);
        CHECK(t.note.find("no completed full") != std::string::npos);
    }
}

TEST_CASE("metrics: lines and summary survive a round trip; a torn last line is ignored", "[train][metrics]") {
    test::TempDir dir;
    const std::string path = dir.file("metrics.jsonl");
    RunSpec amp;
    amp.arm = Arm::Amp;
    amp.basis = BasisKind::Type;
    amp.param = AmpParam::Reconstruct;
    amp.k = 16;
    amp.seed = 2;
    amp.lr = 1e-2;
    CHECK(amp.id() == "amp-type-reconstruct-k16-s2-lr1e-2");
    {
        MetricsWriter w(path);
        for (int s = 0; s <= 2; ++s) {
            StepMetrics m;
            m.runId = amp.id();
            m.spec = amp;
            m.step = s;
            m.totalSteps = 2;
            m.trainLoss = s == 0 ? std::nan("") : 4.0 - s;
            m.heldOutLoss = 5.0 - s;
            m.trainable = 1234;
            w.write(m);
        }
    }
    { std::ofstream(path, std::ios::app) << "{\"run\":\"full-s0-lr1e-3\",\"arm\":\"fu"; }
    const auto runs = readMetricsFile(path);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].completed);
    CHECK(runs[0].spec.basis == BasisKind::Type);
    CHECK(runs[0].spec.param == AmpParam::Reconstruct);
    CHECK(runs[0].startLoss == 5.0);
    CHECK(runs[0].finalLoss == 3.0);
    CHECK(std::isnan(runs[0].steps[0].trainLoss));
    CHECK(runs[0].trainable == 1234);

    EfficiencyTable t = computeEfficiency({run(Arm::Full, 0, 0, 1e-3, 5.0, 4.0), run(Arm::Amp, 8, 0, 1e-2, 5.0, 5.5)});
    t.note = "a \"quoted\", note";
    writeSummaryCsv(dir.file("summary.csv"), t);
    const EfficiencyTable back = readSummaryCsv(dir.file("summary.csv"));
    CHECK(back.note == t.note);
    CHECK(back.baselineLearns == t.baselineLearns);
    REQUIRE(back.rows.size() == 2);
    CHECK(back.rows[1].mean == Approx(-0.5));
    CHECK(back.rows[1].trainable == t.rows[1].trainable);
}

TEST_CASE("data: documents, JSONL prompt/response masks, deterministic split and order", "[train][data]") {
    test::TempDir dir;
    const auto tok = byteTokenizer();
    {
        std::ofstream(dir.file("docs.txt")) << "  first doc \n<|endoftext|>\n\n<|endoftext|>second doc";
        std::ofstream(dir.file("chat.jsonl")) << "{\"prompt\": \"Q?\", \"response\": \"A!\"}\n\n{\"text\": \"plain\"}\n";
        std::ofstream(dir.file("bad.jsonl")) << "{\"text\": 3}\n";
    }
    const auto docs = readDocuments(dir.file("docs.txt"));
    REQUIRE(docs.size() == 2);
    CHECK(docs[0].text == "first doc");
    const auto chat = readDocuments(dir.file("chat.jsonl"));
    REQUIRE(chat.size() == 2);
    CHECK(chat[0].hasPrompt);
    CHECK_THROWS(readDocuments(dir.file("bad.jsonl")));

    PackOptions po;
    po.seq = 4;
    po.heldOutFraction = 0.25;
    const PackedData p = packDocuments(chat, tok, po);
    // Stream: <s> Q ? A ! </s> <s> p l a i n (12 tokens); targets only on A ! </s> and "plain".
    REQUIRE_FALSE(p.train.empty());
    const TokenWindow& w0 = p.train[0];
    CHECK(w0.tokens == std::vector<int>{1, 3 + 'Q', 3 + '?', 3 + 'A', 3 + '!'});
    CHECK(w0.mask == std::vector<uint8_t>{0, 0, 1, 1});
    CHECK_FALSE(p.splitByDocument);

    const auto a = batchWindows(100, 3, 2, 4), b = batchWindows(100, 3, 2, 4);
    CHECK(a == b);
    CHECK(batchWindows(100, 4, 2, 4) != a);
    CHECK(windowsUsed(100, 2, 3, 4).size() <= 24);
}
