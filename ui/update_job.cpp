#include "ui/update_job.h"

#include "ui/job_progress.h"

#include "core/util/error.h"

#include <QMetaObject>

#include <exception>

namespace ctscope::ui {

UpdateJob::UpdateJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<UpdateResultPtr>();
    // One computation at a time: a superseded one stops at its next report.
    m_pool.setMaxThreadCount(1);
}

UpdateJob::~UpdateJob() {
    ++m_generation;
    m_pool.waitForDone();
}

quint64 UpdateJob::request(LoadedModelPtr base, LoadedModelPtr tuned) {
    const quint64 generation = ++m_generation;
    m_busy = true;
    emit started(generation);
    const Observer observer = m_observer;
    m_pool.start([this, generation, base = std::move(base), tuned = std::move(tuned), observer] {
        run(generation, base, tuned, observer);
    });
    return generation;
}

void UpdateJob::cancel() {
    if (!m_busy) return;
    const quint64 generation = m_generation.load();
    discard();
    emit cancelled(generation);
}

void UpdateJob::discard() {
    ++m_generation;  // the running computation sees a stale generation and stops
    m_busy = false;
}

bool UpdateJob::waitForIdle(int timeoutMs) { return m_pool.waitForDone(timeoutMs); }

// Worker thread. Both models stay alive in the copies held here.
void UpdateJob::run(quint64 generation, const LoadedModelPtr& base, const LoadedModelPtr& tuned,
                    const Observer& observer) {
    const auto stillWanted = [this, generation] { return m_generation.load() == generation; };
    if (!stillWanted()) return;  // superseded while queued
    // Hands the outcome to the GUI thread, where a superseded generation is dropped.
    const auto deliver = [this, generation](std::function<void()> emitOutcome) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, emitOutcome = std::move(emitOutcome)] {
                if (generation != m_generation.load()) return;
                m_busy = false;
                emitOutcome();
            },
            Qt::QueuedConnection);
    };
    const ProgressFn progressFn = throttledProgress(
        this, stillWanted,
        [&observer, generation](const Progress& p) {
            if (observer) observer(generation, p);
        },
        [this, generation](double fraction, const QString& stage, const QString& item) {
            emit progress(fraction, stage, item);
        });
    try {
        auto result = std::make_shared<UpdateResult>();
        result->base = base;
        result->tuned = tuned;
        result->update = analyzeUpdate(*base->checkpoint, *tuned->checkpoint, base->analysis, progressFn);
        if (!stillWanted()) return;
        deliver([this, generation, result] { emit finished(result, generation); });
    } catch (const Cancelled&) {
        deliver([this, generation] { emit cancelled(generation); });
    } catch (const std::exception& e) {
        const QString message = QString::fromStdString(e.what());
        deliver([this, generation, message] { emit failed(message, generation); });
    } catch (...) {
        deliver([this, generation] { emit failed(tr("the update could not be computed"), generation); });
    }
}

}  // namespace ctscope::ui
