#include "ui/finetune_panel.h"

#include "core/report/sweep_dir.h"
#include "core/report/sweep_merge.h"
#include "ui/example_paths.h"
#include "ui/finetune_form.h"
#include "ui/finetune_plots.h"
#include "ui/run_table_model.h"
#include "ui/settings.h"
#include "ui/sweep_job.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

namespace ctscope::ui {

FinetunePanel::FinetunePanel(QWidget* parent, bool restoreLastSweep) : QWidget(parent) {
    m_form = new FinetuneForm(this);
    m_job = new SweepJob(this);
    m_plots = new FinetunePlots(this);
    m_runModel = new RunTableModel(this);
    m_followTimer = new QTimer(this);
    m_followTimer->setInterval(kFollowIntervalMs);
    connect(m_followTimer, &QTimer::timeout, this, &FinetunePanel::followShards);
    m_run = new QPushButton(tr("Run"), this);
    m_run->setToolTip(tr("Start the sweep in the background"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setToolTip(tr("Stop after the current step; finished runs are kept"));
    auto* open = new QPushButton(tr("Open sweep…"), this);
    open->setToolTip(tr("Reopen a sweep from its output folder (metrics.jsonl)"));
    m_status = new QLabel(tr("Open a checkpoint, choose the options and press Run."), this);
    m_status->setObjectName(QStringLiteral("finetuneStatus"));
    m_status->setWordWrap(true);
    auto* sweepBox = new QGroupBox(tr("Sweep"), this);
    auto* sweepLayout = new QVBoxLayout(sweepBox);
    sweepLayout->addWidget(m_form);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_stop);
    buttons->addStretch(1);
    buttons->addWidget(open);
    sweepLayout->addLayout(buttons);
    sweepLayout->addWidget(m_status);
    sweepLayout->addStretch(1);

    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_runModel);
    proxy->setSortRole(RunTableModel::kSortRole);
    m_runView = new QTableView(this);
    m_runView->setModel(proxy);
    m_runView->setSortingEnabled(true);
    m_runView->sortByColumn(-1, Qt::AscendingOrder);
    m_runView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runView->setAlternatingRowColors(true);
    m_runView->verticalHeader()->setVisible(false);
    m_runView->horizontalHeader()->setStretchLastSection(true);
    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    auto* tabs = new QTabWidget(this);
    tabs->addTab(m_runView, tr("Runs"));
    tabs->addTab(m_log, tr("Log"));

    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_plots);
    right->addWidget(tabs);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(sweepBox);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    split->setSizes({320, 900});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_run, &QPushButton::clicked, this, &FinetunePanel::run);
    connect(m_stop, &QPushButton::clicked, this, &FinetunePanel::stop);
    connect(open, &QPushButton::clicked, this, &FinetunePanel::chooseSweepFolder);
    connect(m_job, &SweepJob::stepsAvailable, this, [this] { onSteps(m_job->takeSteps()); });
    connect(m_job, &SweepJob::runFinished, this, &FinetunePanel::onRunFinished);
    connect(m_job, &SweepJob::finished, this, &FinetunePanel::onFinished);
    connect(m_job, &SweepJob::message, m_log, &QPlainTextEdit::appendPlainText);
    connect(m_job, &SweepJob::failed, this, [this](const QString& message) {
        setRunning(false);
        showStatus(tr("The sweep failed."));
        m_log->appendPlainText(message);
        emit errorOccurred(message);
    });

    Settings settings;
    m_form->fromMap(settings.finetuneOptions());
    if (m_form->toMap().value(QStringLiteral("data")).toString().isEmpty())
        m_form->setDataFile(ExamplePaths::shakespeare());
    setRunning(false);
    const QString last = settings.lastSweepDir();
    if (restoreLastSweep && !last.isEmpty() && QFileInfo::exists(last + QStringLiteral("/metrics.jsonl")))
        requestSweepFolder(last);
}

