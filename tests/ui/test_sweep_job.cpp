// SweepJob runs the sweep in the engine process (ctscope-engine finetune ...
// --progress json): live steps and finished runs arrive as signals, the
// result is read back from the sweep folder, Stop is SIGTERM at a step
// boundary, and an engine that crashes, fails or is missing ends in failed()
// with its stderr tail while the runs it finished stay reported. On the
// shipped stories260K example (never skipped).
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/report/metrics_io.h"
#include "ui/sweep_job.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>

#include <map>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

const QString kShipped = QString::fromStdString(test::examplePath("stories260K/stories260K.bin"));

/// A stand-in engine: a shell script (one run finished, then a crash).
QString fakeEngine(const test::TempDir& dir, const std::string& body) {
    const QString path = QString::fromStdString(dir.file("fake-engine"));
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly));
    f.write(("#!/bin/sh\n" + body).c_str());
    f.close();
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

} // namespace

TEST_CASE("SweepJob: the engine runs the sweep; steps, runs and the result come back", "[ui][sweep_job]") {
    test::uiApp();
    SweepJob job;
    QSignalSpy runs(&job, &SweepJob::runFinished);
    QSignalSpy finished(&job, &SweepJob::finished);
    QSignalSpy failed(&job, &SweepJob::failed);
    QStringList messages;
    QObject::connect(&job, &SweepJob::message, [&](const QString& m) { messages << m; });
    std::vector<StepMetrics> steps;
    QObject::connect(&job, &SweepJob::stepsAvailable, [&] {
        for (auto& s : job.takeSteps()) steps.push_back(s);
    });
    // No output folder: the job picks one under AppDataLocation and says so.
    REQUIRE(job.start(kShipped, test::tinySweep("", 2)));
    CHECK(job.isRunning());
    CHECK_FALSE(job.start(kShipped, test::tinySweep("", 2)));  // one sweep at a time
    CHECK(job.arguments().mid(0, 2) == QStringList{QStringLiteral("finetune"), kShipped});
    CHECK(job.arguments().join(QLatin1Char(' ')).endsWith(QStringLiteral("--progress json")));
    const QString dir = job.sweepDir();
    CHECK(dir.contains(QStringLiteral("/sweeps/")));
    CHECK(messages.value(0) == QStringLiteral("Writing the sweep to ") + dir);
    REQUIRE(test::waitUntil([&] { return finished.count() + failed.count() > 0; }, 120000));
    INFO("failed: " << (failed.isEmpty() ? std::string() : failed.at(0).at(0).toString().toStdString()));
    REQUIRE(finished.count() == 1);
    CHECK_FALSE(job.isRunning());

    // Two runs of steps 0..2, live.
    REQUIRE(runs.count() == 2);
    CHECK(steps.size() == 6);
    for (const QList<QVariant>& args : runs) CHECK(args.at(0).value<RunResult>().steps.size() == 3);
    const auto result = finished.at(0).at(0).value<SweepResult>();
    CHECK_FALSE(result.cancelled);
    REQUIRE(result.runs.size() == 2);
    // What the folder says equals what the stream said.
    const auto logged = readMetricsFile((dir + QStringLiteral("/metrics.jsonl")).toStdString());
    REQUIRE(logged.size() == 2);
    std::map<std::string, double> streamed;
    for (const QList<QVariant>& args : runs) {
        const auto r = args.at(0).value<RunResult>();
        streamed[r.spec.id()] = r.finalLoss;
        CHECK(r.steps.back().heldOutLoss == r.finalLoss);
    }
    for (const RunResult& r : logged) {
        REQUIRE(streamed.count(r.spec.id()) == 1);
        CHECK(streamed[r.spec.id()] == r.finalLoss);
        CHECK(r.finalLoss < r.startLoss);  // two steps at 3e-3 lower the held-out loss here
    }
    CHECK(result.runs[0].spec.id() == logged[0].spec.id());
    CHECK(result.efficiency.l0 == Approx(logged[0].startLoss));
    QDir(dir).removeRecursively();
}

