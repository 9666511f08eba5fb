#include "ui/sweep_job.h"

#include "core/report/efficiency.h"
#include "core/report/metrics_io.h"
#include "core/train/engine_event.h"
#include "core/train/finetune_args.h"
#include "core/util/openmp_spin.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QMetaObject>
#include <QStandardPaths>

#include <exception>

namespace ctscope::ui {

namespace {

// Exit statuses of an engine stopped by a signal (StopSignals: 128 + signal).
bool isStopStatus(int code) { return code == 128 + 1 || code == 128 + 2 || code == 128 + 15; }

} // namespace

SweepJob::SweepJob(QObject* parent) : QObject(parent), m_enginePath(defaultEnginePath()) {
    qRegisterMetaType<RunResult>();
    qRegisterMetaType<SweepResult>();
    m_mergeTimer.setSingleShot(true);
    m_mergeTimer.setInterval(kMergeIntervalMs);
    connect(&m_mergeTimer, &QTimer::timeout, this, [this] {
        if (!m_buffer.empty()) emit stepsAvailable();
    });
}

SweepJob::~SweepJob() {
    if (!m_process) return;
    // No signals from here on: the owner is being torn down.
    m_process->disconnect(this);
    m_process->terminate();
    if (!m_process->waitForFinished(kShutdownWaitMs)) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
    delete m_process;
    m_process = nullptr;
}

QString SweepJob::defaultEnginePath() {
    const QString env = qEnvironmentVariable("CTSCOPE_ENGINE");
    if (!env.isEmpty()) return env;
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("ctscope-engine"));
}

bool SweepJob::start(LoadedModelPtr model, const FinetuneOptions& options) {
    if (!model) return false;
    return start(model->path, options);
}

bool SweepJob::start(const QString& checkpoint, const FinetuneOptions& options) {
    if (m_process) return false;
    m_stop = false;
    m_doneSeen = false;
    m_doneCancelled = false;
    m_errorText.clear();
    m_lastStage.clear();
    m_savedRun.clear();
    m_stdout.clear();
    m_stderr.clear();
    m_buffer.clear();
    m_runSteps.clear();
    m_finishedRuns.clear();

    FinetuneOptions o = options;
    if (o.outDir.empty()) {
        const QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
        o.outDir = QDir(base).filePath(QStringLiteral("sweeps/") + stamp).toStdString();
        emit message(tr("Writing the sweep to %1").arg(QString::fromStdString(o.outDir)));
    }
    m_sweepDir = QString::fromStdString(o.outDir);
    QDir().mkpath(m_sweepDir);

    m_arguments = QStringList{QStringLiteral("finetune"), checkpoint};
    for (const std::string& a : finetuneArgs(o)) m_arguments << QString::fromStdString(a);
    m_arguments << QStringLiteral("--progress") << QStringLiteral("json");

    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    if (openmp_spin::unset()) {  // the engine's OpenMP threads spin briefly (core/util/openmp_spin.h)
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(openmp_spin::kVariable), QString::fromLatin1(openmp_spin::kValue));
        m_process->setProcessEnvironment(env);
    }
    connect(m_process, &QProcess::readyReadStandardOutput, this, &SweepJob::readOutput);
    connect(m_process, &QProcess::readyReadStandardError, this, &SweepJob::readErrors);
    connect(m_process, &QProcess::finished, this, &SweepJob::onEngineFinished);
    connect(m_process, &QProcess::errorOccurred, this, &SweepJob::onEngineError);
    connect(m_process, &QProcess::started, this, [this] {
        if (m_stop) m_process->terminate();  // Stop pressed before the engine was up
    });
    m_process->start(m_enginePath, m_arguments, QIODevice::ReadOnly);
    return true;
}

void SweepJob::stop() {
    m_stop = true;
    if (m_process && m_process->state() == QProcess::Running) m_process->terminate();
}

void SweepJob::wait() {
    while (m_process) {
        if (m_process->state() == QProcess::NotRunning) {
            QCoreApplication::processEvents();  // a queued failure to start
            continue;
        }
        m_process->waitForFinished(-1);
    }
}

std::vector<StepMetrics> SweepJob::takeSteps() {
    std::vector<StepMetrics> out;
    out.swap(m_buffer);
    return out;
}

void SweepJob::readOutput() {
    if (!m_process) return;
    m_stdout += m_process->readAllStandardOutput();
    qsizetype from = 0;
    for (qsizetype nl; (nl = m_stdout.indexOf('\n', from)) >= 0; from = nl + 1)
        handleLine(m_stdout.mid(from, nl - from));
    m_stdout.remove(0, from);
}

void SweepJob::readErrors() {
    if (!m_process) return;
    m_stderr += m_process->readAllStandardError();
    constexpr qsizetype kKeep = 64 * 1024;
    if (m_stderr.size() > kKeep) m_stderr.remove(0, m_stderr.size() - kKeep);
}

