// The explorer window driven end to end: open, compare with the core, a bad
// file, cancel, newest-request-wins, screenshots of every view.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/util/error.h"
#include "ui/analysis_job.h"
#include "ui/energy_view.h"
#include "ui/export_dialog.h"
#include "ui/finetune_panel.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/model_panel.h"
#include "ui/model_table_model.h"
#include "ui/plot_style.h"
#include "ui/settings.h"
#include "ui/spectrum_view.h"
#include "ui/type_compare_view.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>

#include <climits>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

/// The shipped stories260K (present in every checkout).
QString storiesPath() { return QString::fromStdString(test::examplePath("stories260K/stories260K.bin")); }
/// Independent float64 figures of the shipped .bin (tests/data/reference_examples/make_reference.py).
QString referenceSpectra() {
    return QString::fromStdString(test::sourcePath("tests/data/reference_examples/stories260K_bin_spectra.json"));
}

AnalysisOptions testAnalysisOptions(const test::TempDir& cache) {
    AnalysisOptions o;
    o.threads = 2;
    o.cacheDir = cache.path().string();
    return o;
}

MainWindow::Options quietWindow() { return MainWindow::Options{false, false}; }

bool openAndWait(MainWindow& w, const QString& path) {
    QSignalSpy shown(&w, &MainWindow::modelShown);
    w.openPath(path);
    return test::waitUntil([&] { return shown.count() > 0; }, 120000);
}

std::vector<double> graphValues(QCPGraph* g) {
    std::vector<double> v;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) v.push_back(it->value);
    return v;
}

/// Pixels of `image` inside `area` within `tolerance` (per channel) of `colour`.
int pixelsNear(const QImage& image, const QRect& area, const QColor& colour, int tolerance = 40) {
    int n = 0;
    const QRect r = area.intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c = image.pixelColor(x, y);
            n += std::abs(c.red() - colour.red()) <= tolerance && std::abs(c.green() - colour.green()) <= tolerance &&
                 std::abs(c.blue() - colour.blue()) <= tolerance;
        }
    return n;
}

/// The data area of `plot` in the coordinates of `window`'s screenshot.
QRect dataArea(QCustomPlot* plot, QWidget* window) {
    const QRect inPlot = plot->axisRect()->rect();
    return QRect(plot->mapTo(window, inPlot.topLeft()), inPlot.size());
}

/// What a person sees on the Spectrum tab with nothing selected, against the
/// analysis: one curve per matrix of the first layer plus the embedding, each
/// in its type's colour and visible in the screenshot, log–log axes whose
/// ranges hold σ at i = 1 … rank.
void checkSpectrumAsSeen(SpectrumView* view, const SpectralAnalysis& a, const QImage& shot, QWidget* window) {
    int firstLayer = INT_MAX;
    for (const MatrixResult& m : a.matrices)
        if (m.layer >= 0) firstLayer = std::min(firstLayer, m.layer);
    std::vector<const MatrixResult*> expected;
    for (const MatrixResult& m : a.matrices)
        if (m.layer == firstLayer || m.layer < 0) expected.push_back(&m);
    QCustomPlot* plot = view->plot();
    REQUIRE(plot->graphCount() == static_cast<int>(expected.size()));
    std::set<std::pair<QRgb, int>> pens;  // colour and dash: embed and head share a grey
    size_t rank = 0;
    double minSigma = INFINITY, maxSigma = 0;
    for (int i = 0; i < plot->graphCount(); ++i) {
        const MatrixResult& m = *expected[static_cast<size_t>(i)];
        INFO("curve " << i << ": " << plot->graph(i)->name().toStdString());
        CHECK(plot->graph(i)->name().startsWith(m.layer >= 0 ? QStringLiteral("L%1 ").arg(m.layer) : QString()));
        CHECK(plot->graph(i)->pen().color() == PlotStyle::typeColor(m.type));
        CHECK(plot->graph(i)->pen().style() == PlotStyle::typePen(m.type).style());
        pens.insert({plot->graph(i)->pen().color().rgb(), static_cast<int>(plot->graph(i)->pen().style())});
        CHECK(plot->legend->hasItemWithPlottable(plot->graph(i)));
        size_t positive = 0;
        for (double s : m.singularValues)
            if (s > 0) {
                ++positive;
                minSigma = std::min(minSigma, s);
                maxSigma = std::max(maxSigma, s);
            }
        CHECK(plot->graph(i)->dataCount() == static_cast<int>(positive));
        rank = std::max(rank, m.singularValues.size());
        // Drawn: the type's colour shows in the data area (grey embed aside: grids are grey too).
        if (m.type != Role::Embed) CHECK(pixelsNear(shot, dataArea(plot, window), PlotStyle::typeColor(m.type)) >= 10);
    }
    std::set<MatrixType> types;
    for (const MatrixResult* m : expected) types.insert(m->type);
    CHECK(pens.size() == types.size());  // one look per type drawn
    CHECK(plot->legend->visible());
    CHECK(plot->xAxis->scaleType() == QCPAxis::stLogarithmic);
    CHECK(plot->yAxis->scaleType() == QCPAxis::stLogarithmic);
    CHECK(plot->xAxis->range().lower <= 1.0);
    CHECK(plot->xAxis->range().lower > 0.0);
    CHECK(plot->xAxis->range().upper >= static_cast<double>(rank));
    CHECK(plot->xAxis->range().upper <= 2.0 * static_cast<double>(rank));
    CHECK(plot->yAxis->range().lower <= minSigma);
    CHECK(plot->yAxis->range().upper >= maxSigma);
    CHECK(plot->yAxis->range().upper <= 10 * maxSigma);
}