TEST_CASE("SweepJob: Stop sends SIGTERM and the engine stops at a step boundary", "[ui][sweep_job]") {
    test::uiApp();
    test::TempDir tmp;
    SweepJob job;
    QSignalSpy finished(&job, &SweepJob::finished);
    QSignalSpy failed(&job, &SweepJob::failed);
    QSignalSpy batches(&job, &SweepJob::stepsAvailable);
    FinetuneOptions o = test::tinySweep(tmp.file("sweep"), 2000);
    o.prefixCache = false;  // built for all planned steps before the first one
    REQUIRE(job.start(kShipped, o));
    REQUIRE(test::waitUntil([&] { return batches.count() > 0 || finished.count() + failed.count() > 0; }, 60000));
    REQUIRE(finished.count() + failed.count() == 0);
    job.stop();
    CHECK(job.stopRequested());
    REQUIRE(test::waitUntil([&] { return finished.count() + failed.count() > 0; }, 60000));
    REQUIRE(finished.count() == 1);
    const auto result = finished.at(0).at(0).value<SweepResult>();
    CHECK(result.cancelled);
    CHECK(result.runs.empty());  // 2000 steps: nothing finished
    CHECK_FALSE(job.isRunning());
    // The engine's own stop path ran: it wrote the summary of what finished.
    CHECK(QFile::exists(QString::fromStdString(tmp.file("sweep/summary.csv"))));
}

TEST_CASE("SweepJob: an engine that crashes is failed() with its stderr; finished runs stay reported",
          "[ui][sweep_job]") {
    test::uiApp();
    test::TempDir tmp;
    SweepJob job;
    job.setEnginePath(fakeEngine(tmp, R"(echo '{"event":"started","out":"x","runs":2,"version":"0"}'
echo '{"event":"step","run":"full-s0-lr1e-3","arm":"full","basis":null,"param":null,"k":0,"match_k":0,"seed":0,"lr":0.001,"step":0,"steps":1,"train_loss":null,"heldout_loss":5.0,"seconds":0.1,"trainable":10}'
echo '{"event":"run_finished","run":"full-s0-lr1e-3","arm":"full","basis":null,"param":null,"k":0,"match_k":0,"seed":0,"lr":0.001,"steps":1,"trainable":10,"start_loss":5.0,"final_loss":4.0,"completed":true}'
echo 'the engine is about to fall over' >&2
echo 'segfault in block 3' >&2
kill -SEGV $$
)"));
    QSignalSpy runs(&job, &SweepJob::runFinished);
    QSignalSpy finished(&job, &SweepJob::finished);
    QSignalSpy failed(&job, &SweepJob::failed);
    REQUIRE(job.start(kShipped, test::tinySweep(tmp.file("sweep"), 1)));
    REQUIRE(test::waitUntil([&] { return finished.count() + failed.count() > 0; }, 30000));
    REQUIRE(failed.count() == 1);
    CHECK(finished.count() == 0);
    CHECK_FALSE(job.isRunning());
    const QString message = failed.at(0).at(0).toString();
    CHECK(message.contains(QStringLiteral("stopped unexpectedly")));
    CHECK(message.contains(QStringLiteral("the engine is about to fall over\nsegfault in block 3")));
    REQUIRE(runs.count() == 1);
    const auto run = runs.at(0).at(0).value<RunResult>();
    CHECK(run.finalLoss == 4.0);
    CHECK(run.steps.size() == 1);
    // The job can start again after a failure.
    job.setEnginePath(fakeEngine(tmp, "exit 0\n"));
    REQUIRE(job.start(kShipped, test::tinySweep(tmp.file("sweep2"), 1)));
    REQUIRE(test::waitUntil([&] { return finished.count() > 0; }, 30000));
}

TEST_CASE("SweepJob: a failing or missing engine says why", "[ui][sweep_job]") {
    test::uiApp();
    test::TempDir tmp;
    SweepJob job;
    QSignalSpy finished(&job, &SweepJob::finished);
    QSignalSpy failed(&job, &SweepJob::failed);
    SECTION("a data file that is not there: exit 1 with the engine's error") {
        FinetuneOptions o = test::tinySweep(tmp.file("sweep"), 1);
        o.dataFile = tmp.file("no-such-text.txt");
        REQUIRE(job.start(kShipped, o));
        REQUIRE(test::waitUntil([&] { return finished.count() + failed.count() > 0; }, 60000));
        REQUIRE(failed.count() == 1);
        const QString message = failed.at(0).at(0).toString();
        CHECK(message.startsWith(QString::fromStdString(o.dataFile)));
        CHECK(message.contains(QStringLiteral("ctscope finetune: ")));  // the stderr tail
    }
    SECTION("no engine at all") {
        job.setEnginePath(QString::fromStdString(tmp.file("ctscope-engine")));
        REQUIRE(job.start(kShipped, test::tinySweep(tmp.file("sweep"), 1)));
        CHECK(failed.count() == 0);  // reported after start() returned
        REQUIRE(test::waitUntil([&] { return failed.count() > 0; }, 10000));
        CHECK(failed.at(0).at(0).toString().contains(QStringLiteral("is missing")));
        CHECK_FALSE(job.isRunning());
    }
    CHECK(finished.count() == 0);
}
