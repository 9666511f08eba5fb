#include "ui/main_window.h"

#include "ui/alpha_view.h"
#include "ui/analysis_job.h"
#include "ui/budget_view.h"
#include "ui/efficiency_frontier_view.h"
#include "ui/energy_view.h"
#include "ui/example_paths.h"
#include "ui/export_dialog.h"
#include "ui/finetune_panel.h"
#include "ui/finetune_plots.h"
#include "ui/frontier_view.h"
#include "ui/heavy_tails_view.h"
#include "ui/message_bar.h"
#include "ui/model_panel.h"
#include "ui/overlay_view.h"
#include "ui/settings.h"
#include "ui/spectrum_view.h"
#include "ui/type_compare_view.h"
#include "ui/update_job.h"
#include "ui/update_view.h"

#include "core/format/checkpoint.h"

#include <qcustomplot.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDir>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace ctscope::ui {

MainWindow::MainWindow(const Options& options, QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("ctscope"));
    setObjectName(QStringLiteral("ctscopeMainWindow"));
    setAcceptDrops(true);
    const QString iconFile = QFileInfo(ExamplePaths::dir() + QStringLiteral("/../ctscope.svg")).absoluteFilePath();
    setWindowIcon(QIcon::fromTheme(QStringLiteral("ctscope"), QIcon(iconFile)));

    m_job = new AnalysisJob(this);
    m_updateJob = new UpdateJob(this);
    m_modelPanel = new ModelPanel(this);
    m_spectrum = new SpectrumView(this);
    m_energy = new EnergyView(this);
    m_types = new TypeCompareView(this);
    m_finetune = new FinetunePanel(this, options.restoreLastSweep);
    m_frontier = new FrontierView(this);
    m_budget = new BudgetView(this);
    m_overlay = new OverlayView(this);
    m_update = new UpdateView(this);
    m_effFrontier = new EfficiencyFrontierView(this);
    m_messages = new MessageBar(this);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_spectrum, tr("Spectrum"));
    m_tabs->addTab(m_energy, tr("K-variance"));
    m_tabs->addTab(m_types, tr("Type comparison"));
    m_tabs->addTab(m_frontier, tr("Frontier"));
    m_tabs->addTab(m_budget, tr("K budget"));
    m_tabs->addTab(m_overlay, tr("Checkpoints"));
    m_tabs->addTab(m_update, tr("Update ΔW"));
    m_tabs->addTab(m_finetune, tr("Fine-tuning"));
    m_tabs->addTab(m_effFrontier, tr("Efficiency frontier"));
    // WeightWatcher's metrics (issue 12): fed by the shown model and the table's selection.
    auto* heavyTails = new HeavyTailsView(this);
    heavyTails->setObjectName(QStringLiteral("heavyTailsView"));
    auto* alpha = new AlphaView(this);
    alpha->setObjectName(QStringLiteral("alphaView"));
    m_tabs->insertTab(m_tabs->indexOf(m_spectrum) + 1, heavyTails, tr("Heavy tails"));
    m_tabs->insertTab(m_tabs->indexOf(heavyTails) + 1, alpha, tr("Alpha"));
    connect(this, &MainWindow::modelShown, heavyTails, &HeavyTailsView::setModel);
    connect(this, &MainWindow::modelShown, alpha, &AlphaView::setModel);
    connect(m_modelPanel, &ModelPanel::selectionChanged, heavyTails, &HeavyTailsView::setSelection);
    m_tabs->setTabToolTip(m_tabs->indexOf(m_overlay), tr("Checkpoints side by side: File ▸ Add checkpoint…"));
    m_tabs->setTabToolTip(m_tabs->indexOf(m_update),
                          tr("What a fine-tune moved: add a checkpoint with the same shapes as the first"));
    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(4, 4, 4, 0);
    centralLayout->addWidget(m_messages);
    centralLayout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    auto* dock = new QDockWidget(tr("Matrices"), this);
    dock->setObjectName(QStringLiteral("matricesDock"));
    dock->setWidget(m_modelPanel);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    m_statusText = new QLabel(tr("Ready"), this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(false);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop opening this checkpoint; the current view stays"));
    statusBar()->addWidget(m_statusText, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    setBusy(false);

    createMenus();
    m_tabs->setCornerWidget(nullptr);

    connect(m_cancel, &QToolButton::clicked, this, [this] {
        if (m_job->isBusy())
            m_job->cancel();
        else
            m_updateJob->cancel();
    });
    connect(m_job, &AnalysisJob::started, this, [this](const QString& path) {
        setBusy(true);
        m_progress->setValue(0);
        m_statusText->setText(tr("Opening %1…").arg(path));
    });
    connect(m_job, &AnalysisJob::progress, this, [this](double fraction, const QString& stage, const QString& item) {
        m_progress->setValue(static_cast<int>(fraction * 1000));
        m_statusText->setText(item.isEmpty() ? stage : QStringLiteral("%1: %2").arg(stage, item));
    });
    connect(m_job, &AnalysisJob::finished, this, [this](const LoadedModelPtr& model, quint64 id) {
        if (id != m_currentId) return;  // not the request this window waits for
        const bool add = m_current.add;
        m_currentId = 0;
        if (add && m_model)
            addModel(model);
        else
            showModel(model);
        requestNext();
    });
    connect(m_job, &AnalysisJob::failed, this, [this](const QString& path, const QString& message, quint64 id) {
        if (id != m_currentId) return;
        m_currentId = 0;
        refreshBusy();
        m_statusText->setText(tr("Could not open %1").arg(path));
        m_messages->showMessage(message, MessageBar::Kind::Error);
        if (path != QLatin1String("demo") && !QFileInfo::exists(path)) {
            Settings().removeRecentFile(QFileInfo(path).absoluteFilePath());
            rebuildRecentMenu();
        }
        requestNext();
    });
    connect(m_job, &AnalysisJob::cancelled, this, [this](const QString& path, quint64 id) {
        if (id != m_currentId) return;
        m_currentId = 0;
        refreshBusy();
        m_queue.clear();  // Cancel stops the whole list being opened
        m_statusText->setText(tr("Cancelled opening %1").arg(path));
    });
    connect(m_modelPanel, &ModelPanel::selectionChanged, this, [this](const QVector<int>& matrices) {
        m_spectrum->setSelection(matrices);
        QSet<int> types;
        if (m_model)
            for (int i : matrices)
                types.insert(static_cast<int>(m_model->analysis.matrices[static_cast<size_t>(i)].type));
        m_energy->setHighlightedTypes(types);
    });
    connect(m_finetune, &FinetunePanel::runsChanged, this, [this] { m_effFrontier->setRuns(m_finetune->runs()); });
    m_effFrontier->setRuns(m_finetune->runs());  // a sweep restored from the last session
    connect(m_finetune, &FinetunePanel::errorOccurred, this,
            [this](const QString& message) { m_messages->showMessage(message, MessageBar::Kind::Error); });
    connectUpdateJob();

    if (options.restoreLayout) {
        Settings settings;
        if (!restoreGeometry(settings.windowGeometry())) resize(1280, 800);
        restoreState(settings.windowState());
    } else {
        resize(1280, 800);
    }
    if (!options.restoreLayout || Settings().windowState().isEmpty())
        resizeDocks({dock}, {470}, Qt::Horizontal);  // wide enough for every column
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open file…"), QKeySequence::Open, this, &MainWindow::openFileDialog);
    file->addAction(tr("Open &folder…"), QKeySequence(tr("Ctrl+Shift+O")), this, &MainWindow::openFolderDialog);
    file->addAction(tr("&Add checkpoint…"), QKeySequence(tr("Ctrl+Shift+A")), this,
                    &MainWindow::addCheckpointDialog);
    file->addAction(tr("Open &demo"), QKeySequence(tr("Ctrl+D")), this, [this] { openPath(QStringLiteral("demo")); });
    QMenu* examples = file->addMenu(tr("Open e&xample"));
    const QString stories = ExamplePaths::stories260K();
    QAction* storiesAction =
        examples->addAction(tr("stories260K (llama2.c, TinyStories)"), this, [this, stories] { openPath(stories); });
    storiesAction->setEnabled(!stories.isEmpty());
    m_recentMenu = file->addMenu(tr("Open &recent"));
    rebuildRecentMenu();
    file->addSeparator();
    file->addAction(tr("Open &sweep folder…"), m_finetune, &FinetunePanel::chooseSweepFolder);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* exportMenu = menuBar()->addMenu(tr("&Export"));
    exportMenu->addAction(tr("&Figure…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::exportCurrentFigure);
    exportMenu->addAction(tr("&All figures to a folder…"), QKeySequence(tr("Ctrl+Shift+E")), this,
                          &MainWindow::exportAllFigures);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Reset view"), QKeySequence(tr("Ctrl+0")), this, [this] {
        if (auto* panel = qobject_cast<PlotPanel*>(m_tabs->currentWidget())) panel->resetView();
        if (m_tabs->currentWidget() == m_finetune) m_finetune->plots()->resetView();
    });
    for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About ctscope"), this, &MainWindow::showAbout);
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = Settings().recentFiles();
    for (const QString& path : recent) {
        const QString label = path == QLatin1String("demo") ? tr("demo (synthetic)") : path;
        m_recentMenu->addAction(label, this, [this, path] { openPath(path); });
    }
    if (!recent.isEmpty()) m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("Clear list"), this, [this] {
        Settings().clearRecentFiles();
        rebuildRecentMenu();
    });
    clear->setEnabled(!recent.isEmpty());
}

