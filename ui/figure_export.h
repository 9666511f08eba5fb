#pragma once
/// Writes figures for papers: PNG at a chosen DPI, SVG (QSvgGenerator) and
/// PDF (QPdfWriter), all laid out at the physical size asked for, so that
/// fonts keep their point size; plus CSV and JSON of exactly the plotted
/// series. GUI thread only (QCustomPlot is not thread-safe); works headless
/// on the offscreen platform.
#include "core/report/figure.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

class QCustomPlot;

namespace ctscope {
class Checkpoint;
}

namespace ctscope::ui {

/// A figure a view offers for export. `id` is a file-name-safe stem. `model`
/// is the core figure the plot was rendered from; CSV and JSON are written
/// from it (from the plot's own series only for views not yet on the model).
struct Figure {
    QString id;
    QCustomPlot* plot = nullptr;
    std::shared_ptr<const FigureModel> model;
    bool operator==(const Figure& other) const { return id == other.id && plot == other.plot; }
};

enum class FigureFormat { Png, Svg, Pdf, Csv, Json };

/// What the manifest beside each exported figure records besides the ctscope
/// version and the figure's own files: which checkpoint, which options and
/// seeds, and the command that makes the same figures headless.
struct ExportProvenance {
    /// argv of the headless command (`ctscope export …`); empty: none known.
    QStringList command;
    /// The checkpoint's identity: checkpointIdentity(), or empty.
    QJsonObject checkpoint;
    /// View and export options (τ, K, size, formats, …), as the exporter names them.
    QJsonObject options;
    /// Seeds of whatever made the figure (sweeps, fits); empty when none.
    QList<qint64> seeds;
};

/// Physical output size. Presets follow common two-column journal layouts.
struct ExportSize {
    double widthIn = 3.5;
    double heightIn = 2.6;
    int dpi = 300;  ///< PNG only

    static ExportSize singleColumn() { return {3.5, 2.6, 300}; }
    static ExportSize doubleColumn() { return {7.0, 3.2, 300}; }
    /// Width given, height from the single-column aspect ratio.
    static ExportSize forWidth(double widthIn, int dpi = 300);
};

class FigureExport {
public:
    /// "png" → Png … ; returns false for an unknown name.
    static bool parseFormat(const QString& name, FigureFormat* out);
    static QString extension(FigureFormat f);
    /// Parses "png,svg,pdf". Unknown names are returned in `bad`.
    static QList<FigureFormat> parseFormats(const QString& list, QStringList* bad = nullptr);

    /// Writes one figure in one format to `path`. On failure returns false
    /// and sets `error` (when given) to a message naming the file.
    static bool write(QCustomPlot* plot, const QString& path, FigureFormat format, const ExportSize& size,
                      QString* error = nullptr);
    static bool writePng(QCustomPlot* plot, const QString& path, const ExportSize& size, QString* error = nullptr);
    static bool writeSvg(QCustomPlot* plot, const QString& path, const ExportSize& size, QString* error = nullptr);
    static bool writePdf(QCustomPlot* plot, const QString& path, const ExportSize& size, QString* error = nullptr);
    static bool writeCsv(QCustomPlot* plot, const QString& path, QString* error = nullptr);
    /// One figure in one format: PNG/SVG/PDF from the rendered plot, CSV and
    /// JSON from the model when there is one.
    static bool write(const Figure& figure, const QString& path, FigureFormat format, const ExportSize& size,
                      QString* error = nullptr);
    /// The figure's CSV: figureCsv(model), or the plot's series without a model.
    static QString csv(const Figure& figure);
    /// The figure's JSON object: figureJson(model) (id from the figure), or the plot's series.
    static QJsonObject json(const Figure& figure);

    /// Writes every figure in every format into `dir` as `<id>.<ext>`, plus
    /// (when Json is among the formats) one `figures.json` holding every
    /// plotted series of every figure, plus `<id>.manifest.json` beside each
    /// figure (manifest()). Returns the files written; stops at the first
    /// failure with `error` set.
    static QStringList writeAll(const QList<Figure>& figures, const QString& dir, const QList<FigureFormat>& formats,
                                const ExportSize& size, QString* error = nullptr);

    /// Every plotted series of `figures` as one JSON document.
    static QJsonObject seriesJson(const QList<Figure>& figures);

    /// Sets what writeAll() records in each manifest (the window before its
    /// export dialog writes; `ctscope export` before it writes). GUI thread only.
    static void setProvenance(const ExportProvenance& provenance);
    static const ExportProvenance& provenance();
    /// The "checkpoint" object of a manifest: path, format, identity (files,
    /// sizes, mtimes), tensor bytes and, up to kHashedTensorBytes, a hash of
    /// the tensor data (core/report/analysis_provenance).
    static QJsonObject checkpointIdentity(const Checkpoint& ckpt);
    /// "<id>.manifest.json" (`<id>.json` is the figure's data).
    static QString manifestName(const QString& id);
    /// The manifest of one figure: {"generator": "ctscope", "ctscope_version",
    /// "figure", "title", "files" (names written beside it), "checkpoint",
    /// "options", "seeds", "command" (argv), "command_line" (one shell line)}.
    static QJsonObject manifest(const Figure& figure, const QStringList& files);
    /// Writes manifest(figure, files) to `path`; false with `error` set on failure.
    static bool writeManifest(const Figure& figure, const QString& path, const QStringList& files,
                              QString* error = nullptr);
};

}  // namespace ctscope::ui
