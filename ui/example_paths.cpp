#include "ui/example_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace ctscope::ui {

QString ExamplePaths::dir() {
    const QString app = QCoreApplication::applicationDirPath();
    const QStringList candidates{
        app + QStringLiteral("/../share/ctscope/examples"),
        // Running from a build folder: the source tree this file was compiled from.
        QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/../resources/examples"),
        app + QStringLiteral("/../resources/examples"),
    };
    for (const QString& c : candidates)
        if (QFileInfo(c).isDir()) return QDir(c).canonicalPath();
    return QString();
}

QString ExamplePaths::file(const QString& relative) {
    const QString d = dir();
    if (d.isEmpty()) return QString();
    const QString path = QDir(d).filePath(relative);
    return QFileInfo::exists(path) ? path : QString();
}

}  // namespace ctscope::ui
