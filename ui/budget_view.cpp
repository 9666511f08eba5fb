#include "ui/budget_view.h"

#include "ui/figure_renderer.h"
#include "ui/plot_style.h"
#include "ui/value_table_view.h"

#include <qcustomplot.h>

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QRadioButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyleOptionSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ctscope::ui {

namespace {

using Cell = ValueTableModel::Cell;

// The slider counts hundredths of τ.
constexpr int kTauMin = 5, kTauMax = 99;
constexpr int kMarked[] = {50, 90};

QString markText(int v) { return v == 50 ? QStringLiteral("0.5 · K50") : QStringLiteral("0.9 · K90"); }

}  // namespace

BudgetView::BudgetView(QWidget* parent) : PlotPanel(parent) {
    m_energyRule = new QRadioButton(tr("Energy τ"), this);
    m_energyRule->setToolTip(tr("Per type the smallest K_t whose own energy E_t(K_t) ≥ τ"));
    m_fixedRule = new QRadioButton(tr("Fixed K"), this);
    m_fixedRule->setToolTip(tr("The same K for every type"));
    auto* rules = new QButtonGroup(this);
    rules->addButton(m_energyRule);
    rules->addButton(m_fixedRule);
    m_energyRule->setChecked(true);

    m_tauSlider = new QSlider(Qt::Horizontal, this);
    m_tauSlider->setObjectName(QStringLiteral("budgetTau"));
    m_tauSlider->setRange(kTauMin, kTauMax);
    m_tauSlider->setValue(90);
    m_tauSlider->setTickPosition(QSlider::TicksBelow);
    m_tauSlider->setTickInterval(5);
    m_tauSlider->setMinimumWidth(240);
    m_marks = new QWidget(this);
    m_marks->setFixedHeight(fontMetrics().height() + 4);
    m_marks->setToolTip(tr("Click a mark to jump to τ = 0.5 (K50) or τ = 0.9 (K90)"));
    m_marks->installEventFilter(this);
    auto* sliderBox = new QVBoxLayout;
    sliderBox->setSpacing(0);
    sliderBox->addWidget(m_tauSlider);
    sliderBox->addWidget(m_marks);
    m_tauLabel = new QLabel(this);
    m_tauLabel->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("τ = 0.00")) + 4);

    m_kSpin = new QSpinBox(this);
    m_kSpin->setObjectName(QStringLiteral("budgetK"));
    m_kSpin->setRange(1, 1);
    m_kSpin->setToolTip(tr("K kept for every type"));

    controlsRow()->addWidget(new QLabel(tr("Rule:"), this));
    controlsRow()->addWidget(m_energyRule);
    controlsRow()->addLayout(sliderBox, 1);
    controlsRow()->addWidget(m_tauLabel);
    controlsRow()->addSpacing(12);
    controlsRow()->addWidget(m_fixedRule);
    controlsRow()->addWidget(m_kSpin);
    finishControls();

    m_table = new ValueTableView(QStringLiteral("budget"), this);
    tableModel()->setColumns(
        {tr("Type"), tr("Matrices"), tr("K_t"), tr("K_t/d"), tr("R²_t(K_t)"), tr("Compressed"), tr("Original"),
         tr("Fraction")},
        {QString(), tr("Matrices of this type (a tied head counts once)"), tr("Directions kept for this type"),
         tr("K_t as a share of d_model"), tr("Energy of the type kept by its own top K_t directions"),
         tr("Σ_W rows_W·K_t scores plus one K_t × d basis shared by the type"), tr("Σ_W rows_W·d"),
         tr("Compressed / original")});
    tableModel()->setHighlightedColumn(Fraction);
    m_table->setMaxVisibleRows(10);
    plotArea()->addWidget(m_table);
    m_total = new QLabel(this);
    m_total->setObjectName(QStringLiteral("budgetTotal"));
    m_total->setWordWrap(true);
    m_total->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_total->setToolTip(tr("fraction = (Σ_W rows_W·K_t + Σ_t K_t·d) / Σ_W rows_W·d, where rows_W is the side of W "
                           "that is not d_model.\nThe paper finds that K90 keeps 82% of the parameters at 1.1B."));
    plotArea()->addWidget(m_total);

    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);
    m_fractionPlot = addPlot(QStringLiteral("budget_fraction"), row, 1);
    m_kPlot = addPlot(QStringLiteral("budget_k"), row, 1);
    PlotStyle::placeLegendBelow(m_fractionPlot);

    connect(m_tauSlider, &QSlider::valueChanged, this, [this] {
        if (m_rule != Rule::Energy) setRule(Rule::Energy);
        else recompute();
    });
    connect(m_kSpin, &QSpinBox::valueChanged, this, [this] {
        if (m_rule != Rule::FixedK) setRule(Rule::FixedK);
        else recompute();
    });
    connect(m_energyRule, &QRadioButton::toggled, this, [this](bool on) { setRule(on ? Rule::Energy : Rule::FixedK); });
    setModel(nullptr);
}

