#pragma once
/// Runs a fine-tuning sweep (core runSweep) on a worker thread and turns its
/// callbacks into signals on the GUI thread. Step records are buffered under
/// a mutex and announced at most once per ~40 ms (stepsAvailable), so a fast
/// sweep cannot flood the event loop; the GUI takes the buffer and redraws
/// once. Stop is cooperative (the engine polls shouldStop). The destructor
/// asks the sweep to stop and waits for the thread. GUI thread only.
#include "core/train/finetune_sweep.h"
#include "ui/loaded_model.h"

#include <QMetaType>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <mutex>
#include <vector>

class QThread;

namespace ctscope::ui {

class SweepJob : public QObject {
    Q_OBJECT
public:
    static constexpr int kMergeIntervalMs = 40;

    explicit SweepJob(QObject* parent = nullptr);
    ~SweepJob() override;

    /// Starts a sweep on `model` (its analysis must hold bases). Returns false
    /// when a sweep is already running.
    bool start(LoadedModelPtr model, const FinetuneOptions& options);
    /// Asks the running sweep to stop; finished() (with cancelled set) follows.
    void stop();
    bool isRunning() const { return m_thread != nullptr; }
    bool stopRequested() const { return m_stop.load(); }
    /// Blocks until the worker has ended (tests, shutdown).
    void wait();

    /// Takes every step record buffered since the last call.
    std::vector<StepMetrics> takeSteps();

signals:
    /// New step records can be taken (merged: at most every kMergeIntervalMs).
    void stepsAvailable();
    void runFinished(const ctscope::RunResult& run);
    void message(const QString& line);
    /// The sweep ended, normally or stopped (result.cancelled).
    void finished(const ctscope::SweepResult& result);
    void failed(const QString& message);

private:
    void onWorkerStep(const StepMetrics& step);
    void workerDone();

    QThread* m_thread = nullptr;
    QTimer m_mergeTimer;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_announcePending{false};
    std::mutex m_mutex;
    std::vector<StepMetrics> m_buffer;
};

}  // namespace ctscope::ui

Q_DECLARE_METATYPE(ctscope::RunResult)
Q_DECLARE_METATYPE(ctscope::SweepResult)
