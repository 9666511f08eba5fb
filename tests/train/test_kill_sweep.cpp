// The real `ctscope finetune` killed with SIGKILL at 20 random (seeded)
// moments on the shipped example: after every kill each output file is
// absent or whole, no finished metrics line is ever lost, and --resume then
// finishes the sweep with the summary of an uninterrupted run. Also the stop
// signals: SIGTERM, SIGINT, SIGHUP stop at a step boundary with summary.csv
// written (exit 143, 130, 129), and a second signal exits at once.
#include <catch2/catch.hpp>

#include "core/report/metrics_io.h"
#include "kill_helper.h"
#include "test_paths.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

using namespace ctscope;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> sweepArgs(const std::string& out) {
    const std::string ex = test::sourcePath("resources/examples");
    return {test::ctscopeBinary(), "finetune", ex + "/stories260K/stories260K.bin", "--data",
            ex + "/shakespeare_excerpt.txt", "--seq", "32", "--batch", "2", "--steps", "2", "--seeds", "2",
            "--k", "4,8", "--arms", "full,amp", "--basis", "universal,random", "--lr-grid", "3e-3",
            "--heldout-windows", "2", "--threads", "1", "--quiet", "--out", out};
}

size_t lineCount(const std::string& path) {
    std::ifstream in(path);
    size_t n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
}

void requireSameSummary(const std::string& a, const std::string& b) {
    const EfficiencyTable x = readSummaryCsv(a), y = readSummaryCsv(b);
    REQUIRE(x.rows.size() == y.rows.size());
    CHECK(x.l0 == Approx(y.l0).margin(1e-4));
    CHECK(x.fullMean == Approx(y.fullMean).margin(1e-4));
    for (size_t i = 0; i < x.rows.size(); ++i) {
        INFO("row " << i << ": " << x.rows[i].spec().id());
        CHECK(x.rows[i].spec().id() == y.rows[i].spec().id());
        CHECK(x.rows[i].n == y.rows[i].n);
        CHECK(x.rows[i].mean == Approx(y.rows[i].mean).margin(1e-4));
        CHECK(x.rows[i].finalLoss == Approx(y.rows[i].finalLoss).margin(1e-4));
    }
}

} // namespace

