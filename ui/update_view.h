#pragma once
/// What a fine-tune moved (issue 6 §4): for ΔW = W_tuned − W_base, type by
/// type, rel_change = √(Σ‖ΔW‖² / Σ‖W_base‖²) and the fraction of ΔW's Gram
/// that the base's top-K universal (captured_universal) and per-type
/// (captured_type) directions hold, with K/d beside them (what a random
/// K-dimensional subspace captures on average). A plot shows both captured
/// fractions over K for one type against the K/d diagonal.
/// The numbers come from core/spectral/update_analysis.h, the table's rows
/// and the figure from core/report/figure_builders_compare.h. GUI thread only.
#include "core/report/figure.h"
#include "core/spectral/update_analysis.h"
#include "ui/plot_panel.h"
#include "ui/value_table_model.h"

class QComboBox;
class QSpinBox;

namespace ctscope::ui {

class ValueTableView;

class UpdateView : public PlotPanel {
    Q_OBJECT
public:
    enum Column { Type, RelChange, CapturedUniversal, CapturedType, KOverD, ColumnCount };

    explicit UpdateView(QWidget* parent = nullptr);

    /// Shows an update. `dModel` ≤ 0 takes update.dModel; `name` (e.g.
    /// "base → tuned") goes in the plot's subtitle. K is kept when it fits.
    void setUpdate(UpdateAnalysis update, int dModel = 0, const QString& name = QString());
    void clear();
    const UpdateAnalysis& update() const { return m_update; }
    int dModel() const { return m_d; }

    /// K of the table (clamped to 1..d).
    void setK(int k);
    int k() const;
    /// The type whose curves the plot shows (ignored when absent).
    void setPlotType(MatrixType type);
    MatrixType plotType() const;

    ValueTableModel* tableModel() const;
    QList<TableExport> tables() const;
    QCustomPlot* plot() const { return m_plot; }

public slots:
    void resetView() override;

private:
    void rebuildTypeChoices();
    void rebuildTable();
    void rebuildPlot();

    UpdateAnalysis m_update;
    int m_d = 0;
    QString m_name;
    QSpinBox* m_kSpin = nullptr;
    QComboBox* m_typeChoice = nullptr;
    ValueTableView* m_view = nullptr;
    QCustomPlot* m_plot = nullptr;
    FigureModel m_figure;
};

}  // namespace ctscope::ui
