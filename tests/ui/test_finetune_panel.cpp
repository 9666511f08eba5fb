// The fine-tuning panel driven through a real (short) sweep: live loss
// points while it runs, one efficiency point per K, Stop, reopening.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "ui/finetune_form.h"
#include "ui/finetune_panel.h"
#include "ui/finetune_plots.h"
#include "ui/run_table_model.h"
#include "ui/sweep_job.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QFileInfo>
#include <QSignalSpy>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

const char* kStoriesHf = "models/stories260K-hf";

FinetuneOptions shortSweep(const test::TempDir& out, int steps) {
    FinetuneOptions o = test::tinySweep(out.file("sweep"), steps);
    o.ks = {2, 8};
    o.bases = {BasisKind::Universal};
    return o;
}

QCPGraph* graphNamed(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->name() == name) return plot->graph(i);
    return nullptr;
}

}  // namespace

TEST_CASE("a short sweep: live loss points, one efficiency point per K, reopen from its folder", "[ui][sweep]") {
    CTSCOPE_REQUIRE_SHARED(kStoriesHf);
    test::uiApp();
    test::TempDir tmp;
    FinetunePanel panel(nullptr, false);
    QAbstractItemModelTester tester(panel.runModel(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    panel.resize(1400, 900);
    panel.show();
    panel.setModel(test::analysedModel(test::sharedPath(kStoriesHf)));
    const FinetuneOptions options = shortSweep(tmp, 4);
    panel.form()->setOptions(options);
    QSignalSpy errors(&panel, &FinetunePanel::errorOccurred);
    QSignalSpy finished(panel.job(), &SweepJob::finished);
    QSignalSpy batches(panel.job(), &SweepJob::stepsAvailable);
    panel.run();
    REQUIRE(errors.count() == 0);
    REQUIRE(panel.isRunning());

    // Points arrive while the sweep is still running.
    int pointsWhileRunning = 0;
    REQUIRE(test::waitUntil(
        [&] {
            if (panel.isRunning()) pointsWhileRunning = std::max(pointsWhileRunning, panel.plots()->lossPointCount());
            return finished.count() > 0;
        },
        300000));
    INFO("status: " << panel.status().toStdString());
    CHECK(pointsWhileRunning > 0);
    CHECK(batches.count() >= 1);
    const auto result = finished.at(0).at(0).value<SweepResult>();
    CHECK_FALSE(result.cancelled);
    // full + amp at two K values, one seed, one lr.
    REQUIRE(result.runs.size() == 3);
    CHECK(panel.runModel()->rowCount() == 3);
    CHECK(panel.plots()->lossPointCount() == 3 * 4);

    QCPGraph* amp = graphNamed(panel.plots()->efficiencyPlot(), QStringLiteral("amp · universal"));
    if (result.efficiency.baselineLearns) {
        REQUIRE(amp != nullptr);
        CHECK(amp->dataCount() == 2);
        CHECK(amp->data()->at(0)->key == 2);
        CHECK(amp->data()->at(1)->key == 8);
    } else {
        WARN("baseline did not learn in this short sweep: " << result.efficiency.note);
    }
    test::saveScreenshot(&panel, QStringLiteral("finetune_short_sweep"));

    // A new panel (a new window) brings the last sweep back by itself, read
    // off the GUI thread.
    FinetunePanel restored(nullptr, true);
    REQUIRE(test::waitUntil([&] { return !restored.isOpening(); }, 30000));
    CHECK(restored.sweepDir() == QString::fromStdString(options.outDir));
    CHECK(restored.runModel()->rowCount() == 3);

    // And any sweep can be reopened from its folder.
    FinetunePanel reopened(nullptr, false);
    REQUIRE(reopened.openSweepFolder(QString::fromStdString(options.outDir)));
    CHECK(reopened.runModel()->rowCount() == 3);
    CHECK(reopened.plots()->lossPointCount() == 3 * 4);
}

TEST_CASE("Stop cancels a running sweep", "[ui][sweep]") {
    CTSCOPE_REQUIRE_SHARED(kStoriesHf);
    test::uiApp();
    test::TempDir tmp;
    FinetunePanel panel(nullptr, false);
    panel.setModel(test::analysedModel(test::sharedPath(kStoriesHf)));
    FinetuneOptions options = shortSweep(tmp, 2000);
    options.ks = {2, 4, 8, 16};
    panel.form()->setOptions(options);
    QSignalSpy finished(panel.job(), &SweepJob::finished);
    panel.run();
    REQUIRE(panel.isRunning());
    REQUIRE(test::waitUntil([&] { return panel.plots()->lossPointCount() > 0 || finished.count() > 0; }, 120000));
    REQUIRE(finished.count() == 0);
    panel.stop();
    REQUIRE(test::waitUntil([&] { return finished.count() > 0; }, 60000));
    CHECK(finished.at(0).at(0).value<SweepResult>().cancelled);
    CHECK_FALSE(panel.isRunning());
    CHECK(panel.status().startsWith(QStringLiteral("Stopped")));
}

TEST_CASE("the sweep form validates its fields", "[ui]") {
    test::uiApp();
    FinetuneForm form;
    FinetuneOptions o;
    o.dataFile = test::sourcePath("resources/examples/shakespeare_excerpt.txt");
    o.ks = {4, 16};
    o.lrGrid = {1e-3, 3e-3};
    form.setOptions(o);
    FinetuneOptions out;
    QString error;
    REQUIRE(form.options(&out, &error));
    CHECK(out.ks == std::vector<int>{4, 16});
    CHECK(out.lrGrid == std::vector<double>{1e-3, 3e-3});
    std::vector<int> ks;
    CHECK_FALSE(FinetuneForm::parseIntList(QStringLiteral("4,x"), &ks));
    CHECK_FALSE(FinetuneForm::parseIntList(QStringLiteral("-1"), &ks));
    FinetuneForm copy;
    copy.fromMap(form.toMap());
    FinetuneOptions again;
    REQUIRE(copy.options(&again, &error));
    CHECK(again.ks == out.ks);
    // Parametrisation: residual, reconstruct or both; amp needs one.
    CHECK(out.params == std::vector<AmpParam>{AmpParam::Residual});
    o.params = {AmpParam::Residual, AmpParam::Reconstruct};
    form.setOptions(o);
    REQUIRE(form.options(&out, &error));
    CHECK(out.params == std::vector<AmpParam>{AmpParam::Residual, AmpParam::Reconstruct});
    copy.fromMap(form.toMap());
    REQUIRE(copy.options(&again, &error));
    CHECK(again.params == out.params);
    o.params = {AmpParam::Reconstruct};
    form.setOptions(o);
    REQUIRE(form.options(&out, &error));
    CHECK(out.params == std::vector<AmpParam>{AmpParam::Reconstruct});
    o.params = {};
    form.setOptions(o);
    CHECK_FALSE(form.options(&out, &error));
    CHECK(error.contains(QStringLiteral("parametrisation")));
    o.params = {AmpParam::Residual};
    o.dataFile = "/nonexistent/text.txt";
    form.setOptions(o);
    CHECK_FALSE(form.options(&out, &error));
    CHECK(error.contains(QStringLiteral("/nonexistent/text.txt")));
}
