// The fine-tuning panel never writes over a sweep: Run into a folder that
// holds one asks Resume / Move aside / Cancel (driven here by clicking the
// real message box), and a reopened folder of shards is followed as the
// shards grow. On the shipped stories260K example (never skipped).
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/report/metrics_io.h"
#include "core/spectral/spectral_analysis.h"
#include "ui/finetune_form.h"
#include "ui/finetune_panel.h"
#include "ui/run_table_model.h"
#include "ui/sweep_job.h"

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTimer>

#include <filesystem>
#include <fstream>

using namespace ctscope;
using namespace ctscope::ui;
namespace fs = std::filesystem;

namespace {

/// Clicks `button` of the existing-sweep question once it is shown; records its text.
void answerQuestion(const QString& button, QString* text) {
    QTimer::singleShot(0, [button, text] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) {
            FAIL_CHECK("no message box was shown");
            return;
        }
        CHECK(box->objectName() == QStringLiteral("existingSweepQuestion"));
        *text = box->text();
        auto* b = box->findChild<QAbstractButton*>(button);
        if (!b) {
            FAIL_CHECK("the question has no button " << button.toStdString());
            box->reject();
            return;
        }
        b->click();
    });
}

size_t lineCount(const std::string& path) {
    std::ifstream in(path);
    size_t n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
}

} // namespace

TEST_CASE("Run into a folder that holds a sweep asks: Resume, Move aside or Cancel", "[ui][sweep][resume]") {
    test::uiApp();
    test::TempDir tmp;
    const std::string dir = tmp.file("sweep");
    FinetunePanel panel(nullptr, false);
    panel.setModel(test::analysedModel(test::examplePath("stories260K/stories260K.bin")));
    panel.form()->setOptions(test::tinySweep(dir));
    QSignalSpy finished(panel.job(), &SweepJob::finished);
    QSignalSpy errors(&panel, &FinetunePanel::errorOccurred);
    panel.run();
    REQUIRE(test::waitUntil([&] { return finished.count() == 1; }, 120000));
    REQUIRE(errors.count() == 0);
    const size_t lines = lineCount(dir + "/metrics.jsonl");
    REQUIRE(lines == 2 * 4);  // two runs: start marker + steps 0..2

    // Resume: nothing is re-run, the finished runs are shown.
    QString question;
    answerQuestion(QStringLiteral("resumeSweep"), &question);
    panel.run();
    CHECK(question.contains(QString::fromStdString(dir)));
    CHECK(question.contains(QStringLiteral("2 finished run(s)")));
    REQUIRE(test::waitUntil([&] { return finished.count() == 2; }, 120000));
    CHECK(finished.at(1).at(0).value<SweepResult>().runs.size() == 2);
    CHECK(panel.runModel()->rowCount() == 2);
    CHECK(lineCount(dir + "/metrics.jsonl") == lines);

    // Cancel: nothing starts, nothing changes.
    answerQuestion(QStringLiteral("cancelSweep"), &question);
    panel.run();
    CHECK_FALSE(panel.isRunning());
    CHECK(finished.count() == 2);
    CHECK(lineCount(dir + "/metrics.jsonl") == lines);

    // Move aside: the old sweep is kept as DIR.old-1, a fresh one runs.
    answerQuestion(QStringLiteral("moveSweepAside"), &question);
    panel.run();
    REQUIRE(test::waitUntil([&] { return finished.count() == 3; }, 120000));
    CHECK(lineCount(dir + ".old-1/metrics.jsonl") == lines);
    CHECK(lineCount(dir + "/metrics.jsonl") == lines);
    CHECK(errors.count() == 0);
    test::saveScreenshot(&panel, QStringLiteral("finetune_after_move_aside"));
}

TEST_CASE("a reopened folder of shards is merged and followed as the shards grow", "[ui][sweep][shard]") {
    test::uiApp();
    test::TempDir tmp;
    const std::string dir = tmp.file("sharded");
    auto writeRun = [&](int shard, Arm arm, int seed, double final) {
        fs::create_directories(dir + "/shards/" + std::to_string(shard));
        MetricsWriter w(dir + "/shards/" + std::to_string(shard) + "/metrics.jsonl");
        RunSpec spec;
        spec.arm = arm;
        spec.k = arm == Arm::Amp ? 8 : 0;
        spec.seed = seed;
        spec.lr = 1e-3;
        w.writeRunStart(spec.id(), 1, "");
        for (int step = 0; step <= 1; ++step) {
            StepMetrics m;
            m.spec = spec;
            m.runId = spec.id();
            m.step = step;
            m.totalSteps = 1;
            m.heldOutLoss = step == 0 ? 5.0 : final;
            m.trainLoss = 4.0;
            w.write(m);
        }
    };
    writeRun(0, Arm::Full, 0, 4.0);
    writeRun(0, Arm::Full, 1, 4.1);
    writeRun(1, Arm::Amp, 0, 4.5);
    FinetunePanel panel(nullptr, false);
    REQUIRE(panel.openSweepFolder(QString::fromStdString(dir)));
    CHECK(panel.isFollowingShards());
    CHECK(panel.runs().size() == 3);
    CHECK(panel.runModel()->rowCount() == 3);  // one row per run
    writeRun(1, Arm::Amp, 1, 4.6);             // shard 1 finishes another run
    REQUIRE(test::waitUntil([&] { return panel.runs().size() == 4; }, 4 * FinetunePanel::kFollowIntervalMs + 2000));
    CHECK(panel.runModel()->rowCount() == 4);
    CHECK(panel.status().contains(QStringLiteral("following the shards")));
}
