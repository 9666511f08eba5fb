// The Heavy tails and Alpha views on the shipped stories260K: what a person
// sees (series, fitted lines from xmin, legends with alpha and D, log axes,
// guide bands, bars), the window's wiring, exports and screenshots.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/ww_metrics.h"
#include "ui/alpha_view.h"
#include "ui/analysis_job.h"
#include "ui/figure_export.h"
#include "ui/heavy_tails_view.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"
#include "ui/spectrum_view.h"

#include <qcustomplot.h>

#include <QImage>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>

#include <cmath>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

const char* kShipped = "resources/examples/stories260K/stories260K.bin";

LoadedModelPtr shippedStories() {
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = false;
    return test::analysedModel(test::sourcePath(kShipped), o);
}

int indexOf(const SpectralAnalysis& a, MatrixType type, int layer) {
    for (size_t i = 0; i < a.matrices.size(); ++i)
        if (a.matrices[i].type == type && a.matrices[i].layer == layer) return static_cast<int>(i);
    return -1;
}

int legendItems(QCustomPlot* plot) {
    int n = 0;
    for (int i = 0; i < plot->legend->itemCount(); ++i) n += plot->legend->item(i) != nullptr;
    return n;
}

}  // namespace

TEST_CASE("heavy tails view overlays ESDs with WeightWatcher's fit from xmin", "[ui][heavy-tails]") {
    test::uiApp();
    const LoadedModelPtr model = shippedStories();
    const SpectralAnalysis& a = model->analysis;
    HeavyTailsView view;
    view.resize(1200, 520);
    view.setModel(model);
    // Default: the first layer's seven matrices and the embedding.
    CHECK(view.esdSeries().size() == 8);

    const int q0 = indexOf(a, Role::Q, 0), up3 = indexOf(a, Role::Up, 3), embed = indexOf(a, Role::Embed, -1);
    REQUIRE(q0 >= 0);
    REQUIRE(up3 >= 0);
    REQUIRE(embed >= 0);
    view.setSelection({q0, up3, embed});
    REQUIRE(view.esdSeries().size() == 3);
    REQUIRE(view.ccdfSeries().size() == 3);
    for (QCustomPlot* plot : {view.esdPlot(), view.ccdfPlot()}) {
        CHECK(plot->xAxis->scaleType() == QCPAxis::stLogarithmic);
        CHECK(plot->yAxis->scaleType() == QCPAxis::stLogarithmic);
        CHECK(plot->graphCount() == 6);  // data and fit of each matrix
        CHECK(legendItems(plot) == 3);   // fits are not repeated in the legend
        CHECK(plot->itemCount() >= 3);   // one xmin marker each (plus the title rows' texts)
    }
    const WwAnalysis ww = analyzeWw(a);
    for (const auto* series : {&view.esdSeries(), &view.ccdfSeries()}) {
        for (const HeavyTailsView::Series& s : *series) {
            const WwMatrixMetrics& w = ww.matrices[static_cast<size_t>(s.matrix)];
            INFO(a.matrices[static_cast<size_t>(s.matrix)].name << ": " << s.data->name().toStdString());
            REQUIRE(s.data != nullptr);
            REQUIRE(s.fit != nullptr);
            REQUIRE(s.xmin != nullptr);
            // The legend names alpha and D, to two decimals (compact, so two columns fit an export).
            CHECK(s.data->name().contains(QStringLiteral("α=%1").arg(w.alpha, 0, 'f', 2)));
            CHECK(s.data->name().contains(QStringLiteral("D=%1").arg(w.fit.D, 0, 'f', 2)));
            // The fitted law starts at xmin and ends at λ_max; the marker sits at xmin.
            CHECK(s.fit->data()->constBegin()->key == Approx(w.fit.xmin).epsilon(1e-12));
            CHECK((s.fit->data()->constEnd() - 1)->key == Approx(w.fit.xmax).epsilon(1e-12));
            CHECK(s.xmin->point1->coords().x() == Approx(w.fit.xmin));
            CHECK(s.xmin->point2->coords().x() == Approx(w.fit.xmin));
        }
    }
    // The CCDF of the data is 1 at the smallest eigenvalue; the fitted survival
    // at xmin is the tail's share of the eigenvalues.
    const HeavyTailsView::Series& c = view.ccdfSeries().first();
    const WwMatrixMetrics& w = ww.matrices[static_cast<size_t>(c.matrix)];
    CHECK(c.data->data()->constBegin()->value == Approx(1.0));
    CHECK(c.fit->data()->constBegin()->value == Approx(double(w.fit.tail) / w.fit.fitted));
    // The histogram is a density: Σ ρ Δλ over the bins is 1 (bins equal in log λ).
    const HeavyTailsView::Series& h = view.esdSeries().first();
    double mass = 0.0;
    const auto& sv = a.matrices[static_cast<size_t>(h.matrix)].singularValues;
    const double lmin = sv.back() * sv.back(), lmax = sv.front() * sv.front();
    const int bins = 30;
    const double ratio = std::pow(lmax / lmin, 1.0 / bins);
    for (auto it = h.data->data()->constBegin(); it != h.data->data()->constEnd(); ++it) {
        const double left = it->key / std::sqrt(ratio);
        mass += it->value * (left * ratio - left);
    }
    CHECK(mass == Approx(1.0).epsilon(1e-9));
    // Exports are written from the figure models, which hold what is drawn.
    REQUIRE(view.figures().size() == 2);
    for (const Figure& f : view.figures()) {
        REQUIRE(f.model != nullptr);
        CHECK(FigureExport::csv(f) == QString::fromStdString(figureCsv(*f.model)));
        CHECK(f.model->series.size() == 6);
    }
    CHECK(view.figures()[0].id == QStringLiteral("ww_esd"));
    CHECK(view.figures()[1].id == QStringLiteral("ww_ccdf"));

    const QString shot = test::saveScreenshot(&view, QStringLiteral("heavy_tails_stories260K"));
    CHECK(QImage(shot).width() > 0);
    WARN("screenshot: " << shot.toStdString());
}