ValueTableModel* BudgetView::tableModel() const { return m_table->valueModel(); }
QList<TableExport> BudgetView::tables() const { return {m_table->tableExport()}; }
QString BudgetView::totalText() const { return m_total->text(); }
double BudgetView::tau() const { return m_tauSlider->value() / 100.0; }
int BudgetView::fixedK() const { return m_kSpin->value(); }

void BudgetView::setTau(double tau) {
    m_tauSlider->setValue(std::clamp(static_cast<int>(std::lround(tau * 100.0)), kTauMin, kTauMax));
}

void BudgetView::setFixedK(int k) { m_kSpin->setValue(std::clamp(k, m_kSpin->minimum(), m_kSpin->maximum())); }

void BudgetView::setRule(Rule rule) {
    const bool changed = rule != m_rule;
    m_rule = rule;
    {
        const QSignalBlocker b1(m_energyRule), b2(m_fixedRule);
        m_energyRule->setChecked(rule == Rule::Energy);
        m_fixedRule->setChecked(rule == Rule::FixedK);
    }
    if (changed) rebuildCurve();
    recompute();
}

void BudgetView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    const int d = m_model ? std::max(1, m_model->analysis.dModel) : 1;
    {
        const QSignalBlocker block(m_kSpin);
        const int k = m_kSpin->maximum() > 1 ? m_kSpin->value() : 32;
        m_kSpin->setRange(1, d);
        m_kSpin->setValue(std::min(k, d));
    }
    for (QWidget* w : std::initializer_list<QWidget*>{m_energyRule, m_fixedRule, m_tauSlider, m_kSpin})
        w->setEnabled(m_model != nullptr);
    rebuildCurve();
    recompute();
}

void BudgetView::recompute() {
    m_tauLabel->setText(QStringLiteral("τ = %1").arg(tau(), 0, 'f', 2));
    if (!m_model) {
        m_budget = Budget{};
        tableModel()->clear();
        m_total->setText(tr("Open a checkpoint to see its per-type K budget."));
        updateKPlot();
        updateMarker();
        emit budgetChanged();
        return;
    }
    const SpectralAnalysis& a = m_model->analysis;
    m_budget = budgetFor(a, currentRule());
    const double d = std::max(1, a.dModel);
    QVector<ValueTableModel::Row> rows;
    int matrices = 0;
    for (const BudgetType& bt : m_budget.types) {
        const TypeResult* t = a.type(bt.type);
        ValueTableModel::Row row(ColumnCount);
        row[Type] = Cell::fromText(PlotStyle::typeLabel(bt.type));
        row[Matrices] = Cell::integer(t ? t->matrices : 0);
        matrices += t ? t->matrices : 0;
        row[Kt] = Cell::integer(bt.k);
        row[KtOverD] = Cell::percent(bt.k / d);
        row[R2] = Cell::number(bt.r2, 4);
        row[Params] = Cell::integer(bt.params);
        row[Original] = Cell::integer(bt.original);
        row[Fraction] = Cell::percent(bt.original > 0 ? double(bt.params) / double(bt.original) : qQNaN());
        rows.append(row);
    }
    ValueTableModel::Row total(ColumnCount);
    total[Type] = Cell::fromText(tr("total"));
    total[Matrices] = Cell::integer(matrices);
    for (int c : {int(Kt), int(KtOverD), int(R2)}) total[c] = Cell::fromText(QString());
    total[Params] = Cell::integer(m_budget.params);
    total[Original] = Cell::integer(m_budget.original);
    total[Fraction] = Cell::percent(m_budget.fraction);
    rows.append(total);
    tableModel()->setRows(rows);
    tableModel()->setBoldRow(static_cast<int>(rows.size()) - 1);

    const QString rule = m_rule == Rule::Energy ? QStringLiteral("τ = %1").arg(tau(), 0, 'f', 2)
                                                : tr("K = %1 for every type").arg(fixedK());
    const QLocale en(QLocale::English);
    m_total->setText(tr("<b>%1</b>: the compressed form keeps %2 of %3 parameters of the analysed matrices, "
                        "<b>%4%</b>%5.")
                         .arg(rule, en.toString(m_budget.params), en.toString(m_budget.original))
                         .arg(100.0 * m_budget.fraction, 0, 'f', 1)
                         .arg(a.tiedHead ? tr(" (the tied head counted once)") : QString()));
    updateKPlot();
    updateMarker();
    emit budgetChanged();
}

BudgetRule BudgetView::currentRule() const { return {m_rule == Rule::Energy, tau(), fixedK()}; }