/// The K-variance tab: the universal curve E(K) at K = 1 … d and one curve
/// per type, on a log K axis holding 1 … d and a linear 0 … 1 energy axis.
void checkEnergyAsSeen(EnergyView* view, const SpectralAnalysis& a, const QImage& shot, QWidget* window) {
    QCustomPlot* plot = view->plot();
    REQUIRE(view->universalCurve());
    CHECK(view->universalCurve()->dataCount() == a.dModel);
    CHECK(graphValues(view->universalCurve()).back() == Approx(1.0).margin(1e-9));
    for (const TypeResult& t : a.types) {
        INFO(roleName(t.type));
        REQUIRE(view->curveFor(t.type));
        CHECK(view->curveFor(t.type)->dataCount() == static_cast<int>(t.spectrum.energy.size()));
        if (t.type != Role::Embed) CHECK(pixelsNear(shot, dataArea(plot, window), PlotStyle::typeColor(t.type)) >= 10);
    }
    CHECK(pixelsNear(shot, dataArea(plot, window), Qt::black, 30) >= 20);  // the thick black universal curve
    CHECK(plot->xAxis->scaleType() == QCPAxis::stLogarithmic);
    CHECK(plot->yAxis->scaleType() == QCPAxis::stLinear);
    CHECK(plot->xAxis->range().lower <= 1.0);
    CHECK(plot->xAxis->range().upper >= a.dModel);
    CHECK(plot->yAxis->range().lower <= 0.0);
    CHECK(plot->yAxis->range().upper >= 1.0);
}

}  // namespace

