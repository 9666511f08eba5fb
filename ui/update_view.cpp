#include "ui/update_view.h"

#include "ui/plot_style.h"
#include "ui/value_table_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

#include <algorithm>
#include <cmath>

namespace ctscope::ui {

namespace {

using Cell = ValueTableModel::Cell;

double at(const std::vector<double>& v, int k) {
    if (v.empty()) return qQNaN();
    return v[static_cast<size_t>(std::clamp(k, 1, static_cast<int>(v.size())) - 1)];
}

}  // namespace

UpdateView::UpdateView(QWidget* parent) : PlotPanel(parent) {
    m_kSpin = new QSpinBox(this);
    m_kSpin->setObjectName(QStringLiteral("updateK"));
    m_kSpin->setRange(1, 1);
    m_kSpin->setToolTip(tr("Top directions of the base's bases kept"));
    m_typeChoice = new QComboBox(this);
    m_typeChoice->setObjectName(QStringLiteral("updateType"));
    m_typeChoice->setToolTip(tr("The type whose captured fraction the plot shows"));
    m_typeChoice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    controlsRow()->addWidget(new QLabel(tr("Captured at K ="), this));
    controlsRow()->addWidget(m_kSpin);
    controlsRow()->addSpacing(12);
    controlsRow()->addWidget(new QLabel(tr("Plot type:"), this));
    controlsRow()->addWidget(m_typeChoice);
    finishControls();

    m_view = new ValueTableView(QStringLiteral("update_capture"), this);
    tableModel()->setColumns(
        {tr("Type"), tr("rel_change"), tr("captured universal"), tr("captured per-type"), tr("K/d (random)")},
        {QString(), tr("√(Σ‖ΔW‖² / Σ‖W_base‖²) over the type's matrices"),
         tr("tr(B_Kᵀ ΔG B_K) / tr(ΔG) with B_K the base's top-K universal directions"),
         tr("The same with the base's own top-K directions of this type"),
         tr("What a random K-dimensional subspace captures on average")});
    m_view->setMaxVisibleRows(9);
    plotArea()->addWidget(m_view);
    m_plot = addPlot(QStringLiteral("update_captured"));
    PlotStyle::placeLegendBelow(m_plot);

    connect(m_kSpin, &QSpinBox::valueChanged, this, [this] {
        rebuildTable();
        moveKLine();
    });
    connect(m_typeChoice, &QComboBox::currentIndexChanged, this, [this] { rebuildPlot(); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid() && current.row() < static_cast<int>(m_update.types.size()))
                    setPlotType(m_update.types[static_cast<size_t>(current.row())].type);
            });
    clear();
}

ValueTableModel* UpdateView::tableModel() const { return m_view->valueModel(); }
QList<TableExport> UpdateView::tables() const { return {m_view->tableExport()}; }
int UpdateView::k() const { return m_kSpin->value(); }
void UpdateView::setK(int k) { m_kSpin->setValue(std::clamp(k, m_kSpin->minimum(), m_kSpin->maximum())); }

void UpdateView::setPlotType(MatrixType type) {
    const int i = m_typeChoice->findData(static_cast<int>(type));
    if (i >= 0) m_typeChoice->setCurrentIndex(i);
}

MatrixType UpdateView::plotType() const { return static_cast<MatrixType>(m_typeChoice->currentData().toInt()); }

void UpdateView::clear() { setUpdate(UpdateAnalysis{}, 0, QString()); }

void UpdateView::setUpdate(UpdateAnalysis update, int dModel, const QString& name) {
    m_update = std::move(update);
    m_d = dModel > 0 ? dModel : m_update.dModel;
    m_name = name;
    {
        const QSignalBlocker block(m_kSpin);
        const int k = m_kSpin->maximum() > 1 ? m_kSpin->value() : 8;
        m_kSpin->setRange(1, std::max(1, m_d));
        m_kSpin->setValue(std::min(k, std::max(1, m_d)));
    }
    m_kSpin->setEnabled(m_d > 0);
    rebuildTypeChoices();
    rebuildTable();
    rebuildPlot();
}

void UpdateView::rebuildTypeChoices() {
    const QVariant current = m_typeChoice->currentData();
    const QSignalBlocker block(m_typeChoice);
    m_typeChoice->clear();
    for (const UpdateTypeResult& t : m_update.types)
        m_typeChoice->addItem(PlotStyle::typeLabel(t.type), static_cast<int>(t.type));
    m_typeChoice->setCurrentIndex(std::max(0, m_typeChoice->findData(current)));
    m_typeChoice->setEnabled(m_typeChoice->count() > 0);
}

