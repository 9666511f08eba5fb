#pragma once
/// Runs a fine-tuning sweep in the engine process: starts `ctscope-engine
/// finetune CKPT <options> --progress json` as a child QProcess (LibTorch never
/// enters the window's process) and turns its progress stream (one JSON
/// object per line on stdout, docs/engine-protocol.md) into signals. Step
/// records are buffered and announced at most once per ~40 ms
/// (stepsAvailable), so a fast sweep cannot flood the event loop; the GUI
/// takes the buffer and redraws once. Stop sends SIGTERM: the engine stops at
/// the next step boundary and keeps every finished run. When the engine ends,
/// the sweep folder is read back (readSweepFolder) for the SweepResult; a
/// crash or a non-zero exit is failed() with the engine's stderr tail.
/// GUI thread only.
#include "core/train/finetune_sweep.h"
#include "ui/loaded_model.h"

#include <QMetaType>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <map>
#include <string>
#include <vector>

namespace ctscope {
struct EngineEvent;
}

namespace ctscope::ui {

class SweepJob : public QObject {
    Q_OBJECT
public:
    static constexpr int kMergeIntervalMs = 40;
    /// Lines of the engine's stderr quoted in failed().
    static constexpr int kStderrTailLines = 12;
    /// How long the destructor waits for a stopped engine before killing it (ms).
    static constexpr int kShutdownWaitMs = 15000;

    explicit SweepJob(QObject* parent = nullptr);
    /// Stops a running engine (SIGTERM), waits up to kShutdownWaitMs, then kills it.
    ~SweepJob() override;

    /// $CTSCOPE_ENGINE when set, else ctscope-engine in this program's folder.
    static QString defaultEnginePath();
    /// The engine program started by start() (default: defaultEnginePath()).
    void setEnginePath(const QString& path) { m_enginePath = path; }
    QString enginePath() const { return m_enginePath; }

    /// Starts a sweep on the checkpoint `model` was opened from (model->path,
    /// "demo" included). Returns false when a sweep is already running or
    /// `model` is null. An empty options.outDir gets a new folder under
    /// AppDataLocation/sweeps/, announced with message(). An engine that
    /// cannot start is reported by failed() after this returns.
    bool start(LoadedModelPtr model, const FinetuneOptions& options);
    /// The same on a checkpoint path or spec as `ctscope finetune` takes it.
    bool start(const QString& checkpoint, const FinetuneOptions& options);
    /// Asks the running sweep to stop (SIGTERM); finished() (cancelled set) follows.
    void stop();
    bool isRunning() const { return m_process != nullptr; }
    bool stopRequested() const { return m_stop; }
    /// Blocks until the engine has ended and finished()/failed() was emitted.
    void wait();
    /// The sweep folder of the running or last sweep.
    QString sweepDir() const { return m_sweepDir; }
    /// The arguments the engine was started with (after the program).
    QStringList arguments() const { return m_arguments; }

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
    void readOutput();
    void readErrors();
    void handleLine(const QByteArray& line);
    void handleEvent(const EngineEvent& event);
    void onEngineFinished(int exitCode, QProcess::ExitStatus status);
    void onEngineError(QProcess::ProcessError error);
    void end(bool ok, const QString& failure);
    SweepResult resultFromFolder();
    QString stderrTail() const;

    QString m_enginePath;
    QProcess* m_process = nullptr;
    QTimer m_mergeTimer;
    bool m_stop = false;
    bool m_doneSeen = false;
    bool m_doneCancelled = false;
    QString m_sweepDir;
    QStringList m_arguments;
    QString m_errorText;    ///< the engine's "error" event
    QString m_lastStage;    ///< of the analysis events, for one log line per stage
    std::string m_savedRun;
    QByteArray m_stdout;    ///< an incomplete last line
    QByteArray m_stderr;    ///< the last bytes of stderr
    std::vector<StepMetrics> m_buffer;
    std::map<std::string, std::vector<StepMetrics>> m_runSteps;  ///< per run id, for runFinished
    std::vector<RunResult> m_finishedRuns;  ///< from run_finished events (a fallback for the result)
};

}  // namespace ctscope::ui

Q_DECLARE_METATYPE(ctscope::RunResult)
Q_DECLARE_METATYPE(ctscope::SweepResult)
