// `ctscope export`: the explorer's analysis figures, rendered headless, in
// each requested format, plus CSV of each figure's plotted series and one
// JSON of all of them.
#include "app/commands.h"

#if CTSCOPE_WITH_UI
#include "app/cli_args.h"
#include "app/terminal_progress.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/util/error.h"
#include "ui/energy_view.h"
#include "ui/figure_export.h"
#include "ui/spectrum_view.h"
#include "ui/type_compare_view.h"

#include <QApplication>

#include <cstdio>
#include <cstdlib>
#else
#include <cstdio>
#endif

namespace ctscope::cli {

#if CTSCOPE_WITH_UI
namespace {

const char* kExportUsage =
    "usage: ctscope export CKPT --out DIR [--format png,svg,pdf] [--width-in 3.5] [--height-in H]\n"
    "                      [--dpi 300] [--k 8] [--threads N] [--no-cache] [--quiet]\n"
    "  Writes each figure in each format, a CSV of each figure's plotted series and\n"
    "  figures.json with every series. Formats: png, svg, pdf (csv and json always).\n"
    "  --k: the K of the per-type vs universal R² comparison. Needs no display.\n";

}  // namespace

int cmdExport(int argc, char** argv) {
    try {
        Args args(argc, argv, 2, {"out", "format", "width-in", "height-in", "dpi", "k", "threads", "cache-dir"},
                  {"help", "quiet", "no-cache"});
        if (args.has("help")) {
            std::fputs(kExportUsage, stdout);
            return 0;
        }
        if (args.positional().size() != 1) throw UsageError("expected exactly one checkpoint");
        if (!args.has("out")) throw UsageError("--out DIR is required");
        QStringList bad;
        QList<ui::FigureFormat> formats =
            ui::FigureExport::parseFormats(QString::fromStdString(args.get("format", "png,svg,pdf")), &bad);
        if (!bad.isEmpty()) throw UsageError("unknown format " + bad.join(QStringLiteral(", ")).toStdString());
        for (ui::FigureFormat f : {ui::FigureFormat::Csv, ui::FigureFormat::Json})
            if (!formats.contains(f)) formats.append(f);
        ui::ExportSize size = ui::ExportSize::forWidth(args.getDouble("width-in", 3.5), args.getInt("dpi", 300));
        if (args.has("height-in")) size.heightIn = args.getDouble("height-in", size.heightIn);
        if (!(size.widthIn >= 1.0 && size.widthIn <= 40.0 && size.heightIn >= 1.0 && size.heightIn <= 40.0))
            throw UsageError("--width-in and --height-in must be between 1 and 40 inches");
        if (size.dpi < 30 || size.dpi > 2400) throw UsageError("--dpi must be between 30 and 2400");

        auto checkpoint = std::shared_ptr<const Checkpoint>(openCheckpoint(args.positional()[0]));
        AnalysisOptions opts;
        opts.threads = args.getInt("threads", 0);
        opts.useCache = !args.has("no-cache");
        opts.cacheDir = args.get("cache-dir");
        opts.keepBases = false;
        TerminalProgress bar(!args.has("quiet"));
        SpectralAnalysis analysis =
            analyzeCheckpoint(*checkpoint, opts, [&](const Progress& p) { return bar.update(p); });
        bar.finish();

        // Rendering needs a QApplication but no display.
        if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") && !std::getenv("QT_QPA_PLATFORM"))
            setenv("QT_QPA_PLATFORM", "offscreen", 1);
        int qtArgc = 1;
        char* qtArgv[] = {argv[0], nullptr};
        QApplication app(qtArgc, qtArgv);

        auto model = std::make_shared<ui::LoadedModel>();
        model->path = QString::fromStdString(args.positional()[0]);
        model->checkpoint = checkpoint;
        model->analysis = std::move(analysis);
        ui::SpectrumView spectrum;
        ui::EnergyView energy;
        ui::TypeCompareView types;
        spectrum.setModel(model);
        energy.setModel(model);
        types.setModel(model);
        if (args.has("k")) types.setK(args.getInt("k", 8));
        const QList<ui::Figure> figures = spectrum.figures() + energy.figures() + types.figures();

        QString error;
        const QString out = QString::fromStdString(args.get("out"));
        const QStringList written = ui::FigureExport::writeAll(figures, out, formats, size, &error);
        if (!error.isEmpty()) throw std::runtime_error(error.toStdString());
        if (!args.has("quiet"))
            for (const QString& file : written) std::printf("%s\n", file.toLocal8Bit().constData());
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "ctscope export: %s\n%s", e.what(), kExportUsage);
        return 2;
    } catch (const Cancelled&) {
        std::fputs("\nctscope export: cancelled\n", stderr);
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope export: %s\n", e.what());
        return 1;
    }
}
#else
int cmdExport(int, char**) {
    std::fputs("ctscope export: this build has no figure renderer (configured with CTSCOPE_BUILD_UI=OFF)\n", stderr);
    return 1;
}
#endif

}  // namespace ctscope::cli
