// Opening a sweep folder off the GUI thread (File ▸ Open sweep, the start-up
// restore): the call returns before the read, the newest open wins, the form
// follows the sweep's options, provisional points say how many runs are in,
// and the About box's licence line. Uses only files shipped in the repo.
#include <catch2/catch.hpp>

#include "test_paths.h"
#include "ui_test_support.h"

#include "ui/finetune_form.h"
#include "ui/finetune_panel.h"
#include "ui/finetune_plots.h"
#include "ui/main_window.h"

#include <qcustomplot.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>

using namespace ctscope;
using namespace ctscope::ui;

namespace {

QString demoDir() { return QString::fromStdString(test::sourcePath("tests/data/finetune_demo")); }

/// A copy of the demo sweep without the runs in `drop`.
QString demoCopy(const test::TempDir& tmp, const std::set<std::string>& drop) {
    const std::filesystem::path dir = tmp.path() / "sweep";
    std::filesystem::create_directories(dir);
    const std::string src = demoDir().toStdString();
    std::filesystem::copy_file(src + "/sweep.json", dir / "sweep.json");
    std::ifstream in(src + "/metrics.jsonl");
    std::ofstream out(dir / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
        const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
        if (!drop.count(o.value(QStringLiteral("run")).toString().toStdString())) out << line << '\n';
    }
    return QString::fromStdString(dir.string());
}

/// Blocks the background read of one folder until release(); the hook holds
/// only shared state, so a worker still blocked outlives nothing it uses.
class ReadGate {
public:
    explicit ReadGate(QString blocked) : m_blocked(std::move(blocked)) {}
    ~ReadGate() { release(); }
    FinetunePanel::ReadHook hook() {
        return [blocked = m_blocked, gate = m_future, entered = m_entered, reads = m_reads](const QString& dir) {
            ++*reads;
            if (dir != blocked) return;
            *entered = true;
            gate.wait();
        };
    }
    void release() {
        if (!m_released.exchange(true)) m_gate.set_value();
    }
    bool entered() const { return *m_entered; }
    int reads() const { return *m_reads; }

private:
    QString m_blocked;
    std::promise<void> m_gate;
    std::shared_future<void> m_future = m_gate.get_future().share();
    std::atomic<bool> m_released{false};
    std::shared_ptr<std::atomic<bool>> m_entered = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::atomic<int>> m_reads = std::make_shared<std::atomic<int>>(0);
};

QStringList provisionalLabels(QCustomPlot* plot) {
    QStringList labels;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* t = qobject_cast<QCPItemText*>(plot->item(i)); t && t->objectName() == QLatin1String("provisionalRuns"))
            labels << t->text();
    labels.sort();
    return labels;
}

}  // namespace

TEST_CASE("opening a sweep folder returns before the read and shows it after", "[ui][finetune][sweepopen]") {
    test::uiApp();
    ReadGate gate(demoDir());
    FinetunePanel panel(nullptr, false);
    panel.setReadHook(gate.hook());
    QSignalSpy opened(&panel, &FinetunePanel::sweepOpened);

    REQUIRE(panel.requestSweepFolder(demoDir()));
    // The read is provably mid-way on the worker while the GUI thread runs on.
    REQUIRE(test::waitUntil([&] { return gate.entered(); }, 5000));
    CHECK(panel.isOpening());
    test::waitUntil([] { return false; }, 100);
    CHECK(panel.sweepDir().isEmpty());
    CHECK(panel.runs().empty());
    CHECK(opened.count() == 0);

    gate.release();
    REQUIRE(test::waitUntil([&] { return !panel.isOpening(); }, 10000));
    CHECK(panel.sweepDir() == demoDir());
    REQUIRE(opened.count() == 1);
    CHECK(opened.at(0).at(0).toString() == demoDir());
    CHECK(panel.runs().size() == 28);  // the demo: full, amp residual and reconstruct at 2 K, LoRA at 2 ranks; 2 lrs × 2 seeds
    CHECK(panel.status().contains(QStringLiteral("28 run(s)")));
    CHECK(!panel.efficiency().rows.empty());
}

