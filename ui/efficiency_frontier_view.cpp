#include "ui/efficiency_frontier_view.h"

#include "core/report/figure_builders_frontier_eff.h"
#include "ui/figure_renderer.h"
#include "ui/plot_style.h"
#include "ui/style_pens.h"
#include "ui/run_table_model.h"
#include "ui/value_table_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace ctscope::ui {

namespace {

using Cell = ValueTableModel::Cell;

}  // namespace

EfficiencyFrontierView::EfficiencyFrontierView(QWidget* parent) : PlotPanel(parent) {
    finishControls();
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("efficiencyFrontierNote"));
    m_note->setWordWrap(true);
    plotArea()->addWidget(m_note);

    m_view = new ValueTableView(QStringLiteral("efficiency_frontier_table"), this);
    tableModel()->setColumns(
        {tr("Arm"), tr("Basis"), tr("Param"), tr("K / rank"), tr("E_u(K)"), tr("Efficiency"), tr("± s.d."), tr("n"),
         tr("Trainable"), tr("% of model"), tr("Params / point"), tr("Δ eff. / ΔK"), tr("LR")},
        {QString(), tr("Basis of the amplitude arm"), tr("residual: W = W_res + S·B; reconstruct: W = S·B"),
         tr("amp: basis directions K; LoRA: rank"), tr("Universal energy kept by the top K directions"),
         tr("(L₀ − L_arm) / (L₀ − L_full) on held-out loss, mean over seeds: 100% matches full fine-tuning"),
         tr("Sample standard deviation of the efficiency over seeds"), tr("Seeds"), tr("Trainable parameters"),
         tr("Trainable parameters as a share of every parameter of the model"),
         tr("Trainable parameters per efficiency point (1% of the baseline's gain)"),
         tr("Efficiency gained per added direction since the previous K of the same arm (percentage points)"),
         tr("Learning rate with the best mean final loss")});
    tableModel()->setHighlightedColumn(Efficiency);
    m_view->setMaxVisibleRows(12);
    plotArea()->addWidget(m_view);

    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    m_plot = addPlot(QStringLiteral("efficiency_frontier"), row, 1);
    PlotStyle::placeLegendBelow(m_plot, 2);
    m_kMin = new QLabel(this);
    m_kMin->setObjectName(QStringLiteral("efficiencyKMin"));
    m_kMin->setTextFormat(Qt::RichText);
    m_kMin->setWordWrap(true);
    m_kMin->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_kMin->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_kMin->setFixedWidth(230);
    m_kMin->setToolTip(tr("K_min: the smallest K whose efficiency is above 0 in every seed"));
    row->addWidget(m_kMin);

    m_merge = new QTimer(this);
    m_merge->setSingleShot(true);
    m_merge->setInterval(40);
    connect(m_merge, &QTimer::timeout, this, &EfficiencyFrontierView::refresh);
    refresh();
}

ValueTableModel* EfficiencyFrontierView::tableModel() const { return m_view->valueModel(); }
QList<TableExport> EfficiencyFrontierView::tables() const { return {m_view->tableExport()}; }

long long EfficiencyFrontierView::modelParameterCount(const Checkpoint& checkpoint) {
    long long n = 0;
    for (const TensorInfo& t : checkpoint.tensors()) n += t.numel();
    return n;
}

void EfficiencyFrontierView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    m_modelParams = m_model && m_model->checkpoint ? modelParameterCount(*m_model->checkpoint) : 0;
    refresh();
}

void EfficiencyFrontierView::setRuns(std::vector<RunResult> runs) {
    m_runs = std::move(runs);
    m_merge->stop();
    refresh();
}

void EfficiencyFrontierView::addRun(const RunResult& run) {
    const std::string id = run.spec.id();
    auto it = std::find_if(m_runs.begin(), m_runs.end(), [&](const RunResult& r) { return r.spec.id() == id; });
    if (it != m_runs.end())
        *it = run;
    else
        m_runs.push_back(run);
    m_merge->start();
}

void EfficiencyFrontierView::clear() { setRuns({}); }