void FinetunePanel::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    setRunning(isRunning());
}

QList<Figure> FinetunePanel::figures() const { return m_plots->figures(); }

bool FinetunePanel::isRunning() const { return m_job->isRunning(); }

bool FinetunePanel::isFollowingShards() const { return m_followTimer->isActive(); }

QString FinetunePanel::status() const { return m_status->text(); }

void FinetunePanel::showStatus(const QString& text) { m_status->setText(text); }

void FinetunePanel::setRunning(bool running) {
    m_run->setEnabled(!running && m_model != nullptr);
    m_stop->setEnabled(running);
    m_form->setEnabled(!running);
    emit runningChanged(running);
}

void FinetunePanel::run() {
    if (isRunning()) return;
    if (!m_model) {
        emit errorOccurred(tr("Open a checkpoint before fine-tuning."));
        return;
    }
    FinetuneOptions options;
    QString error;
    if (!m_form->options(&options, &error)) {
        emit errorOccurred(error);
        return;
    }
    Settings settings;
    settings.setFinetuneOptions(m_form->toMap());
    options.commandLine = {QCoreApplication::applicationFilePath().toStdString(), "(fine-tuning panel)"};
    if (options.outDir.empty()) {
        const QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
        const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
        QString name = m_model->displayName();
        name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
        options.outDir = QDir(base).filePath(QStringLiteral("sweeps/%1-%2").arg(name, stamp)).toStdString();
    }
    const QString dir = QString::fromStdString(options.outDir);
    // Nothing the user made is lost: a folder that holds a sweep is resumed
    // or moved aside, never written over (the same question as the CLI's).
    const ExistingSweep existing = inspectSweepDir(options.outDir);
    std::vector<RunResult> kept;
    if (existing.present) {
        const ExistingSweepChoice choice = askAboutExistingSweep(dir, existing);
        if (choice == ExistingSweepChoice::Cancel) return;
        try {
            if (choice == ExistingSweepChoice::Resume) {
                options.resume = true;
                for (RunResult& r : readSweepFolder(options.outDir).runs)
                    if (r.completed) kept.push_back(std::move(r));
            } else {
                const std::string aside = moveSweepAside(options.outDir);
                m_log->appendPlainText(tr("Moved the sweep that was in %1 to %2").arg(dir, QString::fromStdString(aside)));
            }
        } catch (const std::exception& e) {
            emit errorOccurred(QString::fromStdString(e.what()));
            return;
        }
    }
    if (!QDir().mkpath(dir)) {
        emit errorOccurred(tr("%1: cannot create the output folder").arg(dir));
        return;
    }
    m_sweepDir = dir;
    settings.setLastSweepDir(dir);
    ++m_openGeneration;  // a folder still being read is not shown over this sweep
    m_followTimer->stop();
    m_runs = std::move(kept);
    m_plan.clear();  // the engine writes this sweep's plan to sweep.json as it starts
    m_runModel->clear();
    m_plots->clear();
    m_log->clear();
    if (!m_runs.empty()) {  // resumed: the runs finished before are shown, and kept
        m_plots->setRuns(m_runs);
        showEfficiency(true);
        m_log->appendPlainText(tr("Resuming %1: %n run(s) already finished", nullptr, static_cast<int>(m_runs.size())).arg(dir));
    }
    emit runsChanged();
    if (!m_job->start(m_model, options)) {
        emit errorOccurred(tr("A sweep is already running."));
        return;
    }
    m_log->appendPlainText(tr("Sweep on %1, writing to %2").arg(m_model->displayName(), dir));
    showStatus(tr("Starting…"));
    setRunning(true);
}

void FinetunePanel::stop() {
    if (!isRunning()) return;
    m_job->stop();
    showStatus(tr("Stopping after the current step…"));
    m_stop->setEnabled(false);
}

