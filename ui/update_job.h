#pragma once
/// Computes the update ΔW = W_tuned − W_base (core/spectral/update_analysis.h)
/// on a background thread, like AnalysisJob: the newest request wins (a new
/// request or cancel() makes the running one stop at its next progress
/// report), results of superseded requests are dropped, and the destructor
/// stops and joins the worker. All members are for the GUI thread; signals
/// arrive on the GUI thread.
#include "core/spectral/update_analysis.h"
#include "ui/loaded_model.h"

#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>

namespace ctscope::ui {

/// A finished ΔW analysis and the two checkpoints it compares.
struct UpdateResult {
    LoadedModelPtr base, tuned;
    UpdateAnalysis update;
};
using UpdateResultPtr = std::shared_ptr<const UpdateResult>;

class UpdateJob : public QObject {
    Q_OBJECT
public:
    /// Called on the worker thread with every progress report of the core,
    /// before the job decides whether to go on (diagnostics and tests).
    using Observer = std::function<void(quint64 request, const Progress& progress)>;

    explicit UpdateJob(QObject* parent = nullptr);
    /// Stops any running computation and waits for it to end.
    ~UpdateJob() override;

    /// Starts ΔW of `tuned` against `base` (whose analysis must keep its
    /// bases). Emits started(), then progress(), then exactly one of
    /// finished(), failed(), cancelled(). Returns the request's id.
    quint64 request(LoadedModelPtr base, LoadedModelPtr tuned);
    /// Stops the current request; cancelled() is emitted at once.
    void cancel();
    /// Forgets the current request without a signal (its result is dropped).
    void discard();
    bool isBusy() const { return m_busy; }
    /// Waits until no computation runs on the worker (superseded ones
    /// included); false on timeout. For shutdown and tests.
    bool waitForIdle(int timeoutMs = -1);
    /// Set before request(); see Observer.
    void setObserver(Observer observer) { m_observer = std::move(observer); }

signals:
    void started(quint64 request);
    /// `fraction` 0..1 of the computation.
    void progress(double fraction, const QString& stage, const QString& item);
    void finished(ctscope::ui::UpdateResultPtr result, quint64 request);
    /// `message` is the core's (e.g. that the shapes differ, naming the file).
    void failed(const QString& message, quint64 request);
    void cancelled(quint64 request);

private:
    void run(quint64 generation, const LoadedModelPtr& base, const LoadedModelPtr& tuned, const Observer& observer);

    QThreadPool m_pool;
    std::atomic<quint64> m_generation{0};
    bool m_busy = false;
    Observer m_observer;
};

}  // namespace ctscope::ui

Q_DECLARE_METATYPE(ctscope::ui::UpdateResultPtr)
