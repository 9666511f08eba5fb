#include "ui/sweep_job.h"

#include <QMetaObject>
#include <QThread>

#include <exception>

namespace ctscope::ui {

SweepJob::SweepJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<RunResult>();
    qRegisterMetaType<SweepResult>();
    m_mergeTimer.setSingleShot(true);
    m_mergeTimer.setInterval(kMergeIntervalMs);
    connect(&m_mergeTimer, &QTimer::timeout, this, [this] {
        m_announcePending = false;
        emit stepsAvailable();
    });
}

SweepJob::~SweepJob() {
    m_stop = true;
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
}

bool SweepJob::start(LoadedModelPtr model, const FinetuneOptions& options) {
    if (m_thread || !model) return false;
    m_stop = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_buffer.clear();
    }
    m_thread = QThread::create([this, model, options] {
        SweepCallbacks callbacks;
        callbacks.onStep = [this](const StepMetrics& step) { onWorkerStep(step); };
        callbacks.onRunFinished = [this](const RunResult& run) {
            QMetaObject::invokeMethod(
                this, [this, run] { emit runFinished(run); }, Qt::QueuedConnection);
        };
        callbacks.shouldStop = [this] { return m_stop.load(); };
        callbacks.onMessage = [this](const std::string& line) {
            const QString text = QString::fromStdString(line);
            QMetaObject::invokeMethod(
                this, [this, text] { emit message(text); }, Qt::QueuedConnection);
        };
        SweepResult result;
        QString error;
        try {
            result = runSweep(*model->checkpoint, model->analysis, options, callbacks);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
            if (error.isEmpty()) error = QStringLiteral("fine-tuning failed");
        } catch (...) {
            error = QStringLiteral("fine-tuning failed with an unknown error");
        }
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result), error] {
                workerDone();
                if (error.isEmpty())
                    emit finished(result);
                else
                    emit failed(error);
            },
            Qt::QueuedConnection);
    });
    m_thread->setObjectName(QStringLiteral("ctscope-sweep"));
    m_thread->start();
    return true;
}

void SweepJob::stop() { m_stop = true; }

void SweepJob::wait() {
    if (m_thread) m_thread->wait();
}

std::vector<StepMetrics> SweepJob::takeSteps() {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<StepMetrics> out;
    out.swap(m_buffer);
    return out;
}

// Worker thread.
void SweepJob::onWorkerStep(const StepMetrics& step) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_buffer.push_back(step);
    }
    if (!m_announcePending.exchange(true)) {
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (!m_mergeTimer.isActive()) m_mergeTimer.start();
            },
            Qt::QueuedConnection);
    }
}

// GUI thread, after the worker's last callback: joins the thread and
// announces the steps still buffered, so that finished() comes last.
void SweepJob::workerDone() {
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
    m_mergeTimer.stop();
    m_announcePending = false;
    bool pending = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        pending = !m_buffer.empty();
    }
    if (pending) emit stepsAvailable();
}

}  // namespace ctscope::ui
