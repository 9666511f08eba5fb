// Views on a hand-made analysis, and every export format.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "ui/energy_view.h"
#include "ui/figure_export.h"
#include "ui/plot_data.h"
#include "ui/spectrum_view.h"
#include "ui/type_compare_view.h"

#include <qcustomplot.h>

#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSvgRenderer>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

std::vector<double> graphValues(QCPGraph* g) {
    std::vector<double> v;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) v.push_back(it->value);
    return v;
}

std::vector<double> barValues(QCPBars* b) {
    std::vector<double> v;
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it) v.push_back(it->value);
    return v;
}

QCPBars* barsNamed(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* b = qobject_cast<QCPBars*>(plot->plottable(i)); b && b->name() == name) return b;
    return nullptr;
}

}  // namespace

TEST_CASE("spectrum view draws the selected matrices' singular values", "[ui]") {
    test::uiApp();
    const LoadedModelPtr model = test::handMadeModel();
    SpectrumView view;
    view.setModel(model);
    // Default: the first layer (7 types) and the embedding.
    REQUIRE(view.plot()->graphCount() == 8);
    const auto& mats = model->analysis.matrices;
    for (int i = 0; i < view.plot()->graphCount(); ++i) {
        const MatrixResult& m = mats[static_cast<size_t>(view.shownMatrices()[i])];
        CHECK(graphValues(view.plot()->graph(i)) == m.singularValues);
    }
    view.setSelection({1, 3});
    REQUIRE(view.plot()->graphCount() == 2);
    view.setNormalized(true);
    CHECK(view.plot()->graph(1)->data()->at(0)->value == Approx(1.0));
    CHECK(view.plot()->yAxis->label().contains(QStringLiteral("σ_max")));
    view.setLogScale(false);
    CHECK(view.plot()->xAxis->scaleType() == QCPAxis::stLinear);
}

TEST_CASE("energy view draws E(K) per type and universal with K50/K90 marks", "[ui]") {
    test::uiApp();
    const LoadedModelPtr model = test::handMadeModel();
    EnergyView view;
    view.setModel(model);
    const SpectralAnalysis& a = model->analysis;
    REQUIRE(view.universalCurve() != nullptr);
    CHECK(graphValues(view.universalCurve()) == a.universal.energy);
    for (const TypeResult& t : a.types) {
        QCPGraph* g = view.curveFor(t.type);
        REQUIRE(g != nullptr);
        CHECK(graphValues(g) == t.spectrum.energy);
    }
    CHECK(view.plot()->xAxis->scaleType() == QCPAxis::stLogarithmic);
    // 50% and 90% guides are items (not data), labelled on the right axis.
    CHECK(view.plot()->itemCount() == 2);
    CHECK(view.plot()->yAxis2->visible());
    CHECK(PlotData::subtitle(view.plot()).contains(QStringLiteral("K50 = %1").arg(a.universal.k50)));
    view.setPerTypeVisible(false);
    CHECK(view.curveFor(Role::Q) == nullptr);
}

TEST_CASE("type comparison shows PR, K90 and R² at the chosen K", "[ui]") {
    test::uiApp();
    const LoadedModelPtr model = test::handMadeModel();
    TypeCompareView view;
    view.setModel(model);
    view.setK(4);
    QCPBars* pr = barsNamed(view.statsPlot(), QStringLiteral("PR"));
    QCPBars* k90 = barsNamed(view.statsPlot(), QStringLiteral("K90"));
    REQUIRE(pr != nullptr);
    REQUIRE(k90 != nullptr);
    std::vector<double> wantPr, wantK90;
    for (const TypeResult& t : model->analysis.types) {  // already in attention, MLP, embed order
        wantPr.push_back(t.spectrum.pr);
        wantK90.push_back(t.spectrum.k90);
    }
    CHECK(barValues(pr) == wantPr);
    CHECK(barValues(k90) == wantK90);
    const QList<PlotSeries> series = PlotData::collect(view.statsPlot());
    REQUIRE(series.size() == 2);
    CHECK(series[0].xLabels.first() == QStringLiteral("q"));
    CHECK(series[0].xLabels.last() == QStringLiteral("embed"));
    QCPBars* own = barsNamed(view.r2Plot(), QStringLiteral("per-type basis"));
    QCPBars* universal = barsNamed(view.r2Plot(), QStringLiteral("universal basis"));
    REQUIRE(own != nullptr);
    REQUIRE(universal != nullptr);
    REQUIRE(own->dataCount() == 8);
    CHECK(own->data()->at(0)->value == Approx(model->analysis.types[0].r2Type[3]));
    CHECK(universal->data()->at(0)->value == Approx(model->analysis.types[0].r2Universal[3]));
    CHECK(view.summary().contains(QStringLiteral("K = 4")));
    view.setK(1000);  // clamped to d_model
    CHECK(view.k() == 16);
}