FinetunePanel::ExistingSweepChoice FinetunePanel::askAboutExistingSweep(const QString& dir, const ExistingSweep& e) {
    QMessageBox box(QMessageBox::Question, tr("The folder holds a sweep"),
                    tr("%1 already holds a sweep: %2.").arg(dir, QString::fromStdString(e.describe())), QMessageBox::NoButton,
                    this);
    box.setObjectName(QStringLiteral("existingSweepQuestion"));
    box.setInformativeText(tr("Resume keeps the runs finished with the same options and runs the rest. "
                              "Move aside renames the folder to %1.old-N (nothing is deleted) and starts afresh.")
                               .arg(QFileInfo(dir).fileName()));
    QPushButton* resume = box.addButton(tr("Resume"), QMessageBox::AcceptRole);
    QPushButton* aside = box.addButton(tr("Move aside"), QMessageBox::DestructiveRole);
    resume->setObjectName(QStringLiteral("resumeSweep"));
    aside->setObjectName(QStringLiteral("moveSweepAside"));
    box.addButton(QMessageBox::Cancel)->setObjectName(QStringLiteral("cancelSweep"));
    box.setDefaultButton(resume);
    box.exec();
    if (box.clickedButton() == resume) return ExistingSweepChoice::Resume;
    if (box.clickedButton() == aside) return ExistingSweepChoice::MoveAside;
    return ExistingSweepChoice::Cancel;
}

void FinetunePanel::onSteps(const std::vector<StepMetrics>& steps) {
    if (steps.empty()) return;
    m_plots->addSteps(steps);
    const StepMetrics& last = steps.back();
    const int total = last.totalSteps > 0 ? last.totalSteps : m_form->toMap().value(QStringLiteral("steps")).toInt();
    if (isRunning())
        showStatus(tr("Running %1: step %2 of %3").arg(QString::fromStdString(last.runId)).arg(last.step).arg(total));
}

void FinetunePanel::showEfficiency(bool resetRuns) {
    // While a sweep runs its sweep.json is re-read: it appears (or, on a
    // resume, is rewritten) only once the engine has started.
    if (!m_sweepDir.isEmpty() && (m_plan.empty() || isRunning())) {
        std::vector<PlannedGrid> plan = readSweepPlan(m_sweepDir.toStdString());
        if (!plan.empty()) m_plan = std::move(plan);
    }
    m_table = computeEfficiency(m_runs, m_plan);
    m_plots->setEfficiency(m_table);
    if (resetRuns)
        m_runModel->setRuns(m_runs, m_table);
    else
        m_runModel->setEfficiency(m_table);
}

void FinetunePanel::onRunFinished(const RunResult& run) {
    m_runs.push_back(run);
    m_runModel->addRun(run);
    showEfficiency(false);
    emit runsChanged();
}

void FinetunePanel::onFinished(const SweepResult& result) {
    // The engine's list is authoritative (it may include runs whose
    // callbacks were still queued when the sweep ended); the table is
    // recomputed here as for a reopened folder, so both look the same.
    m_runs = result.runs;
    showEfficiency(true);
    setRunning(false);
    m_runView->resizeColumnsToContents();
    emit runsChanged();
    const int n = static_cast<int>(m_runs.size());
    showStatus(result.cancelled ? tr("Stopped: %n run(s) finished.", nullptr, n)
                                : tr("Finished: %n run(s). Results in %1", nullptr, n).arg(m_sweepDir));
}

FinetunePanel::SweepRead FinetunePanel::readFolder(const QString& dir, const ReadHook& hook) {
    if (hook) hook(dir);
    SweepRead read;
    const std::string path = dir.toStdString();
    try {
        read.folder = readSweepFolder(path);
    } catch (const std::exception& e) {
        read.error = QString::fromStdString(e.what());
        return read;
    }
    read.plan = readSweepPlan(path);
    read.sharded = isShardedSweep(path);
    if (read.sharded) read.signature = sweepFolderSignature(path);
    QFile json(QDir(dir).filePath(QStringLiteral("sweep.json")));
    if (json.open(QIODevice::ReadOnly)) {
        const QJsonObject options = QJsonDocument::fromJson(json.readAll()).object().value(QLatin1String("options")).toObject();
        read.formOptions = FinetuneForm::mapFromSweepOptions(options);
    }
    return read;
}

