#pragma once
/// The fine-tuning tab: the sweep form with Run / Stop / Open sweep…, the
/// live plots, the run table and the engine's log. A sweep always writes its
/// metrics.jsonl to a folder (an automatic one unless chosen), which is
/// remembered: reopening the window brings the last sweep's runs and curves
/// back, and any finished sweep can be reopened from its folder.
/// GUI thread only.
#include "core/report/metrics_io.h"
#include "core/train/finetune_sweep.h"
#include "ui/figure_export.h"
#include "ui/loaded_model.h"

#include <QVariantMap>
#include <QWidget>

#include <functional>
#include <string>
#include <vector>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace ctscope {
struct ExistingSweep;
}

namespace ctscope::ui {

class FinetuneForm;
class FinetunePlots;
class RunTableModel;
class SweepJob;

class FinetunePanel : public QWidget {
    Q_OBJECT
public:
    /// How often a reopened sharded sweep is re-read (ms).
    static constexpr int kFollowIntervalMs = 2000;

    /// `restoreLastSweep`: reopen the sweep remembered in the settings.
    explicit FinetunePanel(QWidget* parent = nullptr, bool restoreLastSweep = true);
    ~FinetunePanel() override = default;  ///< m_job's destructor (a child) stops and joins the sweep

    /// The checkpoint sweeps run on (null disables Run).
    void setModel(LoadedModelPtr model);

    FinetuneForm* form() const { return m_form; }
    FinetunePlots* plots() const { return m_plots; }
    RunTableModel* runModel() const { return m_runModel; }
    SweepJob* job() const { return m_job; }
    QList<Figure> figures() const;
    bool isRunning() const;
    /// The folder of the sweep shown (running, finished or reopened).
    QString sweepDir() const { return m_sweepDir; }
    QString status() const;
    /// Finished runs of the sweep shown (running, finished or reopened).
    const std::vector<RunResult>& runs() const { return m_runs; }
    /// The efficiency table every view shows: computeEfficiency() of runs()
    /// against the plan in the sweep folder's sweep.json (points whose grid
    /// is not all in are provisional). The same for a sweep run here, one
    /// run from the command line and one reopened from its folder.
    const EfficiencyTable& efficiency() const { return m_table; }
    /// True while a reopened sweep of shards is followed as it grows.
    bool isFollowingShards() const;
    /// True while a requested sweep folder is being read in the background.
    bool isOpening() const { return m_pendingOpens > 0; }

    /// Called on the worker thread just before each background read of a
    /// sweep folder, with the folder (tests block it to hold a read mid-way).
    using ReadHook = std::function<void(const QString& dir)>;
    void setReadHook(ReadHook hook) { m_readHook = std::move(hook); }

public slots:
    /// Validates the form and starts a sweep; problems go to errorOccurred().
    /// When the output folder holds a sweep, asks first (a modal QMessageBox
    /// named "existingSweepQuestion": Resume / Move aside / Cancel).
    void run();
    void stop();
    /// Reopens a finished (or interrupted) sweep from its folder in the
    /// background and returns at once (false: a sweep is running). The
    /// folder is read off the GUI thread; when the read is done the panel
    /// shows it (sweepOpened(), or errorOccurred()), unless a newer open or
    /// a new sweep came first. The form then follows the sweep's options.
    /// A folder of shards is merged and then followed as the shards grow.
    /// This is what File ▸ Open sweep folder… and the start-up restore use.
    bool requestSweepFolder(const QString& dir);
    /// The same, read on the calling (GUI) thread and shown before it
    /// returns (false: running, or the folder could not be read). For
    /// scripts and tests; supersedes any background open still in flight.
    bool openSweepFolder(const QString& dir);
    void chooseSweepFolder();

public:
    /// What the sweep job's signals call, in this order per run: step
    /// records as they arrive, then the finished run (tests drive the panel
    /// with data through them). Plain functions, not slots: moc must not
    /// register RunResult before sweep_job.h declares it.
    void onSteps(const std::vector<StepMetrics>& steps);
    void onRunFinished(const RunResult& run);

signals:
    void errorOccurred(const QString& message);
    void runningChanged(bool running);
    /// runs() changed: a run finished, a sweep ended, started or was reopened.
    void runsChanged();
    /// A sweep folder (requested or opened) is now shown.
    void sweepOpened(const QString& dir);

private:
    /// What a background read of a sweep folder brings back (plain values).
    struct SweepRead {
        SweepFolder folder;
        std::vector<PlannedGrid> plan;
        QVariantMap formOptions;  ///< FinetuneForm::mapFromSweepOptions of sweep.json
        bool sharded = false;
        std::string signature;    ///< sweepFolderSignature() when sharded
        QString error;            ///< non-empty: the read failed
    };
    /// Reads DIR (any thread; touches nothing of the panel).
    static SweepRead readFolder(const QString& dir, const ReadHook& hook);
    /// Shows a folder read by readFolder() (GUI thread). `following`: a
    /// re-read of the shown sharded sweep (form and settings untouched).
    bool showSweepFolder(const QString& dir, SweepRead read, bool following = false);
    void startRead(const QString& dir, bool following);
    enum class ExistingSweepChoice { Resume, MoveAside, Cancel };
    ExistingSweepChoice askAboutExistingSweep(const QString& dir, const ExistingSweep& existing);
    void followShards();
    /// True, after reporting it, while a sweep runs (no folder is opened then).
    bool refuseWhileRunning();
    /// Recomputes m_table from m_runs and shows it in the plots and the
    /// Runs table (`resetRuns`: the table's rows are replaced by m_runs).
    void showEfficiency(bool resetRuns);
    void onFinished(const SweepResult& result);
    void setRunning(bool running);
    void showStatus(const QString& text);

    LoadedModelPtr m_model;
    FinetuneForm* m_form = nullptr;
    FinetunePlots* m_plots = nullptr;
    RunTableModel* m_runModel = nullptr;
    QTableView* m_runView = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_stop = nullptr;
    QLabel* m_status = nullptr;
    SweepJob* m_job = nullptr;
    std::vector<RunResult> m_runs;
    std::vector<PlannedGrid> m_plan;  ///< from sweep.json; empty: inferred from the runs
    EfficiencyTable m_table;
    QString m_sweepDir;
    QTimer* m_followTimer = nullptr;
    std::string m_followSignature;
    ReadHook m_readHook;
    quint64 m_openGeneration = 0;  ///< the newest open wins; older reads are dropped
    int m_pendingOpens = 0;
};

}  // namespace ctscope::ui