TEST_CASE("every export format writes a file that decodes", "[ui]") {
    test::uiApp();
    const LoadedModelPtr model = test::handMadeModel();
    SpectrumView spectrum;
    EnergyView energy;
    TypeCompareView types;
    spectrum.setModel(model);
    energy.setModel(model);
    types.setModel(model);
    const QList<Figure> figures = spectrum.figures() + energy.figures() + types.figures();
    REQUIRE(figures.size() == 4);

    test::TempDir tmp;
    const QString dir = QString::fromStdString(tmp.path().string());
    QString error;
    const ExportSize size = ExportSize::singleColumn();
    const QStringList written = FigureExport::writeAll(
        figures, dir, {FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf, FigureFormat::Csv, FigureFormat::Json},
        size, &error);
    INFO(error.toStdString());
    REQUIRE(error.isEmpty());
    REQUIRE(written.size() == 4 * 4 + 1 + 4);  // + one manifest per figure
    for (const Figure& f : figures) {
        const QString base = dir + QLatin1Char('/') + f.id;
        const QImage png(base + QStringLiteral(".png"));
        REQUIRE_FALSE(png.isNull());
        CHECK(png.width() == 1050);  // 3.5 in at 300 dpi
        CHECK(png.height() == 780);
        CHECK(png.dotsPerMeterX() == Approx(300 / 0.0254).epsilon(0.01));
        QSvgRenderer svg(base + QStringLiteral(".svg"));
        CHECK(svg.isValid());
        QFile pdf(base + QStringLiteral(".pdf"));
        REQUIRE(pdf.open(QIODevice::ReadOnly));
        CHECK(pdf.read(5) == QByteArray("%PDF-"));
        CHECK(pdf.size() > 1000);
        QFile csv(base + QStringLiteral(".csv"));
        REQUIRE(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        CHECK(lines.first() == QByteArray("series,x,y,y_error,x_label"));
        int points = 0;
        for (const PlotSeries& s : PlotData::collect(f.plot)) points += static_cast<int>(s.x.size());
        CHECK(lines.size() - 2 == points);  // header and the final empty line
    }
    QFile json(dir + QStringLiteral("/figures.json"));
    REQUIRE(json.open(QIODevice::ReadOnly));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json.readAll(), &parseError);
    REQUIRE(parseError.error == QJsonParseError::NoError);
    const QJsonArray figs = doc.object().value(QStringLiteral("figures")).toArray();
    REQUIRE(figs.size() == 4);
    CHECK(figs[1].toObject().value(QStringLiteral("id")).toString() == QStringLiteral("energy"));
}

