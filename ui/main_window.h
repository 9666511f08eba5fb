#pragma once
/// The explorer window. It only wires widgets together: the matrix table
/// (dock), the views (tabs), the message bar, the status bar with progress
/// and Cancel, menus, drag and drop, the background AnalysisJob whose
/// results are handed to every view, and the UpdateJob that computes ΔW when
/// a checkpoint is added. GUI thread only.
#include "ui/figure_export.h"
#include "ui/loaded_model.h"
#include "ui/value_table_model.h"

#include <QMainWindow>

class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace ctscope::ui {

class AnalysisJob;
class BudgetView;
class EfficiencyFrontierView;
class EnergyView;
class FrontierView;
class OverlayView;
class UpdateView;
class FinetunePanel;
class MessageBar;
class ModelPanel;
class SpectrumView;
class TypeCompareView;
class UpdateJob;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        bool restoreLayout = true;     ///< window geometry and docks from QSettings
        bool restoreLastSweep = true;  ///< the fine-tuning tab reopens the last sweep
    };

    explicit MainWindow(QWidget* parent = nullptr) : MainWindow(Options{}, parent) {}
    explicit MainWindow(const Options& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens a checkpoint (file, folder or "demo") in the background; it
    /// replaces every checkpoint shown.
    void openPath(const QString& path);
    /// Adds a checkpoint beside the ones shown (overlay; the update from the
    /// first checkpoint when the shapes match). With none shown, opens it.
    /// Adds queue behind the request being opened: several in a row all happen.
    void addPath(const QString& path);
    /// Opens the first path and adds the others, one after the other.
    void openPaths(const QStringList& paths);
    /// Every checkpoint shown, the first one (the base) first.
    const QList<LoadedModelPtr>& models() const { return m_models; }
    /// True while the update of the last added checkpoint is computed.
    bool updateRunning() const;

    AnalysisJob* analysisJob() const { return m_job; }
    UpdateJob* updateJob() const { return m_updateJob; }
    ModelPanel* modelPanel() const { return m_modelPanel; }
    SpectrumView* spectrumView() const { return m_spectrum; }
    EnergyView* energyView() const { return m_energy; }
    TypeCompareView* typeCompareView() const { return m_types; }
    FinetunePanel* finetunePanel() const { return m_finetune; }
    FrontierView* frontierView() const { return m_frontier; }
    BudgetView* budgetView() const { return m_budget; }
    OverlayView* overlayView() const { return m_overlay; }
    UpdateView* updateView() const { return m_update; }
    EfficiencyFrontierView* efficiencyFrontierView() const { return m_effFrontier; }
    MessageBar* messageBar() const { return m_messages; }
    QTabWidget* tabs() const { return m_tabs; }
    const LoadedModelPtr& currentModel() const { return m_model; }

    /// Every figure of every view (analysis first, then fine-tuning).
    QList<Figure> allFigures() const;
    /// The figures of the visible tab.
    QList<Figure> currentFigures() const;
    /// Every table a view offers for CSV export (frontier, budget, …).
    QList<TableExport> allTables() const;
    /// What an export from the window records in each manifest: the shown
    /// checkpoint's identity, K, τ, the sweep's seeds, and the `ctscope export`
    /// command for the same figures (the dialog adds --out, --format and the size).
    ExportProvenance exportProvenance() const;

public slots:
    void openFileDialog();
    void openFolderDialog();
    void addCheckpointDialog();
    void exportCurrentFigure();
    void exportAllFigures();
    void showAbout();

public:
    /// The About box's text (rich text): version, the licence as linked
    /// (GPL-3.0-or-later, because QCustomPlot is GPL-3.0), the example's MIT
    /// notice, and that fine-tuning runs in the separate ctscope-engine
    /// process with the LibTorch it was built against. Any thread.
    static QString aboutText();

signals:
    /// A newly analysed checkpoint is shown in every view.
    void modelShown(ctscope::ui::LoadedModelPtr model);
    /// A checkpoint was added beside the first.
    void modelAdded(ctscope::ui::LoadedModelPtr model);
    /// The update view shows a new ΔW analysis (or the reason it cannot).
    void updateFinished(bool shown);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void rebuildRecentMenu();
    void showModel(const LoadedModelPtr& model);
    void addModel(const LoadedModelPtr& model);
    void startUpdate(const LoadedModelPtr& base, const LoadedModelPtr& tuned);
    void connectUpdateJob();
    void request(const QString& path, bool add);
    void requestNext();
    void refreshBusy();
    void setBusy(bool busy);

    AnalysisJob* m_job = nullptr;
    UpdateJob* m_updateJob = nullptr;
    LoadedModelPtr m_model;
    QList<LoadedModelPtr> m_models;
    /// A path to open, and whether it replaces what is shown or is added beside it.
    struct Pending {
        QString path;
        bool add = false;
    };
    QList<Pending> m_queue;  ///< paths waiting for the analysis job
    Pending m_current;       ///< the analysis job's current request, with its kind
    quint64 m_currentId = 0; ///< its id; 0 when the job works for nobody
    FrontierView* m_frontier = nullptr;
    BudgetView* m_budget = nullptr;
    OverlayView* m_overlay = nullptr;
    UpdateView* m_update = nullptr;
    EfficiencyFrontierView* m_effFrontier = nullptr;
    ModelPanel* m_modelPanel = nullptr;
    SpectrumView* m_spectrum = nullptr;
    EnergyView* m_energy = nullptr;
    TypeCompareView* m_types = nullptr;
    FinetunePanel* m_finetune = nullptr;
    MessageBar* m_messages = nullptr;
    QTabWidget* m_tabs = nullptr;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_statusText = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancel = nullptr;
};

}  // namespace ctscope::ui