TEST_CASE("alpha view draws alpha by layer over the guide bands and per type beside PR and K90",
          "[ui][heavy-tails]") {
    test::uiApp();
    const LoadedModelPtr model = shippedStories();
    const SpectralAnalysis& a = model->analysis;
    AlphaView view;
    view.resize(1200, 520);
    view.setModel(model);
    REQUIRE(view.analysis() != nullptr);
    const WwAnalysis& ww = *view.analysis();
    // One line per block type, with every layer's alpha; the embedding as a point.
    for (MatrixType t : {Role::Q, Role::K, Role::V, Role::O, Role::Gate, Role::Up, Role::Down}) {
        QCPGraph* g = view.layerCurve(t);
        REQUIRE(g != nullptr);
        REQUIRE(g->dataCount() == 5);
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            const int i = indexOf(a, t, static_cast<int>(it->key));
            REQUIRE(i >= 0);
            CHECK(it->value == ww.matrices[static_cast<size_t>(i)].alpha);
        }
    }
    REQUIRE(view.layerCurve(Role::Embed) != nullptr);
    CHECK(view.layerCurve(Role::Embed)->data()->constBegin()->key == -1.0);
    // WeightWatcher's bands: three translucent fills at 0–2, 2–6 and above 6,
    // across the whole layer range.
    int bands = 0;
    for (int i = 0; i < view.layersPlot()->graphCount(); ++i) {
        QCPGraph* high = view.layersPlot()->graph(i);
        QCPGraph* low = high->channelFillGraph();
        if (!low) continue;
        ++bands;
        const double lo = low->data()->constBegin()->value, hi = high->data()->constBegin()->value;
        CHECK((lo == 0.0 || lo == kWwOverTrainedAlpha || lo == kWwUnderTrainedAlpha));
        CHECK(hi > lo);
        CHECK(high->brush().color().alpha() < 64);  // light, behind the data
        CHECK(low->data()->constBegin()->key <= -1.0);
        CHECK((low->data()->constEnd() - 1)->key >= 4.0);
    }
    CHECK(bands == 3);
    CHECK(view.layersPlot()->yAxis2->visible());  // the band labels

    // Per type: alpha mean bars, stacked-spectrum markers, PR/d and K90/d bars.
    REQUIRE(view.alphaBars() != nullptr);
    REQUIRE(view.alphaBars()->dataCount() == static_cast<int>(a.types.size()) + 1);
    for (size_t t = 0; t < a.types.size(); ++t) {
        INFO(roleName(a.types[t].type));
        CHECK(view.alphaBars()->data()->at(static_cast<int>(t))->value == Approx(ww.types[t].alphaMean));
        CHECK(view.prBars()->data()->at(static_cast<int>(t))->value == Approx(a.types[t].spectrum.pr / a.dModel));
        CHECK(view.k90Bars()->data()->at(static_cast<int>(t))->value ==
              Approx(double(a.types[t].spectrum.k90) / a.dModel));
        CHECK(view.stackedMarkers()->data()->at(static_cast<int>(t))->value == Approx(ww.types[t].stacked.alpha));
    }
    CHECK(view.alphaBars()->data()->at(static_cast<int>(a.types.size()))->value == Approx(ww.universal.alphaMean));
    CHECK(view.prBars()->valueAxis() == view.typesPlot()->yAxis2);

    test::TempDir dir;
    QString error;
    const QStringList files = FigureExport::writeAll(view.figures(), QString::fromStdString(dir.path().string()),
                                                     {FigureFormat::Png, FigureFormat::Csv}, ExportSize::singleColumn(),
                                                     &error);
    CHECK(error.isEmpty());
    CHECK(files.size() == 4 + 2);  // + one manifest per figure
    for (const Figure& f : view.figures()) {
        REQUIRE(f.model != nullptr);
        CHECK(FigureExport::csv(f) == QString::fromStdString(figureCsv(*f.model)));
    }
    const QString shot = test::saveScreenshot(&view, QStringLiteral("alpha_stories260K"));
    CHECK(QImage(shot).width() > 0);
    WARN("screenshot: " << shot.toStdString());
}

