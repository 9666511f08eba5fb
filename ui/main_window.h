#pragma once
/// The explorer window. It only wires widgets together: the matrix table
/// (dock), the views (tabs), the message bar, the status bar with progress
/// and Cancel, menus, drag and drop, and the background AnalysisJob whose
/// results are handed to every view. GUI thread only.
#include "ui/figure_export.h"
#include "ui/loaded_model.h"

#include <QMainWindow>

class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace ctscope::ui {

class AnalysisJob;
class EnergyView;
class FinetunePanel;
class MessageBar;
class ModelPanel;
class SpectrumView;
class TypeCompareView;

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

    /// Opens a checkpoint (file, folder or "demo") in the background.
    void openPath(const QString& path);

    AnalysisJob* analysisJob() const { return m_job; }
    ModelPanel* modelPanel() const { return m_modelPanel; }
    SpectrumView* spectrumView() const { return m_spectrum; }
    EnergyView* energyView() const { return m_energy; }
    TypeCompareView* typeCompareView() const { return m_types; }
    FinetunePanel* finetunePanel() const { return m_finetune; }
    MessageBar* messageBar() const { return m_messages; }
    QTabWidget* tabs() const { return m_tabs; }
    const LoadedModelPtr& currentModel() const { return m_model; }

    /// Every figure of every view (analysis first, then fine-tuning).
    QList<Figure> allFigures() const;
    /// The figures of the visible tab.
    QList<Figure> currentFigures() const;

public slots:
    void openFileDialog();
    void openFolderDialog();
    void exportCurrentFigure();
    void exportAllFigures();
    void showAbout();

signals:
    /// A newly analysed checkpoint is shown in every view.
    void modelShown(ctscope::ui::LoadedModelPtr model);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void rebuildRecentMenu();
    void showModel(const LoadedModelPtr& model);
    void setBusy(bool busy);

    AnalysisJob* m_job = nullptr;
    LoadedModelPtr m_model;
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
