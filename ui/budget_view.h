#pragma once
/// The adaptive per-type K budget (issue 6 §2). A rule, either one fixed K
/// for every type or per type the smallest K_t whose own energy E_t(K_t) ≥ τ
/// (τ on a slider from 0.05 to 0.99, 0.5 = K50 and 0.9 = K90 marked), gives
/// per type K_t, R²_t(K_t) and the parameters of the compressed form, and in
/// total compressed vs original parameters:
///   fraction = (Σ_W rows_W·K_t + Σ_t K_t·d) / Σ_W rows_W·d   (tied head once)
/// Everything is read from the SpectralAnalysis (core/report/frontier.h), so
/// the table follows the slider live. Plots: K_t per type, and the total
/// fraction over the whole rule range with the current rule marked.
/// GUI thread only.
#include "core/report/figure_builders_budget.h"
#include "core/report/frontier.h"
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"
#include "ui/value_table_model.h"

class QLabel;
class QRadioButton;
class QSlider;
class QSpinBox;
class QCPGraph;

namespace ctscope::ui {

class ValueTableView;

class BudgetView : public PlotPanel {
    Q_OBJECT
public:
    enum class Rule { Energy, FixedK };
    enum Column { Type, Matrices, Kt, KtOverD, R2, Params, Original, Fraction, ColumnCount };

    explicit BudgetView(QWidget* parent = nullptr);

    /// Shows a checkpoint's budgets (null clears); the rule and τ are kept.
    void setModel(LoadedModelPtr model);
    void setRule(Rule rule);
    Rule rule() const { return m_rule; }
    /// τ in [0.05, 0.99], rounded to the slider's 0.01 steps.
    void setTau(double tau);
    double tau() const;
    /// The fixed K (clamped to 1..d_model).
    void setFixedK(int k);
    int fixedK() const;

    /// The budget shown: energyBudget(a, tau()) or fixedBudget(a, fixedK()).
    const Budget& budget() const { return m_budget; }
    /// Per-type rows, then a bold "total" row.
    ValueTableModel* tableModel() const;
    QList<TableExport> tables() const;
    /// "τ = 0.90: 12,345 of 67,890 parameters (18.2%)".
    QString totalText() const;
    QSlider* tauSlider() const { return m_tauSlider; }
    QCustomPlot* kPlot() const { return m_kPlot; }
    QCustomPlot* fractionPlot() const { return m_fractionPlot; }

signals:
    /// The budget changed (rule, τ, K or checkpoint).
    void budgetChanged();

public slots:
    void resetView() override;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    BudgetRule currentRule() const;
    int markX(int sliderValue) const;
    void paintMarks();
    void recompute();
    void rebuildCurve();
    void updateKPlot();
    void updateMarker();

    LoadedModelPtr m_model;
    Rule m_rule = Rule::Energy;
    Budget m_budget;
    QRadioButton* m_energyRule = nullptr;
    QRadioButton* m_fixedRule = nullptr;
    QSlider* m_tauSlider = nullptr;
    QWidget* m_marks = nullptr;
    QLabel* m_tauLabel = nullptr;
    QSpinBox* m_kSpin = nullptr;
    ValueTableView* m_table = nullptr;
    QLabel* m_total = nullptr;
    QCustomPlot* m_kPlot = nullptr;
    QCustomPlot* m_fractionPlot = nullptr;
    QCPGraph* m_curve = nullptr;
    QCPGraph* m_current = nullptr;
    FigureModel m_fractionFigure;  ///< budgetFractionFigure: what m_fractionPlot shows
    FigureModel m_kFigure;         ///< budgetKFigure: what m_kPlot shows
};

}  // namespace ctscope::ui
