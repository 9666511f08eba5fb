#include "ui/update_view.h"

#include "core/report/figure_builders_compare.h"
#include "ui/figure_renderer.h"
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
        rebuildPlot();  // the K line
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
    QVector<ValueTableModel::Row> rows;
    for (const UpdateCaptureRow& r : updateCaptureRows(m_update, m_kSpin->value(), m_d)) {
        ValueTableModel::Row row(ColumnCount);
        row[Type] = Cell::fromText(PlotStyle::typeLabel(r.type));
        row[RelChange] = Cell::number(r.relChange, r.relChange < 0.01 ? 5 : 4);
        row[CapturedUniversal] = Cell::percent(r.capturedUniversal);
        row[CapturedType] = Cell::percent(r.capturedType);
        row[KOverD] = Cell::percent(r.kOverD);
        for (auto [c, ratio] : {std::pair{int(CapturedUniversal), r.universalOverRandom},
                                std::pair{int(CapturedType), r.typeOverRandom}})
            if (std::isfinite(ratio)) row[c].toolTip = tr("%1× a random subspace").arg(ratio, 0, 'f', 2);
        rows.append(row);
    }
    tableModel()->setRows(rows);
}

void UpdateView::rebuildPlot() {
    m_figure = updateFigure(m_update, plotType(), k(), m_d, m_name.toStdString());
    FigureRenderer::render(m_figure, m_plot);
    setFigureModel(m_plot, m_figure);
}

void UpdateView::resetView() { FigureRenderer::applyRange(m_figure, m_plot); }

}  // namespace ctscope::ui
