#include "ui/analysis_job.h"

#include "ui/job_progress.h"

#include "core/format/checkpoint.h"
#include "core/util/error.h"

#include <QElapsedTimer>
#include <QMetaObject>

#include <exception>

namespace ctscope::ui {

namespace {
constexpr size_t kCacheEntries = 3;
}  // namespace

AnalysisJob::AnalysisJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<LoadedModelPtr>();
    // One analysis at a time: a superseded run is cancelled through its
    // progress callback and ends quickly, and two analyses would only
    // compete for the same cores.
    m_pool.setMaxThreadCount(1);
}

AnalysisJob::~AnalysisJob() {
    ++m_generation;
    m_pool.waitForDone();
}

quint64 AnalysisJob::request(const QString& path) {
    const quint64 generation = ++m_generation;
    m_currentPath = path;
    emit started(path, generation);
    const AnalysisOptions options = m_options;
    const Observer observer = m_observer;
    m_pool.start([this, generation, path, options, observer] { run(generation, path, options, observer); });
    return generation;
}

void AnalysisJob::cancel() {
    if (m_currentPath.isEmpty()) return;
    const quint64 generation = m_generation++;  // the running analysis sees a stale generation and stops
    const QString path = m_currentPath;
    m_currentPath.clear();
    emit cancelled(path, generation);
}

bool AnalysisJob::waitForIdle(int timeoutMs) { return m_pool.waitForDone(timeoutMs); }

void AnalysisJob::clearCache() {
    std::lock_guard<std::mutex> lock(m_cacheMutex);
    m_cache.clear();
}

LoadedModelPtr AnalysisJob::cached(const std::string& identity) {
    std::lock_guard<std::mutex> lock(m_cacheMutex);
    for (auto it = m_cache.begin(); it != m_cache.end(); ++it) {
        if (it->first == identity) {
            auto entry = *it;
            m_cache.erase(it);
            m_cache.push_front(entry);
            return entry.second;
        }
    }
    return nullptr;
}

void AnalysisJob::remember(const std::string& identity, const LoadedModelPtr& model) {
    std::lock_guard<std::mutex> lock(m_cacheMutex);
    m_cache.emplace_front(identity, model);
    while (m_cache.size() > kCacheEntries) m_cache.pop_back();
}

// Worker thread.
void AnalysisJob::run(quint64 generation, const QString& path, const AnalysisOptions& options,
                      const Observer& observer) {
    const auto stillWanted = [this, generation] { return m_generation.load() == generation; };
    if (!stillWanted()) return;  // superseded while queued: nobody waits for it
    QElapsedTimer clock;
    clock.start();
    try {
        std::shared_ptr<const Checkpoint> checkpoint = openCheckpoint(path.toStdString());
        const std::string identity = checkpoint->identity();
        if (LoadedModelPtr hit = cached(identity)) {
            auto copy = std::make_shared<LoadedModel>(*hit);
            copy->path = path;
            copy->fromMemory = true;
            copy->seconds = clock.elapsed() / 1000.0;
            deliver(generation, Outcome::Finished, path, copy, QString());
            return;
        }

        const ProgressFn progressFn = throttledProgress(
            this, stillWanted,
            [&observer, generation](const Progress& p) {
                if (observer) observer(generation, p);
            },
            [this, generation](double fraction, const QString& stage, const QString& item) {
                emit progress(fraction, stage, item);
            });
        SpectralAnalysis analysis = analyzeCheckpoint(*checkpoint, options, progressFn);
        if (!stillWanted()) return;
        auto model = std::make_shared<LoadedModel>();
        model->path = path;
        model->checkpoint = std::move(checkpoint);
        model->analysis = std::move(analysis);
        model->seconds = clock.elapsed() / 1000.0;
        remember(identity, model);
        deliver(generation, Outcome::Finished, path, model, QString());
    } catch (const Cancelled&) {
        deliver(generation, Outcome::Cancelled, path, nullptr, QString());
    } catch (const std::exception& e) {
        deliver(generation, Outcome::Failed, path, nullptr, QString::fromStdString(e.what()));
    } catch (...) {
        deliver(generation, Outcome::Failed, path, nullptr, path + QStringLiteral(": unknown error"));
    }
}

// Worker thread: hands the outcome to the GUI thread, where a superseded
// generation is dropped.
void AnalysisJob::deliver(quint64 generation, Outcome outcome, const QString& path, LoadedModelPtr model,
                          const QString& message) {
    QMetaObject::invokeMethod(
        this,
        [this, generation, outcome, path, model, message] {
            if (generation != m_generation.load()) return;
            m_currentPath.clear();
            switch (outcome) {
                case Outcome::Finished:
                    emit finished(model, generation);
                    break;
                case Outcome::Failed:
                    emit failed(path, message, generation);
                    break;
                case Outcome::Cancelled:
                    emit cancelled(path, generation);
                    break;
            }
        },
        Qt::QueuedConnection);
}

}  // namespace ctscope::ui
