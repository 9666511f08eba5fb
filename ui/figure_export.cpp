#include "ui/figure_export.h"

#include "core/report/analysis_provenance.h"
#include "ui/plot_data.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace ctscope::ui {

namespace {

// Layout size in logical pixels: the plot is laid out at 96 px per inch, the
// scale its pixel-sized fonts were chosen for, then scaled to the device.
QSize layoutSize(const ExportSize& size) {
    return QSize(static_cast<int>(std::lround(size.widthIn * PlotStyle::kPixelsPerInch)),
                 static_cast<int>(std::lround(size.heightIn * PlotStyle::kPixelsPerInch)));
}

bool fail(QString* error, const QString& message) {
    if (error) *error = message;
    return false;
}

bool validSize(const ExportSize& size, const QString& path, QString* error) {
    if (!(size.widthIn > 0.2 && size.heightIn > 0.2 && size.widthIn < 100 && size.heightIn < 100))
        return fail(error, QStringLiteral("%1: figure size %2 × %3 in is out of range")
                               .arg(path)
                               .arg(size.widthIn)
                               .arg(size.heightIn));
    if (size.dpi < 30 || size.dpi > 2400)
        return fail(error, QStringLiteral("%1: %2 dpi is out of range (30–2400)").arg(path).arg(size.dpi));
    return true;
}

bool writeText(const QString& path, const QByteArray& bytes, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return fail(error, QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString()));
    return true;
}

// Figures are rendered into a temporary file in the target's folder and
// renamed over it when complete, so a crash or a kill leaves the old figure
// or the new one, never a torn one.
QString tempPathFor(const QString& path) {
    const QFileInfo info(path);
    return info.dir().filePath(QStringLiteral(".%1.tmp.%2").arg(info.fileName()).arg(QCoreApplication::applicationPid()));
}

bool commitTemp(const QString& tmp, const QString& path, QString* error) {
    const QByteArray from = QFile::encodeName(tmp), to = QFile::encodeName(path);
    if (std::rename(from.constData(), to.constData()) != 0) {
        QFile::remove(tmp);
        return fail(error, QStringLiteral("%1: cannot replace (%2)").arg(path, QString::fromLocal8Bit(std::strerror(errno))));
    }
    return true;
}

// Renders `plot` into an open painter whose device is `scale` device pixels
// per logical pixel.
void renderVector(QCustomPlot* plot, QCPPainter& painter, const QSize& logical, double scale) {
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    painter.scale(scale, scale);
    plot->toPainter(&painter, logical.width(), logical.height());
}

}  // namespace

ExportSize ExportSize::forWidth(double widthIn, int dpi) {
    const ExportSize single = singleColumn();
    return {widthIn, widthIn * single.heightIn / single.widthIn, dpi};
}

bool FigureExport::parseFormat(const QString& name, FigureFormat* out) {
    const QString n = name.trimmed().toLower();
    static const QList<QPair<QString, FigureFormat>> names{{QStringLiteral("png"), FigureFormat::Png},
                                                           {QStringLiteral("svg"), FigureFormat::Svg},
                                                           {QStringLiteral("pdf"), FigureFormat::Pdf},
                                                           {QStringLiteral("csv"), FigureFormat::Csv},
                                                           {QStringLiteral("json"), FigureFormat::Json}};
    for (const auto& [key, value] : names) {
        if (n == key) {
            *out = value;
            return true;
        }
    }
    return false;
}

QString FigureExport::extension(FigureFormat f) {
    switch (f) {
        case FigureFormat::Png:
            return QStringLiteral("png");
        case FigureFormat::Svg:
            return QStringLiteral("svg");
        case FigureFormat::Pdf:
            return QStringLiteral("pdf");
        case FigureFormat::Csv:
            return QStringLiteral("csv");
        case FigureFormat::Json:
            return QStringLiteral("json");
    }
    return QString();
}

QList<FigureFormat> FigureExport::parseFormats(const QString& list, QStringList* bad) {
    QList<FigureFormat> out;
    for (const QString& part : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        FigureFormat f;
        if (parseFormat(part, &f)) {
            if (!out.contains(f)) out.append(f);
        } else if (bad) {
            bad->append(part.trimmed());
        }
    }
    return out;
}

bool FigureExport::write(QCustomPlot* plot, const QString& path, FigureFormat format, const ExportSize& size,
                         QString* error) {
    switch (format) {
        case FigureFormat::Png:
            return writePng(plot, path, size, error);
        case FigureFormat::Svg:
            return writeSvg(plot, path, size, error);
        case FigureFormat::Pdf:
            return writePdf(plot, path, size, error);
        case FigureFormat::Csv:
            return writeCsv(plot, path, error);
        case FigureFormat::Json: {
            const QJsonObject o = PlotData::toJson(QFileInfo(path).completeBaseName(), plot);
            return writeText(path, QJsonDocument(o).toJson(QJsonDocument::Indented), error);
        }
    }
    return fail(error, path + QStringLiteral(": unknown format"));
}