void BudgetView::rebuildCurve() {
    QCustomPlot* plot = m_fractionPlot;
    const SpectralAnalysis* a = m_model ? &m_model->analysis : nullptr;
    m_fractionFigure = budgetFractionFigure(a, currentRule(), m_model ? m_model->displayName().toStdString() : "");
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(m_fractionFigure, plot);
    setFigureModel(plot, m_fractionFigure);
    m_curve = FigureRenderer::graphAt(drawn, 0);
    m_current = FigureRenderer::graphAt(drawn, 1);
    if (!m_curve || !m_current) {
        m_curve = m_current = nullptr;
        return;
    }
    const bool energy = m_rule == Rule::Energy;
    m_curve->setPen(QPen(PlotStyle::okabeIto(0), 1.8));
    // K_t(τ) is a whole number: the fraction is a staircase in τ.
    if (energy) m_curve->setLineStyle(QCPGraph::lsStepLeft);
    m_current->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(PlotStyle::okabeIto(1), 1.6), PlotStyle::okabeIto(1), 9));
    if (energy) {
        // The slider's marks (τ = 0.5, 0.9), not data.
        for (int v : kMarked) {
            auto* line = new QCPItemStraightLine(plot);
            line->setPen(QPen(QColor(150, 150, 150), 1.0, Qt::DotLine));
            line->setSelectable(false);
            line->point1->setCoords(v / 100.0, 0.0);
            line->point2->setCoords(v / 100.0, 1.0);
        }
    }
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void BudgetView::updateMarker() {
    if (!m_current || !m_model || m_fractionFigure.series.size() < 2) return;
    FigureSeries& current = m_fractionFigure.series[1];
    current = budgetCurrentRuleSeries(m_model->analysis, currentRule());
    m_current->setData(QVector<double>(current.x.begin(), current.x.end()),
                       QVector<double>(current.y.begin(), current.y.end()), true);
    setFigureModel(m_fractionPlot, m_fractionFigure);
    m_fractionPlot->replot(QCustomPlot::rpQueuedReplot);
}

void BudgetView::updateKPlot() {
    QCustomPlot* plot = m_kPlot;
    m_kFigure = budgetKFigure(m_model ? &m_model->analysis : nullptr, m_budget, currentRule());
    const QVector<QCPAbstractPlottable*> drawn = FigureRenderer::render(m_kFigure, plot);
    setFigureModel(plot, m_kFigure);
    if (m_kFigure.series.empty()) return;
    const FigureSeries& s = m_kFigure.series.front();
    if (auto* bars = qobject_cast<QCPBars*>(drawn.value(0))) {
        // One series: wide bars, not grouped beside others.
        bars->setBarsGroup(nullptr);
        bars->setWidth(0.6);
    }
    for (size_t i = 0; i < s.x.size(); ++i) {
        auto* text = new QCPItemText(plot);
        text->setSelectable(false);
        text->position->setCoords(s.x[i], s.y[i]);
        text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        text->setFont(PlotStyle::font(PlotStyle::kTickPt));
        text->setText(QString::number(s.y[i]));
    }
    resetView();
}

void BudgetView::resetView() {
    FigureRenderer::applyRange(m_kFigure, m_kPlot);
    FigureRenderer::applyRange(m_fractionFigure, m_fractionPlot);
}

int BudgetView::markX(int sliderValue) const {
    QStyleOptionSlider opt;
    opt.initFrom(m_tauSlider);
    opt.orientation = Qt::Horizontal;
    opt.minimum = m_tauSlider->minimum();
    opt.maximum = m_tauSlider->maximum();
    opt.sliderPosition = opt.sliderValue = m_tauSlider->value();
    opt.tickPosition = m_tauSlider->tickPosition();
    opt.tickInterval = m_tauSlider->tickInterval();
    opt.subControls = QStyle::SC_SliderGroove | QStyle::SC_SliderHandle;
    QStyle* style = m_tauSlider->style();
    const QRect groove = style->subControlRect(QStyle::CC_Slider, &opt, QStyle::SC_SliderGroove, m_tauSlider);
    const QRect handle = style->subControlRect(QStyle::CC_Slider, &opt, QStyle::SC_SliderHandle, m_tauSlider);
    const int span = groove.width() - handle.width();
    const int x = groove.x() + handle.width() / 2 +
                  QStyle::sliderPositionFromValue(opt.minimum, opt.maximum, sliderValue, span, opt.upsideDown);
    return m_tauSlider->mapTo(this, QPoint(x, 0)).x() - m_marks->mapTo(this, QPoint(0, 0)).x();
}

void BudgetView::paintMarks() {
    QPainter p(m_marks);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(m_marks->isEnabled() ? QColor(60, 60, 60) : QColor(160, 160, 160));
    const QFontMetrics fm = m_marks->fontMetrics();
    for (int v : kMarked) {
        const int x = markX(v);
        const QString text = markText(v);
        const int w = fm.horizontalAdvance(text);
        const int left = std::clamp(x - w / 2, 0, std::max(0, m_marks->width() - w));
        p.drawLine(x, 0, x, 3);
        p.drawText(QRect(left, 2, w, fm.height()), Qt::AlignCenter, text);
    }
}

bool BudgetView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_marks && event->type() == QEvent::Paint) {
        paintMarks();
        return true;
    }
    if (watched == m_marks && event->type() == QEvent::MouseButtonPress && m_marks->isEnabled()) {
        const int x = static_cast<QMouseEvent*>(event)->position().toPoint().x();
        const int nearest = std::abs(x - markX(50)) < std::abs(x - markX(90)) ? 50 : 90;
        m_tauSlider->setValue(nearest);
        return true;
    }
    return PlotPanel::eventFilter(watched, event);
}

}  // namespace ctscope::ui
