// The window's background jobs: a cancelled or superseded analysis or ΔW
// update really stops in the core (its progress reports stop), the newest
// request wins, destructors join, and the open/add queue keeps each
// request's kind. Only the shipped stories260K is used: nothing skips.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/update_analysis.h"
#include "ui/analysis_job.h"
#include "ui/main_window.h"
#include "ui/update_job.h"
#include "ui/update_view.h"

#include <QSignalSpy>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

std::string storiesFile() { return test::examplePath("stories260K/stories260K.bin"); }
QString storiesPath() { return QString::fromStdString(storiesFile()); }

/// Counts the core's progress reports per request; the first report of the
/// request `holdFor` blocks its worker until release() (so the test can
/// cancel or supersede it while the core is provably mid-way).
class ReportCounter {
public:
    void holdFirstReportOf(quint64 request) { m_hold = request; }
    void release() {
        if (!m_released.exchange(true)) m_gate.set_value();
    }
    int count(quint64 request) {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_counts[request];
    }
    int total() const { return m_total.load(); }
    /// The observer to hand to a job.
    std::function<void(quint64, const Progress&)> observer() {
        return [this](quint64 request, const Progress&) {
            int n;
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                n = ++m_counts[request];
            }
            ++m_total;
            if (n == 1 && (m_hold.load() == request || m_hold.load() == kAny)) m_future.wait();
        };
    }
    static constexpr quint64 kAny = ~quint64(0);
    ~ReportCounter() { release(); }

private:
    std::promise<void> m_gate;
    std::shared_future<void> m_future = m_gate.get_future().share();
    std::atomic<bool> m_released{false};
    std::atomic<quint64> m_hold{0};
    std::atomic<int> m_total{0};
    std::mutex m_mutex;
    std::map<quint64, int> m_counts;
};

void settle(int ms = 200) { test::waitUntil([] { return false; }, ms); }

LoadedModelPtr loadModel(const std::string& path) {
    auto m = std::make_shared<LoadedModel>();
    m->path = QString::fromStdString(path);
    std::shared_ptr<const Checkpoint> ck = openCheckpoint(path);
    AnalysisOptions o;
    o.useCache = false;
    o.threads = 1;
    m->analysis = analyzeCheckpoint(*ck, o);
    m->checkpoint = std::move(ck);
    return m;
}

/// A "fine-tune" of stories260K: the shipped file with every weight after
/// the 28-byte header scaled by 1 + 0.02 sin(i).
std::string writeTunedCopy(const test::TempDir& dir) {
    std::ifstream in(storiesFile(), std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t off = 28, i = 0; off + 4 <= bytes.size(); off += 4, ++i) {
        float f;
        std::memcpy(&f, &bytes[off], 4);
        f *= static_cast<float>(1.0 + 0.02 * std::sin(static_cast<double>(i)));
        std::memcpy(&bytes[off], &f, 4);
    }
    const std::string path = dir.file("stories260K-tuned.bin");
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

AnalysisOptions jobOptions(const test::TempDir& cache) {
    AnalysisOptions o;
    o.threads = 1;
    o.cacheDir = cache.path().string();
    return o;
}

}  // namespace

TEST_CASE("analysis job: cancel stops the core mid-way and writes no cache", "[ui][jobs][cancel]") {
    test::uiApp();
    test::TempDir cache;
    ReportCounter reports;
    AnalysisJob job;
    job.setOptions(jobOptions(cache));
    job.setObserver(reports.observer());
    QSignalSpy finished(&job, &AnalysisJob::finished);
    QSignalSpy cancelled(&job, &AnalysisJob::cancelled);
    reports.holdFirstReportOf(ReportCounter::kAny);
    const quint64 id = job.request(storiesPath());
    REQUIRE(test::waitUntil([&] { return reports.count(id) == 1; }));
    job.cancel();  // while the core waits inside its first progress report
    reports.release();
    REQUIRE(job.waitForIdle(30000));
    settle();
    CHECK(reports.count(id) == 1);  // the core stopped at the report that saw the cancel
    CHECK(finished.count() == 0);
    REQUIRE(cancelled.count() == 1);
    CHECK(cancelled.at(0).at(1).toULongLong() == id);
    CHECK(std::filesystem::is_empty(cache.path()));

    // A full run of the same request reports more times, and caches.
    const quint64 full = job.request(storiesPath());
    REQUIRE(test::waitUntil([&] { return finished.count() == 1; }, 120000));
    CHECK(finished.at(0).at(1).toULongLong() == full);
    CHECK(reports.count(full) > reports.count(id));
    CHECK_FALSE(std::filesystem::is_empty(cache.path()));
}

