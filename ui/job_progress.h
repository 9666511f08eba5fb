#pragma once
/// What AnalysisJob and UpdateJob share on their worker thread: the core's
/// progress callback that stops a superseded computation and forwards reports
/// to the GUI thread at a rate a progress bar can use. Made on the worker;
/// the posted calls run on `receiver`'s (the GUI) thread.
#include "core/util/progress.h"

#include <QString>

#include <functional>

class QObject;

namespace ctscope::ui {

/// Returns a ProgressFn that, for each report of the core:
///  - calls `observer` first when set (diagnostics and tests);
///  - returns false (the core stops: Cancelled) once `stillWanted()` is false;
///  - at a new stage, at the end (fraction 1) and otherwise at most every
///    50 ms, and never twice for the same stage and fraction, posts
///    `post(fraction, stage, item)` to `receiver`'s thread, where it runs only
///    if `stillWanted()` still holds then.
ProgressFn throttledProgress(QObject* receiver, std::function<bool()> stillWanted,
                             std::function<void(const Progress&)> observer,
                             std::function<void(double fraction, const QString& stage, const QString& item)> post);

}  // namespace ctscope::ui