void MainWindow::openPath(const QString& path) {
    if (path.isEmpty()) return;
    m_queue.clear();
    request(path, false);  // supersedes whatever is being opened
}

void MainWindow::addPath(const QString& path) {
    if (path.isEmpty()) return;
    m_queue.append({path, true});
    requestNext();
}

void MainWindow::openPaths(const QStringList& paths) {
    if (paths.isEmpty()) return;
    openPath(paths.first());
    for (qsizetype i = 1; i < paths.size(); ++i) m_queue.append({paths[i], true});
}

// The request and its kind are recorded at once, so that a second add in the
// same event-loop turn queues behind it instead of replacing it.
void MainWindow::request(const QString& path, bool add) {
    m_current = {path, add};
    m_currentId = m_job->request(path);
}

void MainWindow::requestNext() {
    if (m_queue.isEmpty() || m_currentId != 0) return;
    const Pending next = m_queue.takeFirst();
    request(next.path, next.add);
}

void MainWindow::addCheckpointDialog() {
    Settings settings;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Add a checkpoint beside the ones shown"), settings.lastOpenDir(),
        tr("Checkpoints (*.safetensors *.gguf *.bin *.json config.json);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setLastOpenDir(QFileInfo(path).absolutePath());
    // A Hugging Face folder is added through its config.json.
    addPath(QFileInfo(path).fileName() == QLatin1String("config.json") ? QFileInfo(path).absolutePath() : path);
}

void MainWindow::openFileDialog() {
    Settings settings;
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a checkpoint"), settings.lastOpenDir(),
                                     tr("Checkpoints (*.safetensors *.gguf *.bin *.json);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setLastOpenDir(QFileInfo(path).absolutePath());
    openPath(path);
}

void MainWindow::openFolderDialog() {
    Settings settings;
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"), settings.lastOpenDir());
    if (dir.isEmpty()) return;
    settings.setLastOpenDir(QFileInfo(dir).absolutePath());
    openPath(dir);
}

void MainWindow::showModel(const LoadedModelPtr& model) {
    m_model = model;
    m_messages->dismiss();
    // Loader remarks (a config guessed from shapes, an unknown model_type, skipped GGUF types).
    if (const auto& notes = model->checkpoint->notes(); !notes.empty()) {
        QStringList lines;
        for (const std::string& n : notes) lines << QString::fromStdString(n);
        m_messages->showMessage(lines.join(QLatin1Char('\n')), MessageBar::Kind::Info);
    }
    m_modelPanel->setModel(model);
    m_spectrum->setModel(model);
    m_energy->setModel(model);
    m_energy->setHighlightedTypes({});
    m_types->setModel(model);
    m_finetune->setModel(model);
    m_frontier->setModel(model);
    m_budget->setModel(model);
    m_effFrontier->setModel(model);
    m_models = {model};
    m_overlay->clear();
    m_overlay->addModel(model);
    m_updateJob->discard();  // an update still computing belongs to the old base: it stops
    refreshBusy();
    m_update->clear();
    setWindowTitle(tr("%1 — ctscope").arg(model->displayName()));
    m_statusText->setText(model->fromMemory
                              ? tr("%1 (from memory)").arg(model->displayName())
                              : tr("%1 analysed in %2 s").arg(model->displayName()).arg(model->seconds, 0, 'f', 2));
    Settings().addRecentFile(model->path);
    rebuildRecentMenu();
    emit modelShown(model);
}

void MainWindow::addModel(const LoadedModelPtr& model) {
    m_models.append(model);
    m_overlay->addModel(model);
    QStringList names;
    for (const auto& m : m_models) names << m->displayName();
    setWindowTitle(tr("%1 — ctscope").arg(names.join(QStringLiteral(" + "))));
    m_statusText->setText(tr("Added %1 (%2 checkpoints side by side)").arg(model->displayName()).arg(m_models.size()));
    Settings().addRecentFile(model->path);
    rebuildRecentMenu();
    m_tabs->setCurrentWidget(m_overlay);
    startUpdate(m_models.first(), model);
    emit modelAdded(model);
}

void MainWindow::startUpdate(const LoadedModelPtr& base, const LoadedModelPtr& tuned) {
    m_updateJob->request(base, tuned);  // supersedes (and stops) the update of an earlier add
    m_statusText->setText(tr("Computing ΔW = %1 − %2…").arg(tuned->displayName(), base->displayName()));
    refreshBusy();
}

void MainWindow::connectUpdateJob() {
    connect(m_updateJob, &UpdateJob::progress, this, [this](double fraction) {
        if (!m_job->isBusy()) m_progress->setValue(static_cast<int>(fraction * 1000));
    });
    connect(m_updateJob, &UpdateJob::finished, this, [this](const UpdateResultPtr& result) {
        refreshBusy();
        const QString base = result->base->displayName(), tuned = result->tuned->displayName();
        m_update->setUpdate(result->update, result->base->analysis.dModel, QStringLiteral("%1 → %2").arg(base, tuned));
        if (!m_job->isBusy()) m_statusText->setText(tr("ΔW of %1 against %2").arg(tuned, base));
        emit updateFinished(true);
    });
    connect(m_updateJob, &UpdateJob::failed, this, [this](const QString& message) {
        refreshBusy();
        const QString base = m_models.isEmpty() ? QString() : m_models.first()->displayName();
        const QString tuned = m_models.isEmpty() ? QString() : m_models.last()->displayName();
        m_messages->showMessage(tr("%1 is shown beside %2, but no update ΔW: %3").arg(tuned, base, message),
                                MessageBar::Kind::Info);
        emit updateFinished(false);
    });
    connect(m_updateJob, &UpdateJob::cancelled, this, [this] {
        refreshBusy();
        if (!m_job->isBusy()) m_statusText->setText(tr("Cancelled the update ΔW"));
        emit updateFinished(false);
    });
}

bool MainWindow::updateRunning() const { return m_updateJob->isBusy(); }

void MainWindow::refreshBusy() { setBusy(m_job->isBusy() || m_updateJob->isBusy()); }

void MainWindow::setBusy(bool busy) {
    m_progress->setVisible(busy);
    m_cancel->setVisible(busy);
}

QString MainWindow::aboutText() {
#ifdef CTSCOPE_TORCH_VERSION
    const QString torch = tr("engine built against LibTorch %1").arg(QStringLiteral(CTSCOPE_TORCH_VERSION));
#else
    const QString torch = tr("engine's LibTorch version unknown");
#endif
    return tr("<h3>ctscope %1</h3><p>A CT scan of transformer checkpoints: spectra by matrix type and "
              "amplitude-only fine-tuning.</p>"
              "<p>Licence: as linked, ctscope is GPL-3.0-or-later, because it links QCustomPlot (GPL-3.0). "
              "The shipped example model (stories260K, from karpathy/llama2.c) keeps its MIT notice.</p>"
              "<p>Fine-tuning runs in ctscope-engine, a separate process that uses LibTorch (CPU); "
              "this window does not link LibTorch.</p>"
              "<p>Qt %2 · QCustomPlot %3 · %4</p>")
        .arg(QStringLiteral(CTSCOPE_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(QCUSTOMPLOT_VERSION_STR),
             torch);
}

void MainWindow::showAbout() { QMessageBox::about(this, tr("About ctscope"), aboutText()); }

void MainWindow::closeEvent(QCloseEvent* event) {
    Settings().setWindowLayout(saveGeometry(), saveState());
    m_job->cancel();
    m_updateJob->discard();
    m_finetune->stop();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    // Several checkpoints dropped at once are shown side by side.
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    if (paths.isEmpty()) return;
    openPaths(paths);
    event->acceptProposedAction();
}

}  // namespace ctscope::ui
