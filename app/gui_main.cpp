// The desktop explorer's entry point: `ctscope [CKPT ...]`.
#include "app/commands.h"

#if CTSCOPE_WITH_UI
#include "ui/main_window.h"
#include "ui/settings.h"

#include <QApplication>
#include <QFileInfo>
#else
#include <string>
#include <vector>
#endif

namespace ctscope::cli {

#if CTSCOPE_WITH_UI

int runGui(int argc, char** argv) {
    QApplication::setOrganizationName(QStringLiteral("ctscope"));
    QApplication::setApplicationName(QStringLiteral("ctscope"));
    QApplication::setApplicationVersion(QStringLiteral(CTSCOPE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("ctscope"));
    QApplication app(argc, argv);

    ui::MainWindow window;
    window.show();

    ui::Settings settings;
    const QStringList paths = app.arguments().mid(1);
    if (!paths.isEmpty()) {
        // The first path is opened; the others are added beside it.
        window.openPaths(paths);
    } else {
        const QStringList recent = settings.recentFiles();
        const bool firstStart = !settings.hasStartedBefore();
        if (firstStart || recent.isEmpty() ||
            (recent.first() != QLatin1String("demo") && !QFileInfo::exists(recent.first())))
            window.openPath(QStringLiteral("demo"));
        else
            window.openPath(recent.first());
    }
    settings.markStarted();
    return app.exec();
}
#else
// Built without the explorer (CTSCOPE_BUILD_UI=OFF): analyse instead.
int runGui(int argc, char** argv) {
    std::vector<std::string> store{"ctscope", "analyze", argc >= 2 ? argv[1] : "demo"};
    std::vector<char*> args;
    for (auto& s : store) args.push_back(s.data());
    return cmdAnalyze(static_cast<int>(args.size()), args.data());
}
#endif

}  // namespace ctscope::cli
