// `ctscope export`: the explorer's analysis figures, rendered headless, in
// each requested format, plus CSV of each figure's plotted series and one
// JSON of all of them.
#include "app/commands.h"

#if CTSCOPE_WITH_UI
#include "core/util/cli_args.h"
#include "app/command_line.h"
#include "app/stop_signals.h"
#include "app/terminal_progress.h"

#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"
#include "core/report/metrics_io.h"
#include "core/spectral/update_analysis.h"
#include "core/util/error.h"
#include "ui/alpha_view.h"
#include "ui/budget_view.h"
#include "ui/efficiency_frontier_view.h"
#include "ui/energy_view.h"
#include "ui/figure_export.h"
#include "ui/finetune_plots.h"
#include "ui/frontier_view.h"
#include "ui/heavy_tails_view.h"
#include "ui/overlay_view.h"
#include "ui/spectrum_view.h"
#include "ui/type_compare_view.h"
#include "ui/update_view.h"

#include <QDir>
#include <QJsonObject>

#include <QApplication>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#else
#include <cstdio>
#endif

namespace ctscope::cli {

#if CTSCOPE_WITH_UI
namespace {

void declareExport(CommandLine& cl) {
    cl.positional("CKPT", "the checkpoint; OTHER checkpoints after it are overlaid, and one with CKPT's shapes "
                          "adds the update dW", true)
        .value("out", "DIR", "the folder to write into (required)")
        .value("format", "png,svg,pdf", "the figure formats (csv and json are always written)")
        .value("width-in", "3.5", "figure width in inches (1 to 40)")
        .value("height-in", "H", "figure height in inches (1 to 40; default from the width)")
        .value("dpi", "300", "resolution of png (30 to 2400)")
        .value("k", "8", "the K of the per-type vs universal R2 comparison")
        .value("tau", "0.9", "the budget threshold, strictly between 0 and 1")
        .value("sweep", "DIR", "add the fine-tuning figures and the efficiency frontier of a sweep folder")
        .value("threads", "N", "worker threads (default: all cores)")
        .value("cache-dir", "DIR", "where the analysis cache lives")
        .flag("no-cache", "neither read nor write the analysis cache")
        .flag("quiet", "no progress line and no list of the files written")
        .footer("Writes each figure in each format, a CSV of each figure's plotted series, figures.json with\n"
                "every series, and a CSV of each table (frontier, budget, ...). Needs no display.");
}

}  // namespace

int cmdExport(int argc, char** argv) {
    CommandLine cl("export", "The explorer's analysis figures, rendered headless, with their data as CSV and JSON.");
    try {
        declareExport(cl);
        const std::optional<Args> parsed = cl.parse(argc, argv);
        if (!parsed) return 0;
        const Args& args = *parsed;
        if (args.positional().empty()) throw UsageError("expected a checkpoint");
        StopSignals::install();
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

        const double tau = args.getDouble("tau", 0.9);
        if (!(tau > 0.0 && tau < 1.0)) throw UsageError("--tau must lie strictly between 0 and 1");
        SweepFolder sweep;
        if (args.has("sweep")) sweep = readSweepFolder(args.get("sweep"));  // fails early, before any analysis

        AnalysisOptions opts;
        opts.threads = args.getInt("threads", 0);
        opts.useCache = !args.has("no-cache");
        opts.cacheDir = args.get("cache-dir");
        opts.keepBases = args.positional().size() > 1;  // the update needs the base's bases
        std::vector<std::shared_ptr<const Checkpoint>> checkpoints;
        std::vector<SpectralAnalysis> analyses;
        for (const std::string& path : args.positional()) {
            checkpoints.push_back(std::shared_ptr<const Checkpoint>(openCheckpoint(path)));
            TerminalProgress bar(!args.has("quiet"));
            analyses.push_back(
                analyzeCheckpoint(*checkpoints.back(), opts, [&](const Progress& p) { return bar.update(p); }));
            bar.finish();
        }
        const std::shared_ptr<const Checkpoint> checkpoint = checkpoints.front();
        SpectralAnalysis analysis = analyses.front();

        if (StopSignals::requested()) throw Cancelled();
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
        ui::FrontierView frontier;
        ui::BudgetView budget;
        frontier.setModel(model);
        budget.setModel(model);
        budget.setTau(tau);
        ui::HeavyTailsView heavyTails;
        ui::AlphaView alpha;
        heavyTails.setModel(model);
        alpha.setModel(model);
        QList<ui::Figure> figures = spectrum.figures() + energy.figures() + types.figures() + frontier.figures() +
                                    budget.figures() + heavyTails.figures() + alpha.figures();
        QList<ui::TableExport> tables = frontier.tables() + budget.tables();

        ui::OverlayView overlay;
        ui::UpdateView update;
        if (checkpoints.size() > 1) {
            std::vector<std::shared_ptr<const SpectralAnalysis>> shared;
            for (size_t i = 0; i < analyses.size(); ++i) {
                auto a = std::make_shared<const SpectralAnalysis>(std::move(analyses[i]));
                overlay.addCheckpoint(QString::fromStdString(std::filesystem::path(args.positional()[i]).filename().string()), a);
                shared.push_back(a);
            }
            figures += overlay.figures();
            // The update of the first other checkpoint with the base's shapes.
            for (size_t i = 1; i < checkpoints.size(); ++i) {
                try {
                    update.setUpdate(analyzeUpdate(*checkpoint, *checkpoints[i], *shared.front()), 0,
                                     QString::fromStdString(args.positional()[0] + " -> " + args.positional()[i]));
                    figures += update.figures();
                    tables += update.tables();
                    break;
                } catch (const FormatError& e) {
                    if (!args.has("quiet")) std::fprintf(stderr, "ctscope export: no update: %s\n", e.what());
                }
            }
        }
        ui::FinetunePlots finetune;
        ui::EfficiencyFrontierView effFrontier;
        if (args.has("sweep")) {
            finetune.setRuns(sweep.runs);
            finetune.setEfficiency(sweep.efficiency);
            effFrontier.setModel(model);
            effFrontier.setRuns(sweep.runs);
            figures += finetune.figures() + effFrontier.figures();
            tables += effFrontier.tables();
        }

        QString error;
        const QString out = QString::fromStdString(args.get("out"));
        if (StopSignals::requested()) throw Cancelled();
        {
            // The manifest beside each figure: the command that makes it again.
            ui::ExportProvenance prov;
            for (int i = 0; i < argc; ++i) prov.command << QString::fromLocal8Bit(argv[i]);
            prov.checkpoint = ui::FigureExport::checkpointIdentity(*checkpoint);
            prov.options = QJsonObject{{QStringLiteral("tau"), tau},
                                       {QStringLiteral("k"), QString::fromStdString(args.get("k", "8"))},
                                       {QStringLiteral("width_in"), size.widthIn},
                                       {QStringLiteral("height_in"), size.heightIn},
                                       {QStringLiteral("dpi"), size.dpi},
                                       {QStringLiteral("sweep"), QString::fromStdString(args.get("sweep"))}};
            for (const RunResult& r : sweep.runs)
                if (!prov.seeds.contains(r.spec.seed)) prov.seeds << r.spec.seed;
            ui::FigureExport::setProvenance(prov);
        }
        QStringList written = ui::FigureExport::writeAll(figures, out, formats, size, &error);
        if (!error.isEmpty()) throw std::runtime_error(error.toStdString());
        for (const ui::TableExport& t : tables) {
            if (StopSignals::requested()) throw Cancelled();  // every file written so far is complete
            const QString file = QDir(out).filePath(t.id + QStringLiteral(".csv"));
            if (!t.model->writeCsv(file, &error)) throw std::runtime_error(error.toStdString());
            written << file;
        }
        if (!args.has("quiet"))
            for (const QString& file : written) std::printf("%s\n", file.toLocal8Bit().constData());
        return 0;
    } catch (const UsageError& e) {
        return usageFailure("ctscope export", e.what());
    } catch (const Cancelled&) {
        std::fputs("\nctscope export: cancelled; the files written before the signal are complete\n", stderr);
        return StopSignals::exitCode();
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