TEST_CASE("a superseded open never shows", "[ui][finetune][sweepopen]") {
    test::uiApp();
    test::TempDir tmp;
    const QString newer = demoCopy(tmp, {"full-s1-lr1e-2"});
    ReadGate gate(demoDir());  // the first (older) open is held
    FinetunePanel panel(nullptr, false);
    panel.setReadHook(gate.hook());
    QSignalSpy opened(&panel, &FinetunePanel::sweepOpened);
    QSignalSpy errors(&panel, &FinetunePanel::errorOccurred);

    REQUIRE(panel.requestSweepFolder(demoDir()));
    REQUIRE(test::waitUntil([&] { return gate.entered(); }, 5000));
    REQUIRE(panel.requestSweepFolder(newer));
    REQUIRE(test::waitUntil([&] { return opened.count() == 1; }, 10000));
    CHECK(panel.sweepDir() == newer);
    CHECK(panel.runs().size() == 27);
    CHECK(panel.isOpening());  // the older read is still held

    gate.release();
    REQUIRE(test::waitUntil([&] { return !panel.isOpening(); }, 10000));
    test::waitUntil([] { return false; }, 100);
    CHECK(gate.reads() == 2);
    CHECK(opened.count() == 1);
    CHECK(panel.sweepDir() == newer);
    CHECK(panel.runs().size() == 27);
    CHECK(errors.count() == 0);
}

TEST_CASE("a folder that cannot be read reports an error in the background", "[ui][finetune][sweepopen]") {
    test::uiApp();
    test::TempDir tmp;
    FinetunePanel panel(nullptr, false);
    QSignalSpy errors(&panel, &FinetunePanel::errorOccurred);
    QSignalSpy opened(&panel, &FinetunePanel::sweepOpened);
    REQUIRE(panel.requestSweepFolder(QString::fromStdString(tmp.path().string())));
    REQUIRE(test::waitUntil([&] { return errors.count() == 1; }, 10000));
    CHECK(opened.count() == 0);
    CHECK(panel.sweepDir().isEmpty());
}

TEST_CASE("the form follows the options of the sweep opened", "[ui][finetune][sweepopen]") {
    test::uiApp();
    FinetunePanel panel(nullptr, false);
    FinetuneForm* form = panel.form();
    form->fromMap({{QStringLiteral("reconstruct"), false},
                   {QStringLiteral("residual"), true},
                   {QStringLiteral("lora"), false},
                   {QStringLiteral("ks"), QStringLiteral("8")},
                   {QStringLiteral("steps"), 50},
                   {QStringLiteral("seeds"), 1},
                   {QStringLiteral("lrs"), QString()},
                   {QStringLiteral("out"), QStringLiteral("/somewhere/else")}});
    QSignalSpy opened(&panel, &FinetunePanel::sweepOpened);
    REQUIRE(panel.requestSweepFolder(demoDir()));
    REQUIRE(test::waitUntil([&] { return opened.count() == 1; }, 10000));
    const QVariantMap m = form->toMap();
    CHECK(m.value(QStringLiteral("reconstruct")).toBool());
    CHECK(m.value(QStringLiteral("residual")).toBool());
    CHECK(m.value(QStringLiteral("full")).toBool());
    CHECK(m.value(QStringLiteral("amp")).toBool());
    CHECK(m.value(QStringLiteral("lora")).toBool());
    CHECK(m.value(QStringLiteral("universal")).toBool());
    CHECK_FALSE(m.value(QStringLiteral("type")).toBool());
    CHECK_FALSE(m.value(QStringLiteral("random")).toBool());
    CHECK(m.value(QStringLiteral("ks")).toString() == QStringLiteral("4,16"));
    CHECK(m.value(QStringLiteral("steps")).toInt() == 4);
    CHECK(m.value(QStringLiteral("seeds")).toInt() == 2);
    CHECK(m.value(QStringLiteral("seq")).toInt() == 32);
    CHECK(m.value(QStringLiteral("batch")).toInt() == 2);
    CHECK(m.value(QStringLiteral("blocks")).toInt() == 1);
    CHECK(m.value(QStringLiteral("lrs")).toString() == QStringLiteral("0.003,0.01"));
    // The output folder is never taken from a reopened sweep.
    CHECK(m.value(QStringLiteral("out")).toString() == QStringLiteral("/somewhere/else"));

    // A sweep.json without a "params" list leaves those boxes alone.
    const QVariantMap partial = FinetuneForm::mapFromSweepOptions(
        QJsonDocument::fromJson(R"({"arms":["full"],"ks":[2],"data":"/no/such/file.txt"})").object());
    CHECK(partial.value(QStringLiteral("full")).toBool());
    CHECK_FALSE(partial.value(QStringLiteral("amp")).toBool());
    CHECK(partial.value(QStringLiteral("ks")).toString() == QStringLiteral("2"));
    CHECK_FALSE(partial.contains(QStringLiteral("reconstruct")));
    CHECK_FALSE(partial.contains(QStringLiteral("data")));
    CHECK_FALSE(partial.contains(QStringLiteral("out")));
}

