#pragma once
/// Compares matrix types. Left figure: PR and K90 of each type's Gram matrix
/// (both counted in directions) as paired bars, types grouped attention
/// (q k v o), MLP (gate up down), embeddings; dashed lines give the
/// universal values. Right figure: the energy R²(K) each type keeps at a
/// chosen K under its own (per-type) basis and under the universal basis,
/// side by side. GUI thread only.
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"

class QLabel;
class QSlider;
class QSpinBox;

namespace ctscope::ui {

class TypeCompareView : public PlotPanel {
    Q_OBJECT
public:
    explicit TypeCompareView(QWidget* parent = nullptr);

    void setModel(LoadedModelPtr model);
    /// K for the R² comparison, clamped to 1..d_model.
    void setK(int k);
    int k() const;

    QCustomPlot* statsPlot() const { return m_statsPlot; }
    QCustomPlot* r2Plot() const { return m_r2Plot; }
    /// The summary under the controls, e.g. mean R² per basis and their ratio.
    QString summary() const;

public slots:
    void resetView() override;

private:
    void rebuildStats();
    void rebuildR2();

    LoadedModelPtr m_model;
    QCustomPlot* m_statsPlot = nullptr;
    QCustomPlot* m_r2Plot = nullptr;
    FigureModel m_statsFigure;
    FigureModel m_r2Figure;
    QSpinBox* m_kSpin = nullptr;
    QSlider* m_kSlider = nullptr;
    QLabel* m_summary = nullptr;
};

}  // namespace ctscope::ui
