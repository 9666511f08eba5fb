#pragma once
/// Opens and analyses checkpoints on a background thread. The newest request
/// wins: a new request cancels the running one (through the core's progress
/// callback) and results of superseded requests are dropped. Finished
/// analyses are kept in a small in-memory cache, so reopening is instant;
/// the core's on-disk cache makes a first open of a known file fast too.
/// All members are for the GUI thread; signals arrive on the GUI thread.
#include "core/spectral/spectral_analysis.h"
#include "ui/loaded_model.h"

#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>

namespace ctscope::ui {

class AnalysisJob : public QObject {
    Q_OBJECT
public:
    /// Called on the worker thread with every progress report of the core,
    /// before the job decides whether to go on (diagnostics and tests).
    using Observer = std::function<void(quint64 request, const Progress& progress)>;

    explicit AnalysisJob(QObject* parent = nullptr);
    /// Cancels any running analysis and waits for it to end.
    ~AnalysisJob() override;

    /// Options for later requests (threads, cache directory, …).
    void setOptions(const AnalysisOptions& options) { m_options = options; }
    /// Starts opening `path` (a file, a folder or "demo"). Emits started(),
    /// then progress(), then exactly one of finished(), failed(), cancelled(),
    /// each carrying the id returned here.
    quint64 request(const QString& path);
    /// Cancels the current request; cancelled() is emitted at once.
    void cancel();
    bool isBusy() const { return !m_currentPath.isEmpty(); }
    QString currentPath() const { return m_currentPath; }
    /// Waits until no analysis runs on the worker (superseded ones included);
    /// false on timeout. For shutdown and tests.
    bool waitForIdle(int timeoutMs = -1);
    /// Forgets the in-memory cache.
    void clearCache();
    /// Set before request(); see Observer.
    void setObserver(Observer observer) { m_observer = std::move(observer); }

signals:
    void started(const QString& path, quint64 request);
    /// `fraction` 0..1 of the whole open + analysis.
    void progress(double fraction, const QString& stage, const QString& item);
    void finished(ctscope::ui::LoadedModelPtr model, quint64 request);
    /// `message` is the core's message (it names the file and the problem).
    void failed(const QString& path, const QString& message, quint64 request);
    void cancelled(const QString& path, quint64 request);

private:
    enum class Outcome { Finished, Failed, Cancelled };
    void run(quint64 generation, const QString& path, const AnalysisOptions& options, const Observer& observer);
    void deliver(quint64 generation, Outcome outcome, const QString& path, LoadedModelPtr model,
                 const QString& message);
    LoadedModelPtr cached(const std::string& identity);
    void remember(const std::string& identity, const LoadedModelPtr& model);

    QThreadPool m_pool;
    AnalysisOptions m_options;
    Observer m_observer;
    std::atomic<quint64> m_generation{0};
    QString m_currentPath;
    std::mutex m_cacheMutex;
    std::deque<std::pair<std::string, LoadedModelPtr>> m_cache;  ///< newest first
};

}  // namespace ctscope::ui
