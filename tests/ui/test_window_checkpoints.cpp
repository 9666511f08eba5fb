// Several checkpoints in one window (issue 6 §4): a base and its fine-tune
// made with `finetune --save` side by side, the update ΔW they imply, and a
// pair of different widths (overlay only). Uses the shipped example, so it
// runs in every clone.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/finetune_args.h"
#include "ui/analysis_job.h"
#include "ui/budget_view.h"
#include "ui/efficiency_frontier_view.h"
#include "ui/finetune_panel.h"
#include "ui/frontier_view.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/overlay_view.h"
#include "ui/update_view.h"

#include <qcustomplot.h>

#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QTabWidget>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

std::string example(const std::string& rel) { return test::sourcePath("resources/examples/" + rel); }

/// A full fine-tune of the shipped stories260K on the shipped Shakespeare
/// excerpt, saved as a Hugging Face folder under `dir`. Made by the engine
/// binary, as the window would: this test binary links no LibTorch.
std::string makeFineTune(const test::TempDir& dir) {
    FinetuneOptions o;
    o.dataFile = example("shakespeare_excerpt.txt");
    o.arms = {Arm::Full};
    o.steps = 3;
    o.seq = 64;
    o.batch = 4;
    o.seeds = 1;
    o.heldOutSequences = 2;
    o.lrGrid = {3e-3};
    o.threads = 2;
    o.outDir = dir.file("sweep");
    o.saveDir = dir.file("tuned");
    QStringList args{QStringLiteral("finetune"), QString::fromStdString(example("stories260K/stories260K.bin"))};
    for (const std::string& a : finetuneArgs(o)) args << QString::fromStdString(a);
    QProcess engine;
    engine.start(QStringLiteral(CTSCOPE_ENGINE_BINARY), args);
    REQUIRE(engine.waitForFinished(120000));
    INFO(engine.readAllStandardError().toStdString());
    REQUIRE(engine.exitStatus() == QProcess::NormalExit);
    REQUIRE(engine.exitCode() == 0);
    CHECK(engine.readAllStandardOutput().contains("saved run full-s0-lr3e-3 to"));
    return o.saveDir;
}

int plottablesNamed(QCustomPlot* plot, const QString& name) {
    int n = 0;
    for (int i = 0; i < plot->plottableCount(); ++i) n += plot->plottable(i)->name() == name;
    return n;
}

}  // namespace

TEST_CASE("window: a base and its saved fine-tune side by side, with the update they imply", "[ui][issue6]") {
    test::uiApp();
    test::TempDir dir;
    const QString tuned = QString::fromStdString(makeFineTune(dir));
    const QString base = QString::fromStdString(example("stories260K/stories260K.bin"));

    MainWindow w(MainWindow::Options{false, false});
    AnalysisOptions ao;
    ao.threads = 2;
    ao.cacheDir = dir.file("cache");
    w.analysisJob()->setOptions(ao);
    w.resize(1400, 860);
    w.show();
    QSignalSpy updated(&w, &MainWindow::updateFinished);
    w.openPaths({base, tuned});
    REQUIRE(test::waitUntil([&] { return updated.count() > 0; }, 120000));
    CHECK(updated.at(0).at(0).toBool());

    REQUIRE(w.models().size() == 2);
    OverlayView* overlay = w.overlayView();
    REQUIRE(overlay->checkpointCount() == 2);
    for (const LoadedModelPtr& m : w.models()) {
        INFO(m->displayName().toStdString());
        CHECK(plottablesNamed(overlay->prPlot(), m->displayName()) == 1);
        CHECK(plottablesNamed(overlay->k90Plot(), m->displayName()) == 1);
        CHECK(plottablesNamed(overlay->energyPlot(), m->displayName()) == 1);
    }

    // The fine-tune moved the last two blocks, not the embedding (it feeds
    // the frozen prefix), and a full-rank basis captures all of any update.
    const UpdateAnalysis& u = w.updateView()->update();
    REQUIRE(u.dModel == 64);
    for (const auto& t : u.types) {
        INFO(roleName(t.type) << ": rel_change " << t.relChange);
        if (t.type == Role::Embed) {
            CHECK(t.relChange == 0.0);
            continue;
        }
        CHECK(t.relChange > 1e-4);
        CHECK(t.relChange < 0.5);
        CHECK(t.capturedUniversal.back() == Approx(1.0).epsilon(1e-6));
        CHECK(t.capturedType.back() == Approx(1.0).epsilon(1e-6));
    }
    CHECK(w.updateView()->tableModel()->rowCount() >= 7);
    CHECK(w.allTables().size() >= 4);  // frontier, groups, budget, update

    for (QWidget* tab : std::initializer_list<QWidget*>{w.overlayView(), w.updateView(), w.frontierView(),
                                                        w.budgetView(), w.efficiencyFrontierView()}) {
        w.tabs()->setCurrentWidget(tab);
        QTest::qWait(50);
        const QString name = QString::fromLatin1(tab->metaObject()->className()).section(QStringLiteral("::"), -1);
        test::saveScreenshot(&w, QStringLiteral("window_two_checkpoints_") + name);
    }

    // Opening a checkpoint replaces them all.
    QSignalSpy shown(&w, &MainWindow::modelShown);
    w.openPath(base);
    REQUIRE(test::waitUntil([&] { return shown.count() > 0; }, 60000));
    CHECK(w.models().size() == 1);
    CHECK(overlay->checkpointCount() == 1);
    CHECK(w.updateView()->update().types.empty());
}

TEST_CASE("window: checkpoints of different widths overlay, and the update says why it is absent", "[ui][issue6]") {
    test::uiApp();
    test::TempDir dir;
    MainWindow w(MainWindow::Options{false, false});
    AnalysisOptions ao;
    ao.threads = 2;
    ao.cacheDir = dir.file("cache");
    w.analysisJob()->setOptions(ao);
    w.show();
    QSignalSpy updated(&w, &MainWindow::updateFinished);
    w.openPaths({QStringLiteral("demo"), QString::fromStdString(example("stories260K/stories260K.bin"))});
    REQUIRE(test::waitUntil([&] { return updated.count() > 0; }, 120000));
    CHECK_FALSE(updated.at(0).at(0).toBool());
    CHECK(w.overlayView()->checkpointCount() == 2);
    CHECK(w.messageBar()->isVisible());
    INFO(w.messageBar()->text().toStdString());
    CHECK(w.messageBar()->text().contains(QStringLiteral("no update")));
    CHECK(w.messageBar()->text().contains(QStringLiteral("d_model")));
    CHECK(w.updateView()->update().types.empty());
}
