#pragma once
/// Persistent preferences (QSettings, organisation and application
/// "ctscope"): window layout, recent files, last-used folders, export size
/// and formats, fine-tuning options and the last sweep's folder.
/// GUI thread only.
#include "ui/figure_export.h"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace ctscope::ui {

class Settings {
public:
    static constexpr int kMaxRecent = 10;

    Settings();

    QStringList recentFiles() const;
    /// Moves `path` to the front of the recent list.
    void addRecentFile(const QString& path);
    void removeRecentFile(const QString& path);
    void clearRecentFiles();

    /// False until markStarted() has been called once on this account.
    bool hasStartedBefore() const;
    void markStarted();

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindowLayout(const QByteArray& geometry, const QByteArray& state);

    QString lastOpenDir() const;
    void setLastOpenDir(const QString& dir);
    QString lastExportDir() const;
    void setLastExportDir(const QString& dir);

    ExportSize exportSize() const;
    void setExportSize(const ExportSize& size);
    /// Size preset index of the export dialog (0 single, 1 double, 2 custom).
    int exportPreset() const;
    void setExportPreset(int preset);
    QList<FigureFormat> exportFormats() const;
    void setExportFormats(const QList<FigureFormat>& formats);

    /// The fine-tuning form's fields, by name.
    QVariantMap finetuneOptions() const;
    void setFinetuneOptions(const QVariantMap& options);
    /// Output folder of the last sweep run or opened (empty: none).
    QString lastSweepDir() const;
    void setLastSweepDir(const QString& dir);

private:
    mutable QSettings m_settings;
};

}  // namespace ctscope::ui