TEST_CASE("kill -9 a sweep at 20 random moments: files stay whole, --resume finishes it", "[train][kill][resume]") {
    REQUIRE(fs::exists(test::ctscopeBinary()));
    test::TempDir tmp;
    const std::string log = tmp.file("log.txt");
    const std::string ref = tmp.file("ref");
    const auto refRun = test::runChild(sweepArgs(ref), log, -1);
    REQUIRE(refRun.exitCode == 0);
    REQUIRE(readSummaryCsv(ref + "/summary.csv").rows.size() == 5);  // full, amp universal/random × K 4, 8

    std::mt19937 rng(20240909);
    // Start-up (LibTorch, analysis, data) takes most of a second. Even kills
    // fall anywhere from the launch on; odd ones during the training and the
    // file writes, counted from the moment metrics.jsonl appears.
    std::uniform_real_distribution<double> fromLaunch(0.02, 1.2);
    std::uniform_real_distribution<double> fromTraining(0.0, 0.5);
    const std::string dir = tmp.file("sweep");
    const std::string metricsPath = dir + "/metrics.jsonl";
    int kills = 0, filesChecked = 0, tornFiles = 0, tornLastLines = 0, completedRounds = 0;
    std::vector<std::string> before;  // complete metrics lines before the launch
    while (kills < 20) {
        auto args = sweepArgs(dir);
        args.push_back("--resume");
        const bool training = kills % 2 == 1;
        std::error_code ec;
        const auto sizeAtLaunch = fs::exists(metricsPath) ? fs::file_size(metricsPath) : 0;
        const auto r = training ? test::runChild(args, log, fromTraining(rng), SIGKILL,
                                                 [&] { return fs::file_size(metricsPath, ec) > sizeAtLaunch && !ec; })
                                : test::runChild(args, log, fromLaunch(rng));
        if (!r.signalled) {  // it finished before the kill: check it, start a fresh round
            REQUIRE(r.exitCode == 0);
            requireSameSummary(dir + "/summary.csv", ref + "/summary.csv");
            fs::rename(dir, dir + ".round-" + std::to_string(completedRounds++));
            before.clear();
            continue;
        }
        ++kills;
        for (const char* name : {"metrics.jsonl", "summary.csv", "sweep.json"}) {
            const std::string path = dir + "/" + name;
            if (!fs::exists(path)) continue;
            ++filesChecked;
            const std::string text = test::readText(path);
            std::string why;
            bool whole = true;
            if (std::string(name) == "metrics.jsonl") {
                bool torn = false;
                std::vector<std::string> lines;
                whole = test::metricsIsWhole(text, &torn, &lines);
                tornLastLines += torn;
                // Append-only: every line that was complete before is still there.
                for (size_t i = 0; whole && i < before.size(); ++i) whole = i < lines.size() && lines[i] == before[i];
                if (whole) {
                    CHECK_NOTHROW(readMetricsLog(path));
                    before = lines;
                }
            } else if (std::string(name) == "summary.csv") {
                whole = test::csvIsWhole(text, &why) && text.rfind("arm,", 0) == 0;
            } else {
                whole = test::jsonIsWhole(text);
            }
            if (!whole) {
                ++tornFiles;
                FAIL_CHECK(path << " is not whole after kill " << kills << " (" << why << ")");
            }
        }
        // No temporary files are left for the user to wonder about, except
        // the one the killed write was filling (the next write replaces it).
    }
    auto args = sweepArgs(dir);
    args.push_back("--resume");
    const auto last = test::runChild(args, log, -1);
    REQUIRE(last.exitCode == 0);
    requireSameSummary(dir + "/summary.csv", ref + "/summary.csv");
    const MetricsLog logRead = readMetricsLog(dir + "/metrics.jsonl");
    REQUIRE(logRead.runs.size() == 10);
    for (const LoggedRun& run : logRead.runs) {
        CHECK(run.run.completed);
        CHECK(run.run.steps.size() == 3);  // steps 0, 1, 2 of the last attempt only
    }
    std::printf("kill-sweep: %d kills, %d files checked, %d torn files, %d torn last metrics lines ignored, "
                "%d rounds finished between kills, uninterrupted run %.2f s\n",
                kills, filesChecked, tornFiles, tornLastLines, completedRounds, refRun.seconds);
    CHECK(tornFiles == 0);
}

TEST_CASE("SIGTERM, SIGINT and SIGHUP stop a sweep at a step boundary, a second signal exits at once",
          "[train][kill][signals]") {
    REQUIRE(fs::exists(test::ctscopeBinary()));
    test::TempDir tmp;
    const std::string log = tmp.file("log.txt");
    struct Case {
        int sig;
        int code;
    };
    for (const Case c : {Case{SIGTERM, 143}, Case{SIGINT, 130}, Case{SIGHUP, 129}}) {
        const std::string dir = tmp.file("s" + std::to_string(c.sig));
        const std::string metrics = dir + "/metrics.jsonl";
        const auto r = test::runChild(sweepArgs(dir), log, 0.0, c.sig, [&] { return lineCount(metrics) >= 5; });
        INFO("signal " << c.sig);
        REQUIRE(r.signalled);
        CHECK(r.exitCode == c.code);
        const std::string text = test::readText(metrics);
        bool torn = true;
        CHECK(test::metricsIsWhole(text, &torn));
        CHECK_FALSE(torn);  // it stopped between steps, not mid-line
        REQUIRE(fs::exists(dir + "/summary.csv"));
        CHECK(test::csvIsWhole(test::readText(dir + "/summary.csv")));
        const auto runs = readMetricsFile(metrics);
        int finished = 0;
        for (const RunResult& run : runs) finished += run.completed;
        CHECK(static_cast<int>(readSummaryCsv(dir + "/summary.csv").rows.size()) <= finished);
        CHECK(finished < 10);
    }
    // Two signals: the second one ends the process without waiting for a step.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const std::string dir = tmp.file("twice" + std::to_string(attempt));
        const std::string twiceLog = dir + ".txt";
        const auto r = test::runChild(sweepArgs(dir), twiceLog, 0.0, SIGTERM,
                                      [&] { return lineCount(dir + "/metrics.jsonl") >= 2; }, SIGTERM);
        CHECK(r.exitCode == 143);
        if (!r.secondDelivered) continue;  // it had stopped already: try again
        CHECK(test::readText(twiceLog).find("second signal, exiting now") != std::string::npos);
        break;
    }
}
