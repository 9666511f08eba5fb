#pragma once
/// Singular values of the selected weight matrices, several overlaid with a
/// legend, on log–log or linear axes, optionally normalised by σ_max.
/// With nothing selected it shows layer 0 and the embeddings. GUI thread only.
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"

#include <QVector>

class QCheckBox;
class QComboBox;
class QLabel;

namespace ctscope::ui {

class SpectrumView : public PlotPanel {
    Q_OBJECT
public:
    /// At most this many spectra are overlaid; more would be unreadable.
    static constexpr int kMaxCurves = 16;

    explicit SpectrumView(QWidget* parent = nullptr);

    void setModel(LoadedModelPtr model);
    /// Indices into SpectralAnalysis::matrices; empty shows the default set.
    void setSelection(const QVector<int>& matrices);
    void setLogScale(bool logLog);
    void setNormalized(bool normalized);

    QCustomPlot* plot() const { return m_plot; }
    /// The matrix indices currently drawn, one graph each, in graph order.
    const QVector<int>& shownMatrices() const { return m_shown; }

public slots:
    void resetView() override;

private:
    void rebuild();

    LoadedModelPtr m_model;
    QVector<int> m_selection;
    QVector<int> m_shown;
    FigureModel m_figure;
    QCustomPlot* m_plot = nullptr;
    QComboBox* m_scale = nullptr;
    QCheckBox* m_normalize = nullptr;
    QLabel* m_hint = nullptr;
};

}  // namespace ctscope::ui