TEST_CASE("opening stories260K: the table has 5 layers x 7 types plus embed, and the plots match the core", "[ui]") {
    test::uiApp();
    test::TempDir cache;
    MainWindow w(quietWindow());
    w.analysisJob()->setOptions(testAnalysisOptions(cache));
    QAbstractItemModelTester tester(w.modelPanel()->tableModel(),
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QString path = storiesPath();
    REQUIRE(openAndWait(w, path));

    ModelTableModel* table = w.modelPanel()->tableModel();
    REQUIRE(table->rowCount() == 36);
    std::map<QString, std::set<int>> layersByType;
    for (int r = 0; r < table->rowCount(); ++r)
        layersByType[table->data(table->index(r, ModelTableModel::Type)).toString()].insert(
            table->data(table->index(r, ModelTableModel::Layer), ModelTableModel::kSortRole).toInt());
    for (const char* t : {"q", "k", "v", "o", "gate", "up", "down"})
        CHECK(layersByType[QString::fromLatin1(t)] == std::set<int>{0, 1, 2, 3, 4});
    CHECK(layersByType[QStringLiteral("embed")] == std::set<int>{-1});
    CHECK(layersByType.size() == 8);

    // An independent analysis by the core: the views must show its figures.
    auto ckpt = openCheckpoint(path.toStdString());
    AnalysisOptions direct;
    direct.useCache = false;
    direct.threads = 2;
    const SpectralAnalysis a = analyzeCheckpoint(*ckpt, direct);
    EnergyView* energy = w.energyView();
    REQUIRE(energy->universalCurve() != nullptr);
    const std::vector<double> shownUniversal = graphValues(energy->universalCurve());
    REQUIRE(shownUniversal.size() == a.universal.energy.size());
    for (size_t i = 0; i < shownUniversal.size(); ++i)
        CHECK(shownUniversal[i] == Approx(a.universal.energy[i]).margin(1e-9));
    for (const TypeResult& t : a.types) {
        QCPGraph* g = energy->curveFor(t.type);
        REQUIRE(g != nullptr);
        const std::vector<double> v = graphValues(g);
        REQUIRE(v.size() == t.spectrum.energy.size());
        CHECK(v[7] == Approx(t.spectrum.energy[7]).margin(1e-9));
    }
    SpectrumView* spectrum = w.spectrumView();
    REQUIRE(spectrum->plot()->graphCount() == 8);  // layer 0 (7 types) + embed
    for (int i = 0; i < spectrum->plot()->graphCount(); ++i) {
        const MatrixResult& m = a.matrices[static_cast<size_t>(spectrum->shownMatrices()[i])];
        const std::vector<double> v = graphValues(spectrum->plot()->graph(i));
        REQUIRE(v.size() <= m.singularValues.size());
        CHECK(v.front() == Approx(m.singularValues.front()).epsilon(1e-9));
    }

    // Selecting rows drives the spectrum view.
    auto* view = w.modelPanel()->tableView();
    view->selectionModel()->select(w.modelPanel()->proxyModel()->index(3, 0),
                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    CHECK(spectrum->plot()->graphCount() == 1);

    // And the reference figures of an independent float64 computation.
    QFile refFile(referenceSpectra());
    REQUIRE(refFile.open(QIODevice::ReadOnly));
    const QJsonObject ref = QJsonDocument::fromJson(refFile.readAll()).object();
    const QJsonObject uni = ref.value(QStringLiteral("universal")).toObject();
    for (const QString& k : uni.value(QStringLiteral("energy")).toObject().keys()) {
        const int kk = k.toInt();
        CHECK(shownUniversal[static_cast<size_t>(kk - 1)] ==
              Approx(uni.value(QStringLiteral("energy")).toObject().value(k).toDouble()).margin(1e-4));
    }
    const QJsonObject qRef = ref.value(QStringLiteral("types")).toObject().value(QStringLiteral("q")).toObject();
    const std::vector<double> qCurve = graphValues(energy->curveFor(Role::Q));
    CHECK(qCurve[7] ==
          Approx(qRef.value(QStringLiteral("r2_type")).toObject().value(QStringLiteral("8")).toDouble()).margin(1e-4));
}

TEST_CASE("a bad file shows the core's message and keeps the previous view", "[ui]") {
    test::uiApp();
    test::TempDir tmp;
    MainWindow w(quietWindow());
    w.analysisJob()->setOptions(testAnalysisOptions(tmp));
    REQUIRE(openAndWait(w, QStringLiteral("demo")));
    const LoadedModelPtr before = w.currentModel();
    const int rows = w.modelPanel()->tableModel()->rowCount();
    REQUIRE(rows > 0);

    const std::string bad = tmp.file("broken.safetensors");
    {
        std::ofstream out(bad, std::ios::binary);
        out << "\x10\x00\x00\x00\x00\x00\x00\x00{not json at all";
    }
    std::string expected;
    try {
        openCheckpoint(bad);
    } catch (const std::exception& e) {
        expected = e.what();
    }
    REQUIRE_FALSE(expected.empty());

    QSignalSpy failed(w.analysisJob(), &AnalysisJob::failed);
    w.openPath(QString::fromStdString(bad));
    REQUIRE(test::waitUntil([&] { return failed.count() > 0; }));
    CHECK(w.messageBar()->text() == QString::fromStdString(expected));
    CHECK(w.messageBar()->kind() == MessageBar::Kind::Error);
    CHECK(w.currentModel() == before);
    CHECK(w.modelPanel()->tableModel()->rowCount() == rows);
    CHECK(w.energyView()->universalCurve() != nullptr);
    CHECK(w.energyView()->universalCurve()->dataCount() > 0);
    test::saveScreenshot(&w, QStringLiteral("error_bad_file"));
}

TEST_CASE("cancelling an analysis stops it and keeps the previous view", "[ui]") {
    test::uiApp();
    test::TempDir tmp;
    AnalysisJob job;
    AnalysisOptions o = testAnalysisOptions(tmp);
    o.useCache = false;
    job.setOptions(o);
    QSignalSpy finished(&job, &AnalysisJob::finished);
    QSignalSpy cancelled(&job, &AnalysisJob::cancelled);
    QSignalSpy failed(&job, &AnalysisJob::failed);
    // Cancel from inside the first progress report: the core's callback then
    // returns false and the engine throws Cancelled.
    QObject::connect(&job, &AnalysisJob::progress, &job, [&job] { job.cancel(); });
    job.request(storiesPath());
    REQUIRE(test::waitUntil([&] { return cancelled.count() > 0; }));
    CHECK_FALSE(job.isBusy());
    REQUIRE(job.waitForIdle(60000));
    test::waitUntil([] { return false; }, 200);  // let any stray result arrive
    CHECK(finished.count() == 0);
    CHECK(failed.count() == 0);
    CHECK(cancelled.count() == 1);

    // In the window: the view that was there stays.
    MainWindow w(quietWindow());
    w.analysisJob()->setOptions(o);
    REQUIRE(openAndWait(w, QStringLiteral("demo")));
    const LoadedModelPtr before = w.currentModel();
    w.openPath(storiesPath());
    w.analysisJob()->cancel();
    REQUIRE(w.analysisJob()->waitForIdle(60000));
    test::waitUntil([] { return false; }, 200);
    CHECK(w.currentModel() == before);
}

TEST_CASE("the newest request wins", "[ui]") {
    test::uiApp();
    test::TempDir tmp;
    AnalysisJob job;
    job.setOptions(testAnalysisOptions(tmp));
    QSignalSpy finished(&job, &AnalysisJob::finished);
    QSignalSpy failed(&job, &AnalysisJob::failed);
    job.request(QStringLiteral("/nonexistent/model.safetensors"));
    job.request(QStringLiteral("demo"));
    REQUIRE(test::waitUntil([&] { return finished.count() > 0; }));
    REQUIRE(job.waitForIdle(60000));
    test::waitUntil([] { return false; }, 100);
    CHECK(failed.count() == 0);
    REQUIRE(finished.count() == 1);
    const auto model = finished.at(0).at(0).value<LoadedModelPtr>();
    CHECK(model->path == QStringLiteral("demo"));
    // A second open of the same checkpoint comes from memory.
    job.request(QStringLiteral("demo"));
    REQUIRE(test::waitUntil([&] { return finished.count() > 1; }));
    CHECK(finished.at(1).at(0).value<LoadedModelPtr>()->fromMemory);
}

TEST_CASE("screenshots of every view on stories260K and the demo", "[ui][screenshots]") {
    test::uiApp();
    test::TempDir tmp;
    MainWindow w(quietWindow());
    w.analysisJob()->setOptions(testAnalysisOptions(tmp));
    w.resize(1500, 950);
    w.show();
    struct Case {
        QString name;
        QString path;
    };
    const QList<Case> cases{{QStringLiteral("demo"), QStringLiteral("demo")},
                            {QStringLiteral("stories260K"), storiesPath()}};
    for (const Case& c : cases) {
        REQUIRE(openAndWait(w, c.path));
        for (int tab = 0; tab < w.tabs()->count(); ++tab) {
            w.tabs()->setCurrentIndex(tab);
            test::waitUntil([] { return false; }, 150);  // queued replots
            const QString name = w.tabs()->tabText(tab).toLower().replace(QLatin1Char(' '), QLatin1Char('_'));
            const QString file = test::saveScreenshot(&w, c.name + QLatin1Char('_') + name);
            const QImage shot(file);
            REQUIRE(shot.size() == w.size());
            INFO(c.name.toStdString() << ", tab " << name.toStdString());
            if (w.tabs()->widget(tab) == w.spectrumView())
                checkSpectrumAsSeen(w.spectrumView(), w.currentModel()->analysis, shot, &w);
            else if (w.tabs()->widget(tab) == w.energyView())
                checkEnergyAsSeen(w.energyView(), w.currentModel()->analysis, shot, &w);
        }
        // Publication exports of the analysis figures too, to look at.
        QString error;
        FigureExport::writeAll(w.spectrumView()->figures() + w.energyView()->figures() + w.typeCompareView()->figures(),
                               test::screenshotDir() + QStringLiteral("/export_") + c.name,
                               {FigureFormat::Png, FigureFormat::Pdf, FigureFormat::Svg}, ExportSize::singleColumn(),
                               &error);
        CHECK(error.isEmpty());
    }
}

namespace {

/// The numeric cells of a figure CSV (series,x,y,…), row by row.
std::vector<std::vector<std::string>> csvRows(const QString& path) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(path.toStdString());
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::string cell;
        bool quoted = false;
        for (char c : line) {
            if (c == '"') quoted = !quoted;
            if (c == ',' && !quoted) {
                cells.push_back(cell);
                cell.clear();
            } else {
                cell += c;
            }
        }
        cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

}  // namespace

TEST_CASE("the window's export manifest holds the headless command, and that command writes the same figures",
          "[ui][manifest]") {
    test::uiApp();
    MainWindow w(quietWindow());
    REQUIRE(openAndWait(w, QStringLiteral("demo")));
    test::TempDir tmp;
    const QString fromWindow = QString::fromStdString((tmp.path() / "window").string());
    Settings settings;
    settings.setExportFormats({FigureFormat::Csv});
    FigureExport::setProvenance(w.exportProvenance());
    ExportDialog dialog(ExportDialog::Mode::AllFigures, w.allFigures(), 0, settings, &w);
    dialog.setTarget(fromWindow);
    dialog.accept();
    FigureExport::setProvenance({});
    REQUIRE(dialog.result() == QDialog::Accepted);

    QFile file(fromWindow + QStringLiteral("/spectrum.manifest.json"));
    REQUIRE(file.open(QIODevice::ReadOnly));
    const QJsonObject m = QJsonDocument::fromJson(file.readAll()).object();
    QStringList command;
    for (const QJsonValue& v : m.value(QStringLiteral("command")).toArray()) command << v.toString();
    INFO(command.join(QLatin1Char(' ')).toStdString());
    REQUIRE(command.size() >= 8);
    CHECK(command.mid(0, 3) == QStringList({QStringLiteral("ctscope"), QStringLiteral("export"), QStringLiteral("demo")}));
    const int out = static_cast<int>(command.indexOf(QStringLiteral("--out")));
    REQUIRE(out > 0);
    CHECK(command.value(out + 1) == QFileInfo(fromWindow).absoluteFilePath());
    CHECK(command.contains(QStringLiteral("--k")));
    CHECK(command.contains(QStringLiteral("--tau")));
    CHECK(m.value(QStringLiteral("checkpoint")).toObject().value(QStringLiteral("path")).toString() ==
          QStringLiteral("demo"));

    // Run it (into another folder): the figures it writes hold the window's numbers.
    const QString headless = QString::fromStdString((tmp.path() / "headless").string());
    command[out + 1] = headless;
    QProcess proc;
    proc.setProcessChannelMode(QProcess::MergedChannels);
    proc.start(QStringLiteral(CTSCOPE_FRONT_BINARY), command.mid(1) << QStringLiteral("--quiet"));
    REQUIRE(proc.waitForFinished(120000));
    INFO(proc.readAll().toStdString());
    REQUIRE(proc.exitCode() == 0);
    int compared = 0;
    for (const QString& id : {QStringLiteral("spectrum"), QStringLiteral("energy"), QStringLiteral("frontier_r2")}) {
        const auto a = csvRows(fromWindow + QLatin1Char('/') + id + QStringLiteral(".csv"));
        const auto b = csvRows(headless + QLatin1Char('/') + id + QStringLiteral(".csv"));
        INFO(id.toStdString());
        REQUIRE(a.size() > 1);
        REQUIRE(a.size() == b.size());
        for (size_t r = 0; r < a.size(); ++r) {
            REQUIRE(a[r].size() == b[r].size());
            for (size_t c = 0; c < a[r].size(); ++c) {
                char* end = nullptr;
                const double x = std::strtod(a[r][c].c_str(), &end);
                if (a[r][c].empty() || *end != '\0') {
                    CHECK(a[r][c] == b[r][c]);  // names and labels
                    continue;
                }
                CHECK(std::stod(b[r][c]) == Approx(x).epsilon(1e-9).margin(1e-12));
                ++compared;
            }
        }
    }
    CHECK(compared > 100);
}