TEST_CASE("analysis job: a superseded request stops in the core", "[ui][jobs][cancel]") {
    test::uiApp();
    test::TempDir cache;
    ReportCounter reports;
    AnalysisJob job;
    AnalysisOptions o = jobOptions(cache);
    o.useCache = false;
    job.setOptions(o);
    job.setObserver(reports.observer());
    QSignalSpy finished(&job, &AnalysisJob::finished);
    QSignalSpy failed(&job, &AnalysisJob::failed);
    reports.holdFirstReportOf(ReportCounter::kAny);
    const quint64 first = job.request(storiesPath());
    REQUIRE(test::waitUntil([&] { return reports.count(first) == 1; }));
    const quint64 second = job.request(QStringLiteral("demo"));
    reports.release();
    REQUIRE(test::waitUntil([&] { return finished.count() == 1; }, 120000));
    REQUIRE(job.waitForIdle(30000));
    settle();
    CHECK(reports.count(first) == 1);
    CHECK(reports.count(second) > 1);
    REQUIRE(finished.count() == 1);
    CHECK(finished.at(0).at(0).value<LoadedModelPtr>()->path == QStringLiteral("demo"));
    CHECK(finished.at(0).at(1).toULongLong() == second);
    CHECK(failed.count() == 0);
}

TEST_CASE("update job: delivers the core's ΔW, and a cancel stops the core", "[ui][jobs][cancel]") {
    test::uiApp();
    test::TempDir dir;
    const LoadedModelPtr base = loadModel(storiesFile());
    const LoadedModelPtr tuned = loadModel(writeTunedCopy(dir));
    const UpdateAnalysis direct = analyzeUpdate(*base->checkpoint, *tuned->checkpoint, base->analysis);
    const int matrices = static_cast<int>(buildInventory(*base->checkpoint).matrices.size());
    REQUIRE(matrices == 36);

    ReportCounter reports;
    UpdateJob job;
    job.setObserver(reports.observer());
    QSignalSpy finished(&job, &UpdateJob::finished);
    QSignalSpy cancelled(&job, &UpdateJob::cancelled);
    QSignalSpy failed(&job, &UpdateJob::failed);

    // A whole run: one report per matrix and a final one, and the core's numbers.
    const quint64 full = job.request(base, tuned);
    CHECK(job.isBusy());
    REQUIRE(test::waitUntil([&] { return finished.count() == 1; }));
    CHECK_FALSE(job.isBusy());
    CHECK(reports.count(full) == matrices + 1);
    const auto result = finished.at(0).at(0).value<UpdateResultPtr>();
    REQUIRE(result);
    CHECK(result->tuned == tuned);
    REQUIRE(result->update.types.size() == direct.types.size());
    for (size_t i = 0; i < direct.types.size(); ++i) {
        CHECK(result->update.types[i].relChange == direct.types[i].relChange);
        CHECK(result->update.types[i].relChange > 0.005);
        CHECK(result->update.types[i].capturedUniversal == direct.types[i].capturedUniversal);
    }

    // Cancelled while the core is inside its first report: it reads no further matrix.
    reports.holdFirstReportOf(ReportCounter::kAny);
    const quint64 id = job.request(base, tuned);
    REQUIRE(test::waitUntil([&] { return reports.count(id) == 1; }));
    job.cancel();
    CHECK_FALSE(job.isBusy());
    reports.release();
    REQUIRE(job.waitForIdle(30000));
    settle();
    CHECK(reports.count(id) == 1);
    CHECK(finished.count() == 1);
    REQUIRE(cancelled.count() == 1);
    CHECK(cancelled.at(0).at(0).toULongLong() == id);
    CHECK(failed.count() == 0);
}