TEST_CASE("a manifest beside every exported figure names version, checkpoint, options and command", "[ui][manifest]") {
    test::uiApp();
    const LoadedModelPtr model = test::handMadeModel();
    EnergyView energy;
    TypeCompareView types;
    energy.setModel(model);
    types.setModel(model);
    const QList<Figure> figures = energy.figures() + types.figures();
    REQUIRE(figures.size() == 3);

    ExportProvenance p;
    p.command = {QStringLiteral("ctscope"), QStringLiteral("export"), QStringLiteral("my model.safetensors"),
                 QStringLiteral("--out"), QStringLiteral("figs")};
    p.checkpoint = FigureExport::checkpointIdentity(*model->checkpoint);
    p.options = QJsonObject{{QStringLiteral("per_type"), true}, {QStringLiteral("k"), 8}};
    p.seeds = {7, 11};
    FigureExport::setProvenance(p);
    test::TempDir tmp;
    const QString dir = QString::fromStdString(tmp.path().string());
    QString error;
    const QStringList written =
        FigureExport::writeAll(figures, dir, {FigureFormat::Csv, FigureFormat::Json}, ExportSize::singleColumn(), &error);
    FigureExport::setProvenance({});
    INFO(error.toStdString());
    REQUIRE(error.isEmpty());
    REQUIRE(written.size() == 3 + 1 + 3);
    for (const Figure& f : figures) {
        const QString path = dir + QLatin1Char('/') + f.id + QStringLiteral(".manifest.json");
        CHECK(written.contains(path));
        QFile file(path);
        REQUIRE(file.open(QIODevice::ReadOnly));
        QJsonParseError parseError;
        const QJsonObject m = QJsonDocument::fromJson(file.readAll(), &parseError).object();
        REQUIRE(parseError.error == QJsonParseError::NoError);
        CHECK(m.value(QStringLiteral("ctscope_version")).toString() == QStringLiteral(CTSCOPE_VERSION));
        CHECK(m.value(QStringLiteral("figure")).toString() == f.id);
        CHECK(m.value(QStringLiteral("title")).toString().toStdString() == f.model->title);
        const QJsonArray files = m.value(QStringLiteral("files")).toArray();
        REQUIRE(files.size() == 2);
        CHECK(files[0].toString() == f.id + QStringLiteral(".csv"));
        CHECK(files[1].toString() == QStringLiteral("figures.json"));
        const QJsonObject ckpt = m.value(QStringLiteral("checkpoint")).toObject();
        CHECK(ckpt.value(QStringLiteral("path")).toString().toStdString() == model->checkpoint->path());
        CHECK(ckpt.value(QStringLiteral("format")).toString().toStdString() == model->checkpoint->format());
        CHECK(ckpt.contains(QStringLiteral("identity")));
        CHECK(m.value(QStringLiteral("options")).toObject().value(QStringLiteral("k")).toInt() == 8);
        const QJsonArray seeds = m.value(QStringLiteral("seeds")).toArray();
        REQUIRE(seeds.size() == 2);
        CHECK(seeds[1].toInteger() == 11);
        CHECK(m.value(QStringLiteral("command")).toArray().size() == 5);
        CHECK(m.value(QStringLiteral("command_line")).toString() ==
              QStringLiteral("ctscope export 'my model.safetensors' --out figs"));
    }
    // Without provenance the manifest still names the version, and no checkpoint.
    const QJsonObject bare = FigureExport::manifest(figures.first(), {});
    CHECK(bare.value(QStringLiteral("checkpoint")).isNull());
    CHECK(bare.value(QStringLiteral("command_line")).toString().isEmpty());
}

TEST_CASE("CSV holds exactly the plotted series", "[ui]") {
    test::uiApp();
    const LoadedModelPtr model = test::handMadeModel();
    SpectrumView view;
    view.setModel(model);
    view.setSelection({0});
    const QList<PlotSeries> series = PlotData::collect(view.plot());
    REQUIRE(series.size() == 1);
    CHECK(series[0].x.size() == 16);
    CHECK(series[0].xLog);
    const QString csv = PlotData::toCsv(series);
    CHECK(csv.count(QLatin1Char('\n')) == 17);
    CHECK(csv.contains(QStringLiteral("\"L0 q (16×16)\"")) == false);  // no comma: not quoted
    CHECK(csv.contains(QStringLiteral("L0 q (16×16),1,")));
}

TEST_CASE("export sizes follow the presets and bad targets report the file", "[ui]") {
    test::uiApp();
    CHECK(ExportSize::doubleColumn().widthIn == 7.0);
    CHECK(ExportSize::forWidth(7.0).heightIn == Approx(7.0 * 2.6 / 3.5));
    QList<FigureFormat> formats;
    QStringList bad;
    formats = FigureExport::parseFormats(QStringLiteral("png, SVG,pdf,tiff"), &bad);
    CHECK(formats.size() == 3);
    CHECK(bad == QStringList{QStringLiteral("tiff")});

    SpectrumView view;
    view.setModel(test::handMadeModel());
    QString error;
    CHECK_FALSE(FigureExport::writeCsv(view.plot(), QStringLiteral("/nonexistent-dir/x.csv"), &error));
    CHECK(error.startsWith(QStringLiteral("/nonexistent-dir/x.csv")));
    CHECK_FALSE(FigureExport::writePdf(view.plot(), QStringLiteral("/nonexistent-dir/x.pdf"), ExportSize{}, &error));
    CHECK(error.contains(QStringLiteral("x.pdf")));
    CHECK_FALSE(FigureExport::writePng(view.plot(), QStringLiteral("/tmp/x.png"), ExportSize{0.0, 1.0, 300}, &error));
}