bool FinetunePanel::refuseWhileRunning() {
    if (isRunning()) emit errorOccurred(tr("Stop the running sweep before opening another."));
    return isRunning();
}

bool FinetunePanel::requestSweepFolder(const QString& dir) {
    if (refuseWhileRunning()) return false;
    startRead(dir, false);
    showStatus(tr("Reading the sweep in %1…").arg(dir));
    return true;
}

void FinetunePanel::startRead(const QString& dir, bool following) {
    const quint64 generation = ++m_openGeneration;
    ++m_pendingOpens;
    auto* watcher = new QFutureWatcher<SweepRead>(this);
    connect(watcher, &QFutureWatcher<SweepRead>::finished, this, [this, watcher, dir, generation, following] {
        --m_pendingOpens;
        SweepRead read = watcher->result();
        watcher->deleteLater();
        if (generation != m_openGeneration || isRunning()) return;  // superseded
        if (following && !read.error.isEmpty()) return;  // a shard mid-write: the next change reads it whole
        showSweepFolder(dir, std::move(read), following);
    });
    // The worker gets copies only: the panel may be gone when it finishes.
    watcher->setFuture(QtConcurrent::run([dir, hook = m_readHook] { return readFolder(dir, hook); }));
}

bool FinetunePanel::openSweepFolder(const QString& dir) {
    if (refuseWhileRunning()) return false;
    ++m_openGeneration;
    return showSweepFolder(dir, readFolder(dir, {}));
}

bool FinetunePanel::showSweepFolder(const QString& dir, SweepRead read, bool following) {
    if (!read.error.isEmpty()) {
        showStatus(tr("Could not open the sweep in %1.").arg(dir));
        emit errorOccurred(read.error);
        return false;
    }
    for (const std::string& w : read.folder.warnings) m_log->appendPlainText(QString::fromStdString(w));
    m_runs = std::move(read.folder.runs);
    m_sweepDir = dir;
    m_plan = std::move(read.plan);
    if (!following) {
        m_plots->clear();
        if (!read.formOptions.isEmpty()) m_form->fromMap(read.formOptions);
    }
    m_plots->setRuns(m_runs);
    showEfficiency(true);
    if (!following) {
        m_runView->resizeColumnsToContents();
        Settings().setLastSweepDir(dir);
    }
    emit runsChanged();
    // A sweep spread over shards (Slurm array tasks, several terminals) is
    // followed as its shards grow: polled, since cluster file systems often
    // deliver no change notifications.
    const int n = static_cast<int>(m_runs.size());
    if (read.sharded) {
        m_followSignature = read.signature;
        m_followTimer->start();
        showStatus(tr("Sharded sweep from %1: %n run(s), following the shards.", nullptr, n).arg(dir));
    } else {
        m_followTimer->stop();
        showStatus(tr("Sweep from %1: %n run(s).", nullptr, n).arg(dir));
    }
    if (!following) emit sweepOpened(dir);
    return true;
}

void FinetunePanel::followShards() {
    if (isRunning() || m_sweepDir.isEmpty() || m_pendingOpens > 0) return;
    const std::string signature = sweepFolderSignature(m_sweepDir.toStdString());
    if (signature == m_followSignature) return;
    m_followSignature = signature;
    startRead(m_sweepDir, true);
}

void FinetunePanel::chooseSweepFolder() {
    const QString start = m_sweepDir.isEmpty() ? QDir::homePath() : QFileInfo(m_sweepDir).absolutePath();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a sweep folder"), start);
    if (!dir.isEmpty()) requestSweepFolder(dir);
}

}  // namespace ctscope::ui
