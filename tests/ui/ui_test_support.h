#pragma once
// Shared helpers of the UI tests: one offscreen QApplication for the whole
// test binary, event-loop waits, a hand-built analysis and screenshots.
#include "core/spectral/spectral_analysis.h"
#include "ui/loaded_model.h"

#include <QApplication>
#include <QString>
#include <QWidget>

#include <functional>

namespace ctscope::test {

/// The test binary's QApplication (offscreen, QSettings in test mode).
QApplication& uiApp();
/// Runs the event loop until `done` holds or `timeoutMs` passes.
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 30000);
/// Folder for screenshots: $CTSCOPE_SCREENSHOT_DIR or <cwd>/screenshots.
QString screenshotDir();
/// Saves widget->grab() as <screenshotDir>/<name>.png; returns the path.
QString saveScreenshot(QWidget* widget, const QString& name);
/// A small analysis made by hand (d_model 16, two layers, seven types plus
/// embed), independent of the spectral engine.
ui::LoadedModelPtr handMadeModel();

}  // namespace ctscope::test