TEST_CASE("update job: the newest request wins, a superseded one stops, the destructor joins", "[ui][jobs][cancel]") {
    test::uiApp();
    test::TempDir dir;
    const LoadedModelPtr base = loadModel(storiesFile());
    const LoadedModelPtr tuned = loadModel(writeTunedCopy(dir));
    {
        ReportCounter reports;
        UpdateJob job;
        job.setObserver(reports.observer());
        QSignalSpy finished(&job, &UpdateJob::finished);
        reports.holdFirstReportOf(ReportCounter::kAny);
        const quint64 first = job.request(base, base);  // would be ΔW = 0
        REQUIRE(test::waitUntil([&] { return reports.count(first) == 1; }));
        const quint64 second = job.request(base, tuned);
        reports.release();
        REQUIRE(test::waitUntil([&] { return finished.count() == 1; }));
        REQUIRE(job.waitForIdle(30000));
        settle();
        CHECK(reports.count(first) == 1);
        CHECK(reports.count(second) == 37);
        REQUIRE(finished.count() == 1);
        CHECK(finished.at(0).at(1).toULongLong() == second);
        CHECK(finished.at(0).at(0).value<UpdateResultPtr>()->tuned == tuned);
    }
    // Destroyed while its worker is held inside the core: the destructor
    // stops it (the held report returns false) and waits for it.
    ReportCounter reports;
    auto job = std::make_unique<UpdateJob>();
    job->setObserver(reports.observer());
    reports.holdFirstReportOf(ReportCounter::kAny);
    const quint64 id = job->request(base, tuned);
    REQUIRE(test::waitUntil([&] { return reports.count(id) == 1; }));
    std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        reports.release();
    });
    job.reset();  // returns only once the worker has ended
    const int atDestruction = reports.count(id);
    releaser.join();
    settle(100);
    CHECK(atDestruction == 1);
    CHECK(reports.count(id) == 1);
}

TEST_CASE("window: two addPath calls in one event-loop turn both happen", "[ui][jobs]") {
    test::uiApp();
    test::TempDir dir;
    const QString tuned = QString::fromStdString(writeTunedCopy(dir));
    MainWindow w(MainWindow::Options{false, false});
    w.analysisJob()->setOptions(jobOptions(dir));
    QSignalSpy shown(&w, &MainWindow::modelShown);
    QSignalSpy added(&w, &MainWindow::modelAdded);
    QSignalSpy updates(&w, &MainWindow::updateFinished);
    w.openPath(storiesPath());
    w.addPath(tuned);
    w.addPath(QStringLiteral("demo"));  // queued behind the first add, not replacing it
    REQUIRE(test::waitUntil([&] { return w.models().size() == 3; }, 120000));
    CHECK(shown.count() == 1);
    CHECK(added.count() == 2);
    CHECK(w.models()[0]->path == storiesPath());
    CHECK(w.models()[1]->path == tuned);
    CHECK(w.models()[2]->path == QStringLiteral("demo"));
    // The demo's shapes differ from the base: its update fails, the tuned one's was superseded or shown.
    REQUIRE(test::waitUntil([&] { return !w.updateRunning() && updates.count() > 0; }));
    CHECK(updates.last().at(0).toBool() == false);

    // An open in the same turn as an add replaces it: kinds travel with their requests.
    w.addPath(tuned);
    w.openPath(QStringLiteral("demo"));
    REQUIRE(test::waitUntil([&] { return shown.count() == 2; }, 120000));
    settle();
    REQUIRE(w.models().size() == 1);
    CHECK(w.models()[0]->path == QStringLiteral("demo"));
    CHECK(added.count() == 2);
}

TEST_CASE("window: the update ΔW runs in its job; a new base stops it in the core", "[ui][jobs][cancel]") {
    test::uiApp();
    test::TempDir dir;
    const QString tuned = QString::fromStdString(writeTunedCopy(dir));
    MainWindow w(MainWindow::Options{false, false});
    w.analysisJob()->setOptions(jobOptions(dir));
    QSignalSpy updates(&w, &MainWindow::updateFinished);
    w.openPath(storiesPath());
    w.addPath(tuned);
    REQUIRE(test::waitUntil([&] { return updates.count() == 1; }, 120000));
    CHECK(updates.at(0).at(0).toBool());
    REQUIRE(w.updateView()->update().types.size() == 8);  // seven block types and the embedding
    CHECK(w.updateView()->update().type(Role::Q)->relChange > 0.005);

    ReportCounter reports;
    w.updateJob()->setObserver(reports.observer());
    reports.holdFirstReportOf(ReportCounter::kAny);
    QSignalSpy modelShown(&w, &MainWindow::modelShown);
    w.addPath(tuned);  // a second ΔW against the same base, held in the core
    REQUIRE(test::waitUntil([&] { return reports.total() == 1; }, 120000));
    CHECK(w.updateRunning());
    w.openPath(QStringLiteral("demo"));  // a new base: the update belongs to the old one
    REQUIRE(test::waitUntil([&] { return modelShown.count() == 1; }, 120000));
    CHECK_FALSE(w.updateRunning());
    reports.release();
    REQUIRE(w.updateJob()->waitForIdle(30000));
    settle();
    CHECK(reports.total() == 1);  // the core read no further matrix
    CHECK(updates.count() == 1);
    CHECK(w.updateView()->update().types.empty());
}
