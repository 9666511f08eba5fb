#pragma once
/// The compression frontier of one checkpoint (issue 6 §1), computed by
/// core/report/frontier.h from the analysis the window already holds:
///  - a table, one row per K of an editable list (default: powers of two up
///    to d_model plus the universal K50 and K90): K, K/d, E_u(K), d/K, the
///    mean R² over types under the universal and the per-type basis, and
///    their ratio, the gain (highlighted);
///  - beneath it the attention {q,k,v,o} vs MLP {gate,up,down} summary at a
///    chosen K: mean PR, K90 and R²(type@K), and the MLP/attention ratios;
///  - a plot of both mean R² curves over K = 1..d on a log K axis, the
///    table's Ks marked.
/// Nothing is recomputed from weights: every number comes from the
/// SpectralAnalysis. GUI thread only.
#include "core/report/frontier.h"
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"
#include "ui/value_table_model.h"

#include <vector>

class QLabel;
class QLineEdit;
class QSpinBox;

namespace ctscope::ui {

class ValueTableView;

class FrontierView : public PlotPanel {
    Q_OBJECT
public:
    enum Column { K, KOverD, Energy, Compression, R2Universal, R2Type, Gain, ColumnCount };
    enum GroupColumn { GroupName, GroupTypes, GroupPr, GroupK90, GroupR2, GroupColumnCount };

    explicit FrontierView(QWidget* parent = nullptr);

    /// Shows a checkpoint's frontier (null clears). Keeps a K list the user
    /// typed when it still fits the new d_model; otherwise uses the defaults.
    void setModel(LoadedModelPtr model);
    /// Replaces the K list (values outside 1..d_model are dropped; an empty
    /// list restores defaultFrontierKs).
    void setKs(const std::vector<int>& ks);
    /// The K list of the table's rows, in order.
    const std::vector<int>& ks() const { return m_ks; }
    /// K of the attention-vs-MLP summary (clamped to 1..d_model).
    void setGroupK(int k);
    int groupK() const;

    /// The rows shown, exactly as compressionFrontier returned them.
    const std::vector<FrontierRow>& rows() const { return m_rows; }
    const GroupComparison& groups() const { return m_groups; }
    ValueTableModel* tableModel() const;
    ValueTableModel* groupModel() const;
    /// Both tables for CSV export ("frontier", "frontier_groups").
    QList<TableExport> tables() const;
    QCustomPlot* plot() const { return m_plot; }
    QLineEdit* kListEdit() const { return m_kEdit; }
    /// The sentence under the group table (e.g. "MLP/attention PR = 1.58×").
    QString summary() const;

    /// Parses "1, 2, 4 16" into Ks; false (and `bad` set) on a non-number.
    static bool parseKs(const QString& text, std::vector<int>* ks, QString* bad = nullptr);

public slots:
    void resetView() override;

private:
    void applyKText();
    void rebuildTable();
    void rebuildGroups();
    void rebuildPlot();

    LoadedModelPtr m_model;
    std::vector<int> m_ks;
    bool m_userKs = false;
    std::vector<FrontierRow> m_rows;
    FigureModel m_figure;
    GroupComparison m_groups;
    QLineEdit* m_kEdit = nullptr;
    QSpinBox* m_groupK = nullptr;
    ValueTableView* m_table = nullptr;
    ValueTableView* m_groupTable = nullptr;
    QLabel* m_summary = nullptr;
    QCustomPlot* m_plot = nullptr;
};

}  // namespace ctscope::ui
