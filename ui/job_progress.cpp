#include "ui/job_progress.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QObject>

#include <memory>
#include <string>

namespace ctscope::ui {

namespace {
constexpr qint64 kProgressIntervalMs = 50;

/// The throttle's state, shared by the copies of the returned callback.
struct Throttle {
    std::string lastStage;
    double lastFraction = -1.0;
    QElapsedTimer sinceLast;
};
}  // namespace

ProgressFn throttledProgress(QObject* receiver, std::function<bool()> stillWanted,
                             std::function<void(const Progress&)> observer,
                             std::function<void(double, const QString&, const QString&)> post) {
    auto throttle = std::make_shared<Throttle>();
    throttle->sinceLast.start();
    return [receiver, stillWanted = std::move(stillWanted), observer = std::move(observer), post = std::move(post),
            throttle](const Progress& p) {
        if (observer) observer(p);
        if (!stillWanted()) return false;
        Throttle& t = *throttle;
        const bool newStage = p.stage != t.lastStage;
        if (!newStage && t.sinceLast.elapsed() < kProgressIntervalMs && p.fraction < 1.0) return true;
        if (!newStage && p.fraction == t.lastFraction) return true;
        t.lastStage = p.stage;
        t.lastFraction = p.fraction;
        t.sinceLast.restart();
        const double fraction = p.fraction;
        const QString stage = QString::fromStdString(p.stage), item = QString::fromStdString(p.item);
        QMetaObject::invokeMethod(
            receiver,
            [stillWanted, post, fraction, stage, item] {
                if (stillWanted()) post(fraction, stage, item);
            },
            Qt::QueuedConnection);
        return true;
    };
}

}  // namespace ctscope::ui