void UpdateView::rebuildTable() {
    const int k = m_kSpin->value();
    const double kOverD = m_d > 0 ? static_cast<double>(k) / m_d : qQNaN();
    QVector<ValueTableModel::Row> rows;
    for (const UpdateTypeResult& t : m_update.types) {
        ValueTableModel::Row row(ColumnCount);
        row[Type] = Cell::fromText(PlotStyle::typeLabel(t.type));
        row[RelChange] = Cell::number(t.relChange, t.relChange < 0.01 ? 5 : 4);
        row[CapturedUniversal] = Cell::percent(at(t.capturedUniversal, k));
        row[CapturedType] = Cell::percent(at(t.capturedType, k));
        row[KOverD] = Cell::percent(kOverD);
        for (int c : {int(CapturedUniversal), int(CapturedType)}) {
            const double v = row[c].value.toDouble();
            if (kOverD > 0 && std::isfinite(v)) row[c].toolTip = tr("%1× a random subspace").arg(v / kOverD, 0, 'f', 2);
        }
        rows.append(row);
    }
    tableModel()->setRows(rows);
}

void UpdateView::rebuildPlot() {
    QCustomPlot* plot = m_plot;
    plot->clearPlottables();
    plot->clearItems();
    m_kLine = nullptr;
    plot->xAxis->setLabel(tr("K (top directions of the base)"));
    plot->yAxis->setLabel(tr("Captured fraction of ΔW"));
    PlotStyle::setLinearAxis(plot->yAxis);
    PlotStyle::setLog2Axis(plot->xAxis, std::max(2, m_d));
    const UpdateTypeResult* t = m_update.types.empty() ? nullptr : m_update.type(plotType());
    if (!t || m_d <= 0) {
        PlotStyle::setTitle(plot, tr("Where the update lies"));
        PlotStyle::setPlaceholder(plot, tr("Compare a base checkpoint with its fine-tune to see what moved"));
        plot->legend->setVisible(false);
        resetView();
        return;
    }
    struct Series {
        QString name;
        const std::vector<double>* values;
        QPen pen;
    };
    // Blue own basis, orange universal: the colours of the R² comparisons.
    QPen random(QColor(110, 110, 110), 1.4, Qt::DashLine);
    const Series series[] = {{tr("per-type basis"), &t->capturedType, QPen(PlotStyle::okabeIto(0), 1.8)},
                             {tr("universal basis"), &t->capturedUniversal, QPen(PlotStyle::okabeIto(4), 1.8)}};
    for (const Series& s : series) {
        QVector<double> x, y;
        for (size_t i = 0; i < s.values->size(); ++i) {
            x.append(static_cast<double>(i + 1));
            y.append((*s.values)[i]);
        }
        QCPGraph* g = plot->addGraph();
        g->setName(s.name);
        g->setPen(s.pen);
        g->setData(x, y, true);
    }
    QVector<double> x, y;
    for (int k = 1; k <= m_d; ++k) {
        x.append(k);
        y.append(static_cast<double>(k) / m_d);
    }
    QCPGraph* diagonal = plot->addGraph();
    diagonal->setName(tr("random subspace (K/d)"));
    diagonal->setPen(random);
    diagonal->setData(x, y, true);

    m_kLine = new QCPItemStraightLine(plot);
    m_kLine->setSelectable(false);
    m_kLine->setPen(QPen(QColor(150, 150, 150), 1.0, Qt::DotLine));
    QString sub = tr("type %1 · rel_change %2").arg(PlotStyle::typeLabel(t->type)).arg(t->relChange, 0, 'g', 3);
    if (!m_name.isEmpty()) sub = m_name + QStringLiteral(" · ") + sub;
    PlotStyle::setTitle(plot, tr("Where the update lies"), sub);
    PlotStyle::setPlaceholder(plot, QString());
    plot->legend->setVisible(true);
    PlotStyle::polishLegend(plot);
    moveKLine();
    resetView();
}

void UpdateView::moveKLine() {
    if (!m_kLine) return;
    m_kLine->point1->setCoords(k(), 0.0);
    m_kLine->point2->setCoords(k(), 1.0);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void UpdateView::resetView() {
    m_plot->xAxis->setRange(0.85, std::max(2, m_d) * 1.15);
    m_plot->yAxis->setRange(0.0, 1.03);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
