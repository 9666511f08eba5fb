#include "ui/frontier_view.h"

#include "core/report/figure_builders_spectral.h"
#include "core/report/list_parse.h"
#include "ui/figure_renderer.h"
#include "ui/plot_style.h"
#include "ui/value_table_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace ctscope::ui {

namespace {

// The papers quote the gain at K = 32; smaller models get their widest useful K.
constexpr int kPaperK = 32;  // the group comparison's default K (frontierFigure quotes the gain there too)

QString joinKs(const std::vector<int>& ks) {
    QStringList parts;
    for (int k : ks) parts << QString::number(k);
    return parts.join(QStringLiteral(", "));
}

using Cell = ValueTableModel::Cell;

}  // namespace

FrontierView::FrontierView(QWidget* parent) : PlotPanel(parent) {
    m_kEdit = new QLineEdit(this);
    m_kEdit->setObjectName(QStringLiteral("frontierKs"));
    m_kEdit->setPlaceholderText(tr("powers of two, K50, K90"));
    m_kEdit->setToolTip(tr("Ks of the table, separated by commas or spaces (1 … d_model).\n"
                           "Empty: powers of two up to d_model plus the universal K50 and K90."));
    m_kEdit->setMinimumWidth(220);
    auto* defaults = new QToolButton(this);
    defaults->setText(tr("Defaults"));
    defaults->setToolTip(tr("Powers of two up to d_model plus the universal K50 and K90"));
    m_groupK = new QSpinBox(this);
    m_groupK->setObjectName(QStringLiteral("frontierGroupK"));
    m_groupK->setRange(1, 1);
    m_groupK->setToolTip(tr("K at which the attention and MLP groups' R² is compared"));
    controlsRow()->addWidget(new QLabel(tr("K list:"), this));
    controlsRow()->addWidget(m_kEdit, 1);
    controlsRow()->addWidget(defaults);
    controlsRow()->addSpacing(12);
    controlsRow()->addWidget(new QLabel(tr("Groups at K ="), this));
    controlsRow()->addWidget(m_groupK);
    finishControls();

    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    auto* left = new QVBoxLayout;
    row->addLayout(left, 3);

    m_table = new ValueTableView(QStringLiteral("frontier"), this);
    ValueTableModel* t = m_table->valueModel();
    t->setColumns({tr("K"), tr("K/d"), tr("E_u(K)"), tr("d/K"), tr("R² universal"), tr("R² per-type"), tr("Gain")},
                  {tr("Directions kept"), tr("K as a share of d_model"),
                   tr("Energy of the universal Gram kept by its top K directions"), tr("Compression: d_model / K"),
                   tr("Mean over types of R²_t(K) in the universal basis"),
                   tr("Mean over types of R²_t(K) in each type's own basis"),
                   tr("R² per-type / R² universal: what a per-type basis gains (the papers' 2.4× at K = 32)")});
    t->setHighlightedColumn(Gain);
    m_table->setMaxVisibleRows(14);
    left->addWidget(m_table);

    auto* groupsTitle = new QLabel(tr("<b>Attention vs MLP</b>"), this);
    left->addWidget(groupsTitle);
    m_groupTable = new ValueTableView(QStringLiteral("frontier_groups"), this);
    m_groupTable->valueModel()->setColumns(
        {tr("Group"), tr("Types"), tr("Mean PR"), tr("Mean K90"), tr("Mean R²(type@K)")},
        {QString(), tr("Matrix types present in the group"), tr("Mean participation ratio of the types' Grams"),
         tr("Mean K90 of the types' Grams"), tr("Mean R² of the types at K in their own basis")});
    m_groupTable->setMaxVisibleRows(3);
    left->addWidget(m_groupTable);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("frontierSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(m_summary);
    left->addStretch(1);

    m_plot = addPlot(QStringLiteral("frontier_r2"), row, 2);
    PlotStyle::placeLegendBelow(m_plot);
    PlotStyle::setTitle(m_plot, tr("Mean R² over types vs K"));

    connect(m_kEdit, &QLineEdit::editingFinished, this, &FrontierView::applyKText);
    connect(defaults, &QToolButton::clicked, this, [this] { setKs({}); });
    connect(m_groupK, &QSpinBox::valueChanged, this, [this] { rebuildGroups(); });
    setModel(nullptr);
}

ValueTableModel* FrontierView::tableModel() const { return m_table->valueModel(); }
ValueTableModel* FrontierView::groupModel() const { return m_groupTable->valueModel(); }
QList<TableExport> FrontierView::tables() const { return {m_table->tableExport(), m_groupTable->tableExport()}; }
QString FrontierView::summary() const { return m_summary->text(); }
int FrontierView::groupK() const { return m_groupK->value(); }
void FrontierView::setGroupK(int k) { m_groupK->setValue(std::clamp(k, m_groupK->minimum(), m_groupK->maximum())); }

bool FrontierView::parseKs(const QString& text, std::vector<int>* ks, QString* bad) {
    std::string badPart;
    const bool ok = parseIntList(text.toStdString(), ks, &badPart);
    if (!ok && bad) *bad = QString::fromStdString(badPart);
    return ok;
}

void FrontierView::applyKText() {
    std::vector<int> ks;
    QString bad;
    if (!parseKs(m_kEdit->text(), &ks, &bad)) {
        m_kEdit->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #D55E00; }"));
        m_kEdit->setToolTip(tr("'%1' is not a whole number of directions").arg(bad));
        return;
    }
    m_kEdit->setStyleSheet(QString());
    setKs(ks);
}

void FrontierView::setKs(const std::vector<int>& ks) {
    const int d = m_model ? m_model->analysis.dModel : 0;
    std::vector<int> kept;
    for (int k : ks)
        if (k >= 1 && k <= d) kept.push_back(k);
    std::sort(kept.begin(), kept.end());
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
    m_userKs = !kept.empty();
    m_ks = m_userKs ? kept : (m_model ? defaultFrontierKs(m_model->analysis) : std::vector<int>{});
    {
        const QSignalBlocker block(m_kEdit);
        m_kEdit->setText(joinKs(m_ks));
    }
    rebuildTable();
    rebuildPlot();
}

void FrontierView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    const int d = m_model ? std::max(1, m_model->analysis.dModel) : 1;
    {
        const QSignalBlocker block(m_groupK);
        m_groupK->setRange(1, d);
        m_groupK->setValue(std::min(kPaperK, std::max(1, d / 2)));
    }
    m_groupK->setEnabled(m_model != nullptr);
    m_kEdit->setEnabled(m_model != nullptr);
    // A typed list survives a new checkpoint only if all of it still fits.
    const bool keep = m_userKs && m_model && std::all_of(m_ks.begin(), m_ks.end(), [d](int k) { return k <= d; });
    setKs(keep ? m_ks : std::vector<int>{});
    rebuildGroups();
}