void EfficiencyFrontierView::refresh() {
    m_table = computeEfficiency(m_runs);
    const SpectrumStats* universal = m_model ? &m_model->analysis.universal : nullptr;
    m_frontier = efficiencyFrontier(m_table, m_runs, universal, m_modelParams);
    if (m_runs.empty())
        m_note->setText(tr("Run or open a fine-tuning sweep to see its efficiency frontier."));
    else if (!m_frontier.defined)
        m_note->setText(tr("<b>Efficiency is undefined:</b> %1.").arg(QString::fromStdString(m_frontier.note)));
    else
        m_note->setText(tr("Held-out L₀ = %1, full fine-tuning %2 ± %3 (nats/token); %4 runs.")
                            .arg(m_table.l0, 0, 'f', 4)
                            .arg(m_table.fullMean, 0, 'f', 4)
                            .arg(m_table.fullSpread, 0, 'f', 4)
                            .arg(m_runs.size()));
    rebuildTable();
    rebuildKMin();
    rebuildPlot();
}

void EfficiencyFrontierView::rebuildTable() {
    QVector<ValueTableModel::Row> rows;
    for (const EfficiencyFrontierRow& fr : m_frontier.rows) {
        const EfficiencyRow& r = fr.row;
        const bool amp = r.arm == Arm::Amp;
        ValueTableModel::Row row(ColumnCount);
        row[ArmCol] = Cell::fromText(amp ? QStringLiteral("amp") : RunTableModel::armLabel(r.spec()));
        row[BasisCol] = Cell::fromText(amp ? QString::fromLatin1(basisName(r.basis)) : QStringLiteral("–"));
        row[ParamCol] = Cell::fromText(amp ? QString::fromLatin1(ampParamName(r.param)) : QStringLiteral("–"));
        row[K] = Cell::integer(r.k);
        if (r.arm == Arm::Lora && r.matchK > 0) {
            row[K].text += tr(" (≈ K %1)").arg(r.matchK);
            row[K].toolTip = tr("Rank whose trainable count matches amp K = %1").arg(r.matchK);
        }
        row[Energy] = Cell::number(fr.energy, 4);
        const double nan = qQNaN();
        row[Efficiency] = Cell::percent(r.defined ? r.mean : nan);
        row[Spread] = Cell::percent(r.defined && r.n > 1 ? r.spread : nan);
        QStringList seeds;
        for (double e : fr.perSeed) seeds << QStringLiteral("%1%").arg(100 * e, 0, 'f', 1);
        row[Efficiency].toolTip = seeds.isEmpty() ? QString() : tr("Per seed: %1").arg(seeds.join(QStringLiteral(", ")));
        row[Seeds] = Cell::integer(r.n);
        row[Trainable] = Cell::integer(r.trainable);
        row[TrainablePct] = Cell::number(fr.trainablePct, fr.trainablePct < 0.1 ? 4 : 2);
        row[ParamsPerPoint] = Cell::number(fr.paramsPerPoint, 0);
        // Percentage points per direction: the fraction's slope × 100.
        row[MarginalPerK] = Cell::number(100.0 * fr.marginalPerK, 2);
        row[MarginalPerK].value = fr.marginalPerK;
        row[LearningRate] = Cell::number(r.bestLr, 6);
        row[LearningRate].text = QString::number(r.bestLr, 'g', 3);
        rows.append(row);
    }
    tableModel()->setRows(rows);
}

void EfficiencyFrontierView::rebuildKMin() {
    m_kMinLines.clear();
    QString html;
    for (const KMin& m : m_frontier.kMin) {
        const RunSpec s = m.spec();
        QString text = QString::fromStdString(m.text);
        // The core writes "K_min undefined: …"; beside the plot the arm comes first.
        const QString line = RunTableModel::armLabel(s) + QStringLiteral(": ") + text;
        m_kMinLines << line;
        html += QStringLiteral("<p style='margin:0 0 6px 0'><span style='color:%1'>■</span> <b>%2</b><br>%3</p>")
                    .arg(StylePens::pen(efficiencyArmStyle(s)).color().name(), RunTableModel::armLabel(s).toHtmlEscaped(),
                         text.toHtmlEscaped());
    }
    if (html.isEmpty()) html = tr("<i>K_min appears here once amplitude runs finish.</i>");
    m_kMin->setText(tr("<b>K_min</b> (efficiency &gt; 0 in every seed)<br><br>") + html);
}

void EfficiencyFrontierView::rebuildPlot() {
    m_figure = efficiencyFrontierFigure(
        {&m_frontier, static_cast<int>(m_runs.size()), m_model ? m_model->displayName().toStdString() : std::string()});
    FigureRenderer::render(m_figure, m_plot);
    setFigureModel(m_plot, m_figure);
}

void EfficiencyFrontierView::resetView() { FigureRenderer::applyRange(m_figure, m_plot); }

}  // namespace ctscope::ui