TEST_CASE("provisional efficiency points say how many runs are in", "[ui][finetune][sweepopen]") {
    test::uiApp();
    SECTION("the label of a row") {
        EfficiencyTable table;
        EfficiencyRow full;
        full.arm = Arm::Full;
        full.runsPlanned = 4;
        full.runsDone = 4;
        EfficiencyRow amp;
        amp.arm = Arm::Amp;
        amp.runsPlanned = 4;
        amp.runsDone = 3;
        table.rows = {full, amp};
        CHECK(FinetunePlots::runsInLabel(amp, table) == QStringLiteral("3/4 runs"));
        table.rows[0].runsDone = 2;
        amp.runsDone = 4;
        CHECK(FinetunePlots::runsInLabel(amp, table) == QStringLiteral("4/4 runs, baseline 2/4"));
        amp.runsPlanned = 0;
        CHECK(FinetunePlots::runsInLabel(amp, table).isEmpty());
    }
    SECTION("one amp run missing: its point reads 3/4 runs, the finished ones have no label") {
        test::TempDir tmp;
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(demoCopy(tmp, {"amp-universal-residual-k4-s0-lr3e-3"})));
        CHECK(provisionalLabels(panel.plots()->efficiencyPlot()) == QStringList{QStringLiteral("3/4 runs")});
    }
    SECTION("a baseline run missing: every point is provisional and names the baseline") {
        test::TempDir tmp;
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(demoCopy(tmp, {"full-s1-lr1e-2"})));
        const QStringList labels = provisionalLabels(panel.plots()->efficiencyPlot());
        REQUIRE(labels.size() == 6);  // amp residual, reconstruct and LoRA at K = 4 and 16
        for (const QString& l : labels) CHECK(l == QStringLiteral("4/4 runs, baseline 3/4"));
    }
    SECTION("the whole demo: no labels") {
        FinetunePanel panel(nullptr, false);
        REQUIRE(panel.openSweepFolder(demoDir()));
        CHECK(provisionalLabels(panel.plots()->efficiencyPlot()).isEmpty());
        panel.resize(1400, 800);
        test::saveScreenshot(&panel, QStringLiteral("finetune_demo_opened"));
    }
}

TEST_CASE("the About box states the licence as linked and where LibTorch runs", "[ui][about]") {
    const QString text = MainWindow::aboutText();
    CHECK(text.contains(QStringLiteral("GPL-3.0-or-later")));
    CHECK(text.contains(QStringLiteral("QCustomPlot (GPL-3.0)")));
    CHECK(text.contains(QStringLiteral("MIT notice")));
    CHECK(text.contains(QStringLiteral("ctscope-engine, a separate process")));
    CHECK(text.contains(QStringLiteral("engine built against LibTorch ")));
    CHECK(text.contains(QStringLiteral("does not link LibTorch")));
    CHECK_FALSE(text.contains(QStringLiteral("LibTorch linked")));
}
