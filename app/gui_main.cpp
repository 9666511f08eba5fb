// The desktop explorer's entry point: `ctscope [CKPT ...]` (and, in a build
// without the window, the exit-2 answers for it and for `export`).
#include "app/commands.h"

#if CTSCOPE_WITH_UI
#include "ui/main_window.h"
#include "ui/settings.h"

#include <QApplication>
#include <QFileInfo>

#include <cstdio>
#include <cstdlib>
#else
#include <cstdio>
#endif

namespace ctscope::cli {

#if CTSCOPE_WITH_UI

int runGui(int argc, char** argv) {
    // Without a display Qt aborts the process; say why and exit 1 instead.
    const auto unset = [](const char* name) {
        const char* v = std::getenv(name);
        return !v || !*v;
    };
    if (unset("DISPLAY") && unset("WAYLAND_DISPLAY") && unset("QT_QPA_PLATFORM")) {
        std::fputs("ctscope: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset);\n"
                   "  run a subcommand (ctscope --help), or set QT_QPA_PLATFORM=offscreen\n",
                   stderr);
        return 1;
    }
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
// Built without the window (CTSCOPE_BUILD_UI=OFF): no Qt in this binary.
int runGui(int argc, char** argv) {
    std::fprintf(stderr,
                 "ctscope: this build has no window (configured with CTSCOPE_BUILD_UI=OFF); "
                 "run a subcommand (ctscope --help)\n");
    return 2;
}

int cmdExport(int argc, char** argv) {
    std::fputs("ctscope export: this build has no Qt (configured with CTSCOPE_BUILD_UI=OFF), and export draws "
               "its figures with it\n",
               stderr);
    return 2;
}
#endif

}  // namespace ctscope::cli
