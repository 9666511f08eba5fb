#include "ui/settings.h"

#include <QDir>
#include <QFileInfo>

namespace ctscope::ui {

namespace {
const QString kRecent = QStringLiteral("recentFiles");
}  // namespace

Settings::Settings() : m_settings(QStringLiteral("ctscope"), QStringLiteral("ctscope")) {}

QStringList Settings::recentFiles() const { return m_settings.value(kRecent).toStringList(); }

void Settings::addRecentFile(const QString& path) {
    if (path.isEmpty()) return;
    // The demo is a name, not a file; everything else is stored absolute.
    const QString entry = path == QLatin1String("demo") ? path : QFileInfo(path).absoluteFilePath();
    QStringList list = recentFiles();
    list.removeAll(entry);
    list.prepend(entry);
    while (list.size() > kMaxRecent) list.removeLast();
    m_settings.setValue(kRecent, list);
}

void Settings::removeRecentFile(const QString& path) {
    QStringList list = recentFiles();
    list.removeAll(path);
    m_settings.setValue(kRecent, list);
}

void Settings::clearRecentFiles() { m_settings.remove(kRecent); }

bool Settings::hasStartedBefore() const { return m_settings.value(QStringLiteral("startedBefore"), false).toBool(); }

void Settings::markStarted() { m_settings.setValue(QStringLiteral("startedBefore"), true); }

QByteArray Settings::windowGeometry() const {
    return m_settings.value(QStringLiteral("window/geometry")).toByteArray();
}

QByteArray Settings::windowState() const { return m_settings.value(QStringLiteral("window/state")).toByteArray(); }

void Settings::setWindowLayout(const QByteArray& geometry, const QByteArray& state) {
    m_settings.setValue(QStringLiteral("window/geometry"), geometry);
    m_settings.setValue(QStringLiteral("window/state"), state);
}

QString Settings::lastOpenDir() const {
    return m_settings.value(QStringLiteral("paths/open"), QDir::homePath()).toString();
}

void Settings::setLastOpenDir(const QString& dir) { m_settings.setValue(QStringLiteral("paths/open"), dir); }

QString Settings::lastExportDir() const {
    return m_settings.value(QStringLiteral("paths/export"), QDir::homePath()).toString();
}

void Settings::setLastExportDir(const QString& dir) { m_settings.setValue(QStringLiteral("paths/export"), dir); }

ExportSize Settings::exportSize() const {
    const ExportSize def = ExportSize::singleColumn();
    ExportSize s;
    s.widthIn = m_settings.value(QStringLiteral("export/widthIn"), def.widthIn).toDouble();
    s.heightIn = m_settings.value(QStringLiteral("export/heightIn"), def.heightIn).toDouble();
    s.dpi = m_settings.value(QStringLiteral("export/dpi"), def.dpi).toInt();
    return s;
}

void Settings::setExportSize(const ExportSize& size) {
    m_settings.setValue(QStringLiteral("export/widthIn"), size.widthIn);
    m_settings.setValue(QStringLiteral("export/heightIn"), size.heightIn);
    m_settings.setValue(QStringLiteral("export/dpi"), size.dpi);
}

int Settings::exportPreset() const { return m_settings.value(QStringLiteral("export/preset"), 0).toInt(); }

void Settings::setExportPreset(int preset) { m_settings.setValue(QStringLiteral("export/preset"), preset); }

QList<FigureFormat> Settings::exportFormats() const {
    const QString list =
        m_settings.value(QStringLiteral("export/formats"), QStringLiteral("png,svg,pdf,csv")).toString();
    QList<FigureFormat> formats = FigureExport::parseFormats(list);
    if (formats.isEmpty()) formats = {FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf, FigureFormat::Csv};
    return formats;
}

void Settings::setExportFormats(const QList<FigureFormat>& formats) {
    QStringList names;
    for (FigureFormat f : formats) names << FigureExport::extension(f);
    m_settings.setValue(QStringLiteral("export/formats"), names.join(QLatin1Char(',')));
}

QVariantMap Settings::finetuneOptions() const { return m_settings.value(QStringLiteral("finetune/options")).toMap(); }

void Settings::setFinetuneOptions(const QVariantMap& options) {
    m_settings.setValue(QStringLiteral("finetune/options"), options);
}

QString Settings::lastSweepDir() const { return m_settings.value(QStringLiteral("finetune/lastSweepDir")).toString(); }

void Settings::setLastSweepDir(const QString& dir) {
    m_settings.setValue(QStringLiteral("finetune/lastSweepDir"), dir);
}

}  // namespace ctscope::ui