void SweepJob::handleLine(const QByteArray& raw) {
    const QByteArray line = raw.trimmed();
    if (line.isEmpty()) return;
    if (!line.startsWith('{')) {
        // Not the protocol (a library printing to stdout): keep it in the log.
        emit message(QString::fromUtf8(line));
        return;
    }
    try {
        handleEvent(parseEngineEvent(line.toStdString()));
    } catch (const std::exception& e) {
        emit message(tr("ignored a line of the engine's progress stream: %1").arg(QString::fromUtf8(e.what())));
    }
}

void SweepJob::handleEvent(const EngineEvent& e) {
    using Kind = EngineEvent::Kind;
    switch (e.kind) {
    case Kind::Started:
        emit message(tr("ctscope-engine %1: %n run(s) to do, writing to %2", nullptr, e.runs)
                         .arg(QString::fromStdString(e.version), QString::fromStdString(e.outDir)));
        break;
    case Kind::Analysis: {
        const QString stage = QString::fromStdString(e.progress.stage);
        if (stage != m_lastStage) {
            m_lastStage = stage;
            emit message(tr("spectral analysis for the bases: %1").arg(stage));
        }
        break;
    }
    case Kind::Message:
        emit message(QString::fromStdString(e.text));
        break;
    case Kind::Step:
        m_runSteps[e.step.runId].push_back(e.step);
        m_buffer.push_back(e.step);
        if (!m_mergeTimer.isActive()) m_mergeTimer.start();
        break;
    case Kind::RunFinished: {
        RunResult run = e.run;
        const std::string id = run.spec.id();
        auto it = m_runSteps.find(id);
        if (it != m_runSteps.end()) {
            run.steps = std::move(it->second);
            m_runSteps.erase(it);
        }
        m_finishedRuns.push_back(run);
        emit runFinished(run);
        break;
    }
    case Kind::Done:
        m_doneSeen = true;
        m_doneCancelled = e.cancelled;
        m_savedRun = e.savedRun;
        break;
    case Kind::Error:
        m_errorText = QString::fromStdString(e.text);
        break;
    case Kind::Unknown:
        break;
    }
}

void SweepJob::onEngineError(QProcess::ProcessError error) {
    // Only a failure to start ends the job here; other errors end in finished().
    if (error != QProcess::FailedToStart || !m_process) return;
    const QString reason = QFileInfo(m_enginePath).exists()
                               ? tr("%1 could not be started: %2").arg(m_enginePath, m_process->errorString())
                               : tr("the fine-tuning engine %1 is missing: it is installed beside ctscope "
                                    "(set CTSCOPE_ENGINE to use another)")
                                     .arg(m_enginePath);
    // Queued: start() has returned (and the caller shown "running") first.
    QMetaObject::invokeMethod(this, [this, reason] { end(false, reason); }, Qt::QueuedConnection);
}

void SweepJob::onEngineFinished(int exitCode, QProcess::ExitStatus status) {
    readOutput();
    readErrors();
    if (!m_stdout.trimmed().isEmpty()) handleLine(m_stdout);  // a last line without newline
    m_stdout.clear();
    if (status == QProcess::CrashExit) {
        end(false, tr("ctscope-engine stopped unexpectedly (it crashed or was killed)"));
    } else if (exitCode == 0 || (isStopStatus(exitCode) && (m_stop || m_doneSeen))) {
        if (isStopStatus(exitCode)) m_doneCancelled = true;
        end(true, {});
    } else {
        const QString headline = m_errorText.isEmpty()
                                     ? tr("ctscope-engine exited with status %1").arg(exitCode)
                                     : m_errorText;
        end(false, headline);
    }
}

// Ends the job: isRunning() is false before the last signals go out, the
// steps still buffered are announced, and finished()/failed() come last.
void SweepJob::end(bool ok, const QString& failure) {
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
        m_process = nullptr;
    }
    m_mergeTimer.stop();
    if (!m_buffer.empty()) emit stepsAvailable();
    if (ok) {
        emit finished(resultFromFolder());
        return;
    }
    const QString tail = stderrTail();
    emit failed(tail.isEmpty() ? failure : failure + tr("\n\nThe engine's last output:\n") + tail);
}

SweepResult SweepJob::resultFromFolder() {
    SweepResult result;
    result.cancelled = m_doneCancelled || m_stop;
    result.savedRunId = m_savedRun;
    const std::string dir = m_sweepDir.toStdString();
    if (QFileInfo::exists(m_sweepDir + QStringLiteral("/metrics.jsonl"))) {
        try {
            // The folder is authoritative: it holds the runs kept by a resume too.
            SweepFolder folder = readSweepFolder(dir);
            for (RunResult& r : folder.runs)
                if (r.completed) result.runs.push_back(std::move(r));
            for (const std::string& w : folder.warnings) emit message(QString::fromStdString(w));
        } catch (const std::exception& e) {
            emit message(QString::fromStdString(e.what()));
            result.runs = m_finishedRuns;
        }
    } else {
        result.runs = m_finishedRuns;
    }
    result.efficiency = computeEfficiency(result.runs);
    return result;
}

QString SweepJob::stderrTail() const {
    QStringList lines = QString::fromUtf8(m_stderr).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.size() > kStderrTailLines) lines = lines.mid(lines.size() - kStderrTailLines);
    return lines.join(QLatin1Char('\n'));
}

}  // namespace ctscope::ui
