#pragma once
/// K-variance curves: the cumulative energy E(K) of each matrix type's Gram
/// matrix and of the universal Gram, on a log K axis, with guides at 50% and
/// 90% and each curve's K50/K90 marked. Types of the selected matrices are
/// drawn emphasised. GUI thread only.
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"

#include <QSet>

class QCheckBox;
class QCPGraph;

namespace ctscope::ui {

class EnergyView : public PlotPanel {
    Q_OBJECT
public:
    explicit EnergyView(QWidget* parent = nullptr);

    void setModel(LoadedModelPtr model);
    /// Emphasises these types (Role values); empty emphasises none.
    void setHighlightedTypes(const QSet<int>& types);
    void setPerTypeVisible(bool visible);

    QCustomPlot* plot() const { return m_plot; }
    /// The E(K) curve of a type, or of the universal basis; null if absent.
    QCPGraph* curveFor(MatrixType type) const;
    QCPGraph* universalCurve() const { return m_universal; }

public slots:
    void resetView() override;

private:
    void rebuild();
    void applyHighlight();

    LoadedModelPtr m_model;
    QSet<int> m_highlight;
    QCustomPlot* m_plot = nullptr;
    QCheckBox* m_perType = nullptr;
    QCPGraph* m_universal = nullptr;
    FigureModel m_figure;
    QList<QPair<MatrixType, QCPGraph*>> m_typeCurves;
    QList<QPair<QCPGraph*, QCPGraph*>> m_markers;  ///< curve → its K50/K90 markers
};

}  // namespace ctscope::ui
