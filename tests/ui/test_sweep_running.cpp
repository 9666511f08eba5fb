// What a person sees while a residual + reconstruct sweep runs in the window
// (the engine as a child process, on the shipped stories260K): Run off and
// Stop on, finished runs in the table, provisional efficiency points labelled
// n/N runs; and once it has finished, every point final, both
// parametrisations side by side.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "ui/finetune_form.h"
#include "ui/finetune_panel.h"
#include "ui/finetune_plots.h"
#include "ui/sweep_job.h"

#include <QPushButton>
#include <QSignalSpy>

#include <algorithm>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

QPushButton* button(QWidget& w, const QString& text) {
    for (QPushButton* b : w.findChildren<QPushButton*>())
        if (b->text().remove(QLatin1Char('&')) == text) return b;
    return nullptr;
}

}  // namespace

TEST_CASE("a residual + reconstruct sweep while it runs and once it is done: provisional points labelled, then final",
          "[ui][sweep][screenshots]") {
    test::uiApp();
    test::TempDir tmp;
    FinetunePanel panel(nullptr, false);
    panel.resize(1400, 800);
    panel.setModel(test::analysedModel(test::examplePath("stories260K/stories260K.bin")));
    FinetuneOptions o = test::tinySweep(tmp.file("sweep"), 60);
    o.ks = {4, 16};
    o.bases = {BasisKind::Universal};
    o.params = {AmpParam::Residual, AmpParam::Reconstruct};
    o.seeds = 2;
    panel.form()->setOptions(o);
    panel.show();
    QPushButton* run = button(panel, QStringLiteral("Run"));
    QPushButton* stop = button(panel, QStringLiteral("Stop"));
    REQUIRE(run);
    REQUIRE(stop);
    CHECK(run->isEnabled());
    CHECK_FALSE(stop->isEnabled());

    QSignalSpy finished(panel.job(), &SweepJob::finished);
    panel.run();
    REQUIRE(panel.isRunning());
    // The baseline's two seeds and one amp run in: 3 of 10 runs.
    REQUIRE(test::waitUntil([&] { return panel.runs().size() >= 3 || finished.count() > 0; }, 240000));
    REQUIRE(finished.count() == 0);  // still running: what the screenshot shows
    CHECK_FALSE(run->isEnabled());
    CHECK(stop->isEnabled());
    const auto& rows = panel.efficiency().rows;
    const auto provisional = std::count_if(rows.begin(), rows.end(), [](const EfficiencyRow& r) { return !r.complete; });
    CHECK(provisional >= 1);
    const QList<Figure> figures = panel.figures();
    const auto eff = std::find_if(figures.begin(), figures.end(),
                                  [](const Figure& f) { return f.id == QStringLiteral("finetune_efficiency"); });
    REQUIRE(eff != figures.end());
    REQUIRE(eff->model);
    bool provisionalSeries = false;
    for (const FigureSeries& s : eff->model->series)
        provisionalSeries = provisionalSeries || s.name.find("(provisional)") != std::string::npos;
    CHECK(provisionalSeries);
    const auto labels = finetuneEfficiencyLabels(panel.efficiency());
    REQUIRE_FALSE(labels.empty());
    CHECK(labels.front().text.find("/") != std::string::npos);
    CHECK(labels.front().text.find("runs") != std::string::npos);
    test::saveScreenshot(&panel, QStringLiteral("finetune_running"));

    // The end: all 10 runs in, every point final (filled, unlabelled), residual and reconstruct side by side.
    REQUIRE(test::waitUntil([&] { return finished.count() > 0; }, 240000));
    CHECK_FALSE(finished.at(0).at(0).value<SweepResult>().cancelled);
    CHECK_FALSE(panel.isRunning());
    CHECK(run->isEnabled());
    CHECK_FALSE(stop->isEnabled());
    CHECK(panel.runs().size() == 10);
    for (const EfficiencyRow& r : panel.efficiency().rows) CHECK(r.complete);
    CHECK(finetuneEfficiencyLabels(panel.efficiency()).empty());
    const QList<Figure> after = panel.figures();
    const auto done = std::find_if(after.begin(), after.end(),
                                   [](const Figure& f) { return f.id == QStringLiteral("finetune_efficiency"); });
    REQUIRE(done != after.end());
    int residual = 0, reconstruct = 0;
    for (const FigureSeries& s : done->model->series) {
        CHECK(s.name.find("(provisional)") == std::string::npos);
        if (s.x.size() != 2) continue;  // the arms' lines: K = 4 and 16
        if (s.style.hasVariant("reconstruct"))
            ++reconstruct;
        else
            ++residual;
    }
    CHECK(residual >= 1);
    CHECK(reconstruct >= 1);
    test::saveScreenshot(&panel, QStringLiteral("finetune_finished"));
}