TEST_CASE("the window's Heavy tails tab follows the model and the table's selection", "[ui][heavy-tails]") {
    test::uiApp();
    test::TempDir tmp;
    MainWindow w(MainWindow::Options{false, false});
    AnalysisOptions o;
    o.threads = 2;
    o.cacheDir = tmp.path().string();
    w.analysisJob()->setOptions(o);
    w.resize(1500, 950);
    w.show();
    QSignalSpy shown(&w, &MainWindow::modelShown);
    w.openPath(QString::fromStdString(test::sourcePath(kShipped)));
    REQUIRE(test::waitUntil([&] { return shown.count() > 0; }, 120000));
    auto* heavy = w.findChild<HeavyTailsView*>();
    auto* alpha = w.findChild<AlphaView*>();
    REQUIRE(heavy != nullptr);
    REQUIRE(alpha != nullptr);
    CHECK(w.tabs()->tabText(w.tabs()->indexOf(heavy)) == QStringLiteral("Heavy tails"));
    CHECK(w.tabs()->indexOf(heavy) == w.tabs()->indexOf(w.spectrumView()) + 1);
    CHECK(heavy->esdSeries().size() == 8);
    CHECK(alpha->analysis() != nullptr);

    // Select two rows of the matrix table: the view shows those two.
    QTableView* table = w.modelPanel()->tableView();
    table->selectionModel()->select(table->model()->index(0, 0),
                                    QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    table->selectionModel()->select(table->model()->index(5, 0),
                                    QItemSelectionModel::Select | QItemSelectionModel::Rows);
    REQUIRE(test::waitUntil([&] { return heavy->esdSeries().size() == 2; }, 5000));
    w.tabs()->setCurrentWidget(heavy);
    test::waitUntil([] { return false; }, 150);
    const QString shot = test::saveScreenshot(&w, QStringLiteral("window_heavy_tails"));
    CHECK(QImage(shot).width() > 0);
    bool listed = false;
    for (const Figure& f : w.allFigures()) listed |= f.id == QStringLiteral("ww_esd");
    CHECK(listed);
}