void FrontierView::rebuildTable() {
    m_rows = m_model ? compressionFrontier(m_model->analysis, m_ks) : std::vector<FrontierRow>{};
    QVector<ValueTableModel::Row> rows;
    for (const FrontierRow& r : m_rows) {
        ValueTableModel::Row row(ColumnCount);
        row[K] = Cell::integer(r.k);
        const SpectralAnalysis& a = m_model->analysis;
        if (r.k == a.universal.k50 || r.k == a.universal.k90) {
            row[K].text += r.k == a.universal.k90 ? tr(" (K90)") : tr(" (K50)");
            row[K].toolTip = tr("The universal Gram's K%1").arg(r.k == a.universal.k90 ? 90 : 50);
        }
        row[KOverD] = Cell::percent(r.kOverD, r.kOverD < 0.1 ? 2 : 1);
        row[Energy] = Cell::number(r.energy, 4);
        row[Compression] = Cell::ratio(r.compression, r.compression < 10 ? 2 : 1);
        row[R2Universal] = Cell::number(r.r2UniversalMean, 4);
        row[R2Type] = Cell::number(r.r2TypeMean, 4);
        row[Gain] = Cell::ratio(r.gain, 2);
        rows.append(row);
    }
    tableModel()->setRows(rows);
}

void FrontierView::rebuildGroups() {
    if (!m_model) {
        m_groups = GroupComparison{};
        groupModel()->clear();
        m_summary->setText(tr("Open a checkpoint to see its compression frontier."));
        return;
    }
    m_groups = compareGroups(m_model->analysis, m_groupK->value());
    const auto groupRow = [](const QString& name, const GroupSummary& g) {
        ValueTableModel::Row row(GroupColumnCount);
        row[GroupName] = Cell::fromText(name);
        row[GroupTypes] = Cell::integer(g.types);
        row[GroupPr] = Cell::number(g.types > 0 ? g.pr : qQNaN(), 2);
        row[GroupK90] = Cell::number(g.types > 0 ? g.k90 : qQNaN(), 1);
        row[GroupR2] = Cell::number(g.types > 0 ? g.r2Type : qQNaN(), 4);
        return row;
    };
    const GroupComparison& g = m_groups;
    ValueTableModel::Row ratio(GroupColumnCount);
    ratio[GroupName] = Cell::fromText(tr("MLP / attention"));
    ratio[GroupTypes] = Cell::fromText(QString());
    const bool both = g.attention.types > 0 && g.mlp.types > 0;
    ratio[GroupPr] = Cell::ratio(both ? g.mlpOverAttentionPr : qQNaN());
    ratio[GroupK90] = Cell::ratio(both ? g.mlpOverAttentionK90 : qQNaN());
    ratio[GroupR2] = Cell::ratio(both && g.attention.r2Type > 0 ? g.mlp.r2Type / g.attention.r2Type : qQNaN());
    groupModel()->setRows({groupRow(tr("attention (q k v o)"), g.attention), groupRow(tr("MLP (gate up down)"), g.mlp),
                           ratio});
    groupModel()->setBoldRow(2);
    if (!both) {
        m_summary->setText(tr("This checkpoint lacks attention or MLP matrix types: no ratio."));
        return;
    }
    m_summary->setText(tr("MLP types are %1× as spread as attention types by participation ratio and need %2× the "
                          "directions for 90% of their energy (the papers report 1.58× for PR). R² at K = %3.")
                           .arg(g.mlpOverAttentionPr, 0, 'f', 2)
                           .arg(g.mlpOverAttentionK90, 0, 'f', 2)
                           .arg(g.k));
}

void FrontierView::rebuildPlot() {
    m_figure = frontierFigure(m_model ? &m_model->analysis : nullptr, m_ks,
                              m_model ? m_model->displayName().toStdString() : std::string());
    FigureRenderer::render(m_figure, m_plot);
    setFigureModel(m_plot, m_figure);
}

void FrontierView::resetView() { FigureRenderer::applyRange(m_figure, m_plot); }

}  // namespace ctscope::ui
