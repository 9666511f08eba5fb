#include "ui_test_support.h"

#include "core/format/checkpoint.h"
#include "test_paths.h"

#include <QDir>
#include <QElapsedTimer>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstdlib>

namespace ctscope::test {

QApplication& uiApp() {
    static QApplication* app = [] {
        if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
        if (!std::getenv("CTSCOPE_ENGINE")) setenv("CTSCOPE_ENGINE", CTSCOPE_ENGINE_BINARY, 1);  // for SweepJob
        QStandardPaths::setTestModeEnabled(true);
        // ctest runs test cases as parallel processes: each gets its own
        // settings file, or one test's saved sweep leaks into another's.
        static QTemporaryDir settingsDir;
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
        static int argc = 1;
        static char name[] = "ctscope_ui_tests";
        static char* argv[] = {name, nullptr};
        QApplication::setOrganizationName(QStringLiteral("ctscope-tests"));
        QApplication::setApplicationName(QStringLiteral("ctscope-tests"));
        return new QApplication(argc, argv);  // lives as long as the process
    }();
    return *app;
}

bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
    uiApp();
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs) return false;
        QTest::qWait(10);
    }
    return true;
}

QString screenshotDir() {
    const char* env = std::getenv("CTSCOPE_SCREENSHOT_DIR");
    const QString dir = env ? QString::fromLocal8Bit(env) : QDir::current().filePath(QStringLiteral("screenshots"));
    QDir().mkpath(dir);
    return dir;
}

QString saveScreenshot(QWidget* widget, const QString& name) {
    const QString path = QDir(screenshotDir()).filePath(name + QStringLiteral(".png"));
    widget->grab().save(path);
    return path;
}

ui::LoadedModelPtr handMadeModel() {
    constexpr int d = 16;
    auto model = std::make_shared<ui::LoadedModel>();
    model->path = QStringLiteral("hand-made");
    auto ckpt = std::make_shared<Checkpoint>();
    ckpt->m_path = "hand-made";
    ckpt->m_format = "test";
    model->checkpoint = ckpt;
    SpectralAnalysis& a = model->analysis;
    a.checkpointPath = "hand-made";
    a.checkpointFormat = "test";
    a.dModel = d;
    a.config.dModel = d;
    a.config.nLayers = 2;
    const std::vector<MatrixType> types{Role::Q,    Role::K,  Role::V,    Role::O,
                                        Role::Gate, Role::Up, Role::Down, Role::Embed};
    std::vector<double> universal(d, 0.0);
    for (size_t t = 0; t < types.size(); ++t) {
        const double decay = 0.35 + 0.08 * static_cast<double>(t);
        std::vector<double> eig(d);
        for (int i = 0; i < d; ++i) eig[static_cast<size_t>(i)] = std::exp(-decay * i);
        for (int i = 0; i < d; ++i) universal[static_cast<size_t>(i)] += eig[static_cast<size_t>(i)];
        TypeResult tr;
        tr.type = types[t];
        tr.matrices = types[t] == Role::Embed ? 1 : 2;
        tr.spectrum = makeSpectrumStats(eig);
        tr.r2Type = tr.spectrum.energy;
        tr.r2Universal = tr.spectrum.energy;
        for (double& v : tr.r2Universal) v = std::pow(v, 1.5);
        tr.r2Universal.back() = 1.0;
        a.types.push_back(tr);
        for (int layer = types[t] == Role::Embed ? -1 : 0; layer < (types[t] == Role::Embed ? 0 : 2); ++layer) {
            MatrixResult m;
            m.type = types[t];
            m.layer = layer;
            m.name = layer < 0 ? "embed.weight" : "layers." + std::to_string(layer) + "." + roleName(types[t]);
            m.rows = types[t] == Role::Embed ? 64 : d;
            m.cols = d;
            for (int i = 0; i < d; ++i)
                m.singularValues.push_back(std::sqrt(eig[static_cast<size_t>(i)]) * (layer < 0 ? 1 : 1 + layer));
            m.sigmaMax = m.singularValues.front();
            m.pr = tr.spectrum.pr;
            m.k50 = tr.spectrum.k50;
            m.k90 = tr.spectrum.k90;
            m.stableRank = 1.0;
            a.matrices.push_back(m);
        }
    }
    a.universal = makeSpectrumStats(universal);
    return model;
}

AnalysisOptions testAnalysisOptions() {
    AnalysisOptions o;
    o.useCache = false;
    o.threads = 2;
    o.keepBases = true;
    return o;
}

ui::LoadedModelPtr analysedModel(const std::string& path, const AnalysisOptions& options) {
    auto model = std::make_shared<ui::LoadedModel>();
    model->path = QString::fromStdString(path);
    std::shared_ptr<const Checkpoint> ckpt = openCheckpoint(path);
    model->analysis = analyzeCheckpoint(*ckpt, options);
    model->checkpoint = std::move(ckpt);
    return model;
}

FinetuneOptions tinySweep(const std::string& outDir, int steps) {
    FinetuneOptions o;
    o.dataFile = examplePath("shakespeare_excerpt.txt");
    o.blocks = 1;
    o.ks = {4};
    o.bases = {BasisKind::Random};
    o.arms = {Arm::Full, Arm::Amp};
    o.steps = steps;
    o.seeds = 1;
    o.lrGrid = {3e-3};
    o.seq = 32;
    o.batch = 2;
    o.heldOutSequences = 2;
    o.threads = 2;
    o.outDir = outDir;
    return o;
}

}  // namespace ctscope::test