bool FigureExport::writePng(QCustomPlot* plot, const QString& path, const ExportSize& size, QString* error) {
    if (!validSize(size, path, error)) return false;
    const QSize logical = layoutSize(size);
    // Exactly width × dpi pixels: the layout is scaled to the pixel size
    // rather than the pixel size rounded from the layout.
    const QSize pixels(static_cast<int>(std::lround(size.widthIn * size.dpi)),
                       static_cast<int>(std::lround(size.heightIn * size.dpi)));
    QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    const int dotsPerMeter = static_cast<int>(std::lround(size.dpi / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    QCPPainter painter;
    if (!painter.begin(&image)) return fail(error, QStringLiteral("%1: cannot render PNG").arg(path));
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.setMode(QCPPainter::pmNoCaching);
    painter.scale(static_cast<double>(pixels.width()) / logical.width(),
                  static_cast<double>(pixels.height()) / logical.height());
    plot->toPainter(&painter, logical.width(), logical.height());
    painter.end();
    const QString tmp = tempPathFor(path);
    QImageWriter writer(tmp, "png");
    if (!writer.write(image)) {
        QFile::remove(tmp);
        return fail(error, QStringLiteral("%1: cannot write PNG (%2)").arg(path, writer.errorString()));
    }
    return commitTemp(tmp, path, error);
}

bool FigureExport::writeSvg(QCustomPlot* plot, const QString& path, const ExportSize& size, QString* error) {
    if (!validSize(size, path, error)) return false;
    const QSize logical = layoutSize(size);
    const QString tmp = tempPathFor(path);
    {  // the generator flushes and closes its file when destroyed
        QSvgGenerator svg;
        svg.setFileName(tmp);
        // At 96 dpi the SVG's physical size (written in mm) is exactly the size asked for.
        svg.setResolution(static_cast<int>(PlotStyle::kPixelsPerInch));
        svg.setSize(logical);
        svg.setViewBox(QRect(QPoint(0, 0), logical));
        svg.setTitle(PlotData::title(plot));
        svg.setDescription(QStringLiteral("ctscope figure: ") + PlotData::subtitle(plot));
        QCPPainter painter;
        if (!painter.begin(&svg)) {
            QFile::remove(tmp);
            return fail(error, QStringLiteral("%1: cannot write SVG").arg(path));
        }
        renderVector(plot, painter, logical, 1.0);
        painter.end();
    }
    if (!QFileInfo(tmp).isFile()) return fail(error, QStringLiteral("%1: cannot write SVG").arg(path));
    return commitTemp(tmp, path, error);
}

bool FigureExport::writePdf(QCustomPlot* plot, const QString& path, const ExportSize& size, QString* error) {
    if (!validSize(size, path, error)) return false;
    const QSize logical = layoutSize(size);
    const QString tmp = tempPathFor(path);
    {
        QFile probe(tmp);
        if (!probe.open(QIODevice::WriteOnly))
            return fail(error, QStringLiteral("%1: cannot write (%2)").arg(path, probe.errorString()));
    }
    {  // the writer closes its file when destroyed
        QPdfWriter pdf(tmp);
        pdf.setCreator(QStringLiteral("ctscope"));
        pdf.setTitle(PlotData::title(plot));
        const int resolution = 1200;
        pdf.setResolution(resolution);
        pdf.setPageLayout(QPageLayout(
            QPageSize(QSizeF(size.widthIn, size.heightIn), QPageSize::Inch, QString(), QPageSize::ExactMatch),
            QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        QCPPainter painter;
        if (!painter.begin(&pdf)) {
            QFile::remove(tmp);
            return fail(error, QStringLiteral("%1: cannot write PDF").arg(path));
        }
        renderVector(plot, painter, logical, resolution / PlotStyle::kPixelsPerInch);
        painter.end();
    }
    return commitTemp(tmp, path, error);
}

bool FigureExport::writeCsv(QCustomPlot* plot, const QString& path, QString* error) {
    return writeText(path, PlotData::toCsv(PlotData::collect(plot)).toUtf8(), error);
}

QString FigureExport::csv(const Figure& figure) {
    if (figure.model) return QString::fromStdString(figureCsv(*figure.model));
    return PlotData::toCsv(PlotData::collect(figure.plot));
}

QJsonObject FigureExport::json(const Figure& figure) {
    if (!figure.model) return PlotData::toJson(figure.id, figure.plot);
    QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(figureJson(*figure.model))).object();
    o.insert(QStringLiteral("id"), figure.id);
    return o;
}

bool FigureExport::write(const Figure& figure, const QString& path, FigureFormat format, const ExportSize& size,
                         QString* error) {
    switch (format) {
        case FigureFormat::Csv:
            return writeText(path, csv(figure).toUtf8(), error);
        case FigureFormat::Json: {
            QJsonObject o = json(figure);
            o.insert(QStringLiteral("id"), QFileInfo(path).completeBaseName());
            return writeText(path, QJsonDocument(o).toJson(QJsonDocument::Indented), error);
        }
        default:
            return write(figure.plot, path, format, size, error);
    }
}

namespace {

ExportProvenance& provenanceStore() {
    static ExportProvenance p;
    return p;
}

/// One POSIX shell word: bare when safe, else single-quoted.
QString shellWord(const QString& w) {
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_./:=,+@%-]+$"));
    if (safe.match(w).hasMatch()) return w;
    QString q = w;
    q.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}

}  // namespace

void FigureExport::setProvenance(const ExportProvenance& provenance) { provenanceStore() = provenance; }

const ExportProvenance& FigureExport::provenance() { return provenanceStore(); }

QJsonObject FigureExport::checkpointIdentity(const Checkpoint& ckpt) {
    const std::string doc = withAnalysisProvenance("{}", ckpt, AnalysisProvenance{}, -1);
    const QJsonObject prov =
        QJsonDocument::fromJson(QByteArray::fromStdString(doc)).object().value(QStringLiteral("provenance")).toObject();
    return prov.value(QStringLiteral("checkpoint")).toObject();
}

QString FigureExport::manifestName(const QString& id) { return id + QStringLiteral(".manifest.json"); }

QJsonObject FigureExport::manifest(const Figure& figure, const QStringList& files) {
    const ExportProvenance& p = provenance();
    QJsonArray seeds;
    for (qint64 s : p.seeds) seeds.append(s);
    QStringList words;
    for (const QString& w : p.command) words.append(shellWord(w));
    return QJsonObject{
        {QStringLiteral("generator"), QStringLiteral("ctscope")},
        {QStringLiteral("ctscope_version"), QStringLiteral(CTSCOPE_VERSION)},
        {QStringLiteral("figure"), figure.id},
        {QStringLiteral("title"), figure.model ? QString::fromStdString(figure.model->title) : QString()},
        {QStringLiteral("files"), QJsonArray::fromStringList(files)},
        {QStringLiteral("checkpoint"), p.checkpoint.isEmpty() ? QJsonValue() : QJsonValue(p.checkpoint)},
        {QStringLiteral("options"), p.options},
        {QStringLiteral("seeds"), seeds},
        {QStringLiteral("command"), QJsonArray::fromStringList(p.command)},
        {QStringLiteral("command_line"), words.join(QLatin1Char(' '))},
    };
}

QJsonObject FigureExport::seriesJson(const QList<Figure>& figures) {
    QJsonArray arr;
    for (const Figure& f : figures) arr.append(json(f));
    return QJsonObject{{QStringLiteral("generator"), QStringLiteral("ctscope")}, {QStringLiteral("figures"), arr}};
}

QStringList FigureExport::writeAll(const QList<Figure>& figures, const QString& dir, const QList<FigureFormat>& formats,
                                   const ExportSize& size, QString* error) {
    QStringList written;
    if (!QDir().mkpath(dir)) {
        fail(error, QStringLiteral("%1: cannot create folder").arg(dir));
        return written;
    }
    const QDir out(dir);
    QList<QStringList> files;  // per figure, the names written beside its manifest
    for (const Figure& f : figures) {
        files.append(QStringList());
        for (FigureFormat format : formats) {
            if (format == FigureFormat::Json) continue;  // one document for all, below
            const QString name = f.id + QLatin1Char('.') + extension(format);
            const QString path = out.filePath(name);
            if (!write(f, path, format, size, error)) return written;
            written.append(path);
            files.last().append(name);
        }
    }
    if (formats.contains(FigureFormat::Json)) {
        const QString path = out.filePath(QStringLiteral("figures.json"));
        if (!writeText(path, QJsonDocument(seriesJson(figures)).toJson(QJsonDocument::Indented), error)) return written;
        written.append(path);
        for (QStringList& names : files) names.append(QStringLiteral("figures.json"));
    }
    for (int i = 0; i < figures.size(); ++i) {
        const QString path = out.filePath(manifestName(figures[i].id));
        if (!writeManifest(figures[i], path, files[i], error)) return written;
        written.append(path);
    }
    return written;
}

bool FigureExport::writeManifest(const Figure& figure, const QString& path, const QStringList& files, QString* error) {
    return writeText(path, QJsonDocument(manifest(figure, files)).toJson(QJsonDocument::Indented), error);
}

}  // namespace ctscope::ui
