#pragma once
// Shared helpers of the UI tests: one offscreen QApplication for the whole
// test binary, event-loop waits, a hand-built analysis, a checkpoint analysed
// as the window would, a tiny sweep and screenshots.
#include "core/spectral/spectral_analysis.h"
#include "core/train/finetune_types.h"
#include "ui/loaded_model.h"

#include <QApplication>
#include <QString>
#include <QWidget>

#include <functional>
#include <string>

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

/// Analysis options of the tests: no cache, 2 threads, bases kept.
AnalysisOptions testAnalysisOptions();
/// The checkpoint at `path` opened and analysed as the window does (path
/// shown as given).
ui::LoadedModelPtr analysedModel(const std::string& path, const AnalysisOptions& options = testAnalysisOptions());
/// A sweep of seconds on the shipped stories260K and Shakespeare excerpt:
/// last block, K = 4, random basis, full + amp, 1 seed, lr 3e-3, seq 32,
/// batch 2, 2 held-out windows, 2 threads, `steps` steps, written to `outDir`.
/// Tests change what they need.
FinetuneOptions tinySweep(const std::string& outDir, int steps = 2);

}  // namespace ctscope::test
