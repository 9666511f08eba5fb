#pragma once
/// Export ▸ Figure… and Export ▸ All figures…: pick the figure (or all),
/// formats, a size preset (single column 3.5 in, double column 7 in, custom),
/// DPI for PNG and the target; accepting writes the files and remembers the
/// choices. GUI thread only.
#include "ui/figure_export.h"

#include <QDialog>
#include <QStringList>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace ctscope::ui {

class Settings;

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { OneFigure, AllFigures };

    /// `current`: the figure preselected in OneFigure mode.
    ExportDialog(Mode mode, const QList<Figure>& figures, int current, Settings& settings, QWidget* parent = nullptr);

    ExportSize exportSize() const;
    QList<FigureFormat> formats() const;
    /// File (one figure) or folder (all figures).
    QString target() const;
    void setTarget(const QString& path);
    /// Files written by the last accept().
    const QStringList& writtenFiles() const { return m_written; }

public slots:
    /// Writes the files; stays open with the error shown if that fails.
    void accept() override;

private:
    /// Completes the provenance the window set (FigureExport::setProvenance)
    /// with the chosen folder, formats and size, before anything is written.
    void recordChoices() const;
    void updateSizeFields();
    void browse();
    QString defaultTarget() const;

    Mode m_mode;
    QList<Figure> m_figures;
    Settings& m_settings;
    QStringList m_written;
    QComboBox* m_figure = nullptr;
    QComboBox* m_format = nullptr;
    QList<QPair<FigureFormat, QCheckBox*>> m_formatBoxes;
    QComboBox* m_preset = nullptr;
    QDoubleSpinBox* m_width = nullptr;
    QDoubleSpinBox* m_height = nullptr;
    QSpinBox* m_dpi = nullptr;
    QLineEdit* m_target = nullptr;
    QLabel* m_error = nullptr;
};

}  // namespace ctscope::ui
