// FigureRenderer draws a core FigureModel faithfully, and exports of the
// converted views come from the model, not from the plot.
#include <catch2/catch.hpp>

#include "ui_test_support.h"

#include "core/report/figure.h"
#include "core/report/figure_builders_spectral.h"
#include "ui/energy_view.h"
#include "ui/figure_export.h"
#include "ui/figure_renderer.h"
#include "ui/plot_data.h"
#include "ui/plot_style.h"
#include "ui/spectrum_view.h"
#include "ui/type_compare_view.h"

#include <qcustomplot.h>

#include <QJsonArray>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

FigureModel sample() {
    FigureModel f;
    f.id = "sample";
    f.title = "Loss";
    f.subtitle = "model";
    f.x.label = "K";
    f.x.scale = AxisScale::Log2;
    f.x.tickMax = 64;
    f.x.min = 0.8, f.x.max = 80;
    f.y.label = "loss";
    f.y.unit = "nats";
    f.y.min = 0, f.y.max = 3;
    FigureSeries a;
    a.name = "lora";
    a.style = {"type", "q"};
    a.x = {1, 4, 64};
    a.y = {2.5, 2.0, 1.5};
    a.yError = {0.1, 0.2, 0.3};
    FigureSeries marks;
    marks.name = "lora marks";
    marks.kind = SeriesKind::Markers;
    marks.style = a.style;
    marks.inLegend = false;
    marks.attachedTo = 0;
    marks.x = {4};
    marks.y = {2.0};
    FigureSeries band;
    band.name = "seeds";
    band.style = {"basis", "universal"};
    band.x = {1, 2};
    band.y = {1, 1};
    band.bandLow = {0.5, 0.5};
    band.bandHigh = {1.5, 1.5};
    f.series = {a, marks, band};
    f.guides = {{1.0, "one", {}}};
    return f;
}

}  // namespace

TEST_CASE("the renderer draws every series, axis and guide of a figure model", "[ui][figures]") {
    test::uiApp();
    QCustomPlot plot;
    PlotStyle::apply(&plot);
    const FigureModel f = sample();
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(f, &plot);
    REQUIRE(drawn.size() == 3);
    CHECK(plot.xAxis->scaleType() == QCPAxis::stLogarithmic);
    CHECK(plot.yAxis->label() == QStringLiteral("loss (nats)"));
    CHECK(plot.xAxis->range().lower == Approx(0.8));
    CHECK(plot.yAxis->range().upper == Approx(3));
    QCPGraph* g = FigureRenderer::graphAt(drawn, 0);
    REQUIRE(g != nullptr);
    CHECK(g->dataCount() == 3);
    CHECK(g->data()->at(2)->value == 1.5);
    CHECK(g->pen().color() == PlotStyle::typeColor(Role::Q));
    CHECK(FigureRenderer::graphAt(drawn, 1)->lineStyle() == QCPGraph::lsNone);
    // Read back independently of the model: the error bars belong to the first series.
    const QList<PlotSeries> series = PlotData::collect(&plot);
    REQUIRE(series.size() >= 3);
    CHECK(series[0].name == QStringLiteral("lora"));
    CHECK(series[0].yError == QVector<double>{0.1, 0.2, 0.3});
    // The band draws two fill graphs before its line.
    CHECK(plot.graphCount() == 5);
    CHECK(FigureRenderer::graphAt(drawn, 2)->name() == QStringLiteral("seeds"));
    CHECK(plot.itemCount() == 1);  // the guide
    CHECK(plot.yAxis2->visible());
    CHECK(PlotData::title(&plot) == QStringLiteral("Loss"));
    CHECK(PlotData::subtitle(&plot) == QStringLiteral("model"));
    CHECK(plot.legend->visible());
    // Only series in the legend get an entry.
    CHECK(plot.legend->itemWithPlottable(FigureRenderer::graphAt(drawn, 1)) == nullptr);
    CHECK(plot.legend->itemWithPlottable(g) != nullptr);

    // Re-rendering replaces everything.
    FigureModel bars;
    bars.x.textTicks = {{1, "q"}, {2, "k"}};
    bars.series.push_back(FigureSeries{"PR", SeriesKind::Bars, {"metric", "pr"}, {1, 2}, {3, 4}, {}, {}, {}, {}, true, -1});
    FigureRenderer::render(bars, &plot);
    CHECK(plot.graphCount() == 0);
    CHECK(plot.itemCount() == 0);
    const QList<PlotSeries> barSeries = PlotData::collect(&plot);
    REQUIRE(barSeries.size() == 1);
    CHECK(barSeries[0].xLabels == QStringList{QStringLiteral("q"), QStringLiteral("k")});
    CHECK_FALSE(plot.yAxis2->visible());
}

TEST_CASE("converted views export CSV and JSON from their figure model", "[ui][figures]") {
    test::uiApp();
    const LoadedModelPtr model = test::handMadeModel();
    SpectrumView spectrum;
    EnergyView energy;
    TypeCompareView types;
    spectrum.setModel(model);
    energy.setModel(model);
    types.setModel(model);
    types.setK(4);
    const QList<Figure> figures = spectrum.figures() + energy.figures() + types.figures();
    REQUIRE(figures.size() == 4);
    for (const Figure& f : figures) {
        INFO(f.id.toStdString());
        REQUIRE(f.model != nullptr);
        CHECK(f.model->id == f.id.toStdString());
        CHECK(FigureExport::csv(f) == QString::fromStdString(figureCsv(*f.model)));
        // The plot shows the model's numbers: same points, read back from QCustomPlot.
        int plotted = 0, modelled = 0;
        for (const PlotSeries& s : PlotData::collect(f.plot)) plotted += static_cast<int>(s.x.size());
        for (const FigureSeries& s : f.model->series) modelled += static_cast<int>(s.x.size());
        CHECK(plotted == modelled);
    }
    // The spectrum's model against the analysis it was built from.
    const FigureModel& s = *figures[0].model;
    const auto& mats = model->analysis.matrices;
    REQUIRE(s.series.size() == static_cast<size_t>(spectrum.shownMatrices().size()));
    for (size_t i = 0; i < s.series.size(); ++i)
        CHECK(s.series[i].y == mats[static_cast<size_t>(spectrum.shownMatrices()[static_cast<int>(i)])].singularValues);
    // JSON keeps the shape of plot exports.
    const QJsonObject json = FigureExport::json(figures[1]);
    CHECK(json.value(QStringLiteral("id")).toString() == QStringLiteral("energy"));
    const QJsonArray series = json.value(QStringLiteral("series")).toArray();
    REQUIRE_FALSE(series.isEmpty());
    CHECK(series[0].toObject().value(QStringLiteral("x_log")).toBool());
    CHECK(series[0].toObject().value(QStringLiteral("y")).toArray().size() == model->analysis.dModel);
    CHECK(types.summary() == QString::fromStdString(typeR2SummaryText(typeR2Summary(model->analysis, 4),
                                                                      model->analysis.dModel)));
}
