#include "ui/type_compare_view.h"

#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>

#include <algorithm>

namespace ctscope::ui {

namespace {

enum class Group { Attention, Mlp, Embedding };

Group groupOf(MatrixType t) {
    if (PlotStyle::isAttention(t)) return Group::Attention;
    if (PlotStyle::isMlp(t)) return Group::Mlp;
    return Group::Embedding;
}

QString groupName(Group g) {
    switch (g) {
        case Group::Attention:
            return QStringLiteral("attention");
        case Group::Mlp:
            return QStringLiteral("MLP");
        case Group::Embedding:
            return QStringLiteral("embeddings");
    }
    return QString();
}

QCPBars* makeBars(QCustomPlot* plot, const QString& name, const QColor& color, QCPBarsGroup* group) {
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setName(name);
    bars->setPen(QPen(color.darker(130), 0.8));
    bars->setBrush(color);
    bars->setWidth(0.38);
    bars->setBarsGroup(group);
    return bars;
}

// Type names on the x axis; turned 45° because "gate up down embed" at one
// unit apart collide at single-column width.
void setTypeTicks(QCustomPlot* plot, const QSharedPointer<QCPAxisTickerText>& ticker) {
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setTickLabelRotation(-45);
    plot->xAxis->setTickLength(0, 0);
    plot->xAxis->grid()->setVisible(false);
}

}  // namespace

TypeCompareView::TypeCompareView(QWidget* parent) : PlotPanel(parent) {
    m_kSpin = new QSpinBox(this);
    m_kSpin->setRange(1, 64);
    m_kSpin->setValue(8);
    m_kSpin->setToolTip(tr("Number of basis directions kept"));
    m_kSlider = new QSlider(Qt::Horizontal, this);
    m_kSlider->setRange(1, 64);
    m_kSlider->setValue(8);
    m_kSlider->setMinimumWidth(180);
    controlsRow()->addWidget(new QLabel(tr("R² at K ="), this));
    controlsRow()->addWidget(m_kSpin);
    controlsRow()->addWidget(m_kSlider, 1);
    finishControls();

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("typeCompareSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    plotArea()->addWidget(m_summary);
    auto* row = new QHBoxLayout;
    plotArea()->addLayout(row, 1);

    m_statsPlot = addPlot(QStringLiteral("type_pr_k90"), row, 1);
    PlotStyle::placeLegendBelow(m_statsPlot);
    PlotStyle::setTitle(m_statsPlot, tr("Effective dimension by matrix type"));
    m_statsPlot->yAxis->setLabel(tr("Directions"));
    m_statsGroup = new QCPBarsGroup(m_statsPlot);
    m_statsGroup->setSpacingType(QCPBarsGroup::stAbsolute);
    m_statsGroup->setSpacing(1);

    m_r2Plot = addPlot(QStringLiteral("type_r2"), row, 1);
    PlotStyle::placeLegendBelow(m_r2Plot);
    m_r2Group = new QCPBarsGroup(m_r2Plot);
    m_r2Group->setSpacingType(QCPBarsGroup::stAbsolute);
    m_r2Group->setSpacing(1);
    PlotStyle::setTitle(m_r2Plot, tr("Energy kept at K"));
    m_r2Plot->yAxis->setLabel(tr("Energy captured R²(K)"));

    connect(m_kSpin, &QSpinBox::valueChanged, this, [this](int k) {
        const QSignalBlocker block(m_kSlider);
        m_kSlider->setValue(k);
        rebuildR2();
    });
    connect(m_kSlider, &QSlider::valueChanged, m_kSpin, &QSpinBox::setValue);
    rebuildStats();
    rebuildR2();
}

void TypeCompareView::setModel(LoadedModelPtr model) {
    m_model = std::move(model);
    const int d = m_model ? std::max(1, m_model->analysis.dModel) : 64;
    {
        const QSignalBlocker b1(m_kSpin), b2(m_kSlider);
        m_kSpin->setRange(1, d);
        m_kSlider->setRange(1, d);
        const int k = std::min(m_kSpin->value(), d);
        m_kSpin->setValue(k);
        m_kSlider->setValue(k);
    }
    rebuildStats();
    rebuildR2();
}

void TypeCompareView::setK(int k) { m_kSpin->setValue(std::clamp(k, m_kSpin->minimum(), m_kSpin->maximum())); }

int TypeCompareView::k() const { return m_kSpin->value(); }

QString TypeCompareView::summary() const { return m_summary->text(); }

QList<TypeCompareView::Slot> TypeCompareView::layoutTypes() const {
    QList<Slot> out;
    if (!m_model) return out;
    QList<MatrixType> types;
    for (const TypeResult& t : m_model->analysis.types) types.append(t.type);
    std::stable_sort(types.begin(), types.end(), [](MatrixType a, MatrixType b) {
        return static_cast<int>(groupOf(a)) < static_cast<int>(groupOf(b));
    });
    double x = 1.0;
    for (int i = 0; i < types.size(); ++i) {
        if (i > 0) x += groupOf(types[i]) == groupOf(types[i - 1]) ? 1.0 : 1.6;
        out.append({types[i], x});
    }
    return out;
}

void TypeCompareView::rebuildStats() {
    m_statsPlot->clearPlottables();
    m_statsPlot->clearItems();
    const QList<Slot> slots_ = layoutTypes();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const Slot& s : slots_) ticker->addTick(s.position, PlotStyle::typeLabel(s.type));
    setTypeTicks(m_statsPlot, ticker);
    if (!m_model) {
        PlotStyle::setTitle(m_statsPlot, tr("Effective dimension by matrix type"));
        PlotStyle::setPlaceholder(m_statsPlot, tr("Open a checkpoint to compare its matrix types"));
        m_statsPlot->legend->setVisible(false);
        m_statsPlot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const SpectralAnalysis& a = m_model->analysis;
    QVector<double> keys, pr, k90;
    for (const Slot& s : slots_) {
        const TypeResult* t = a.type(s.type);
        keys.append(s.position);
        pr.append(t->spectrum.pr);
        k90.append(t->spectrum.k90);
    }
    const QColor prColor = PlotStyle::okabeIto(2), k90Color = PlotStyle::okabeIto(3);
    makeBars(m_statsPlot, tr("PR"), prColor, m_statsGroup)->setData(keys, pr, true);
    makeBars(m_statsPlot, tr("K90"), k90Color, m_statsGroup)->setData(keys, k90, true);
    m_statsPlot->legend->setVisible(true);
    PlotStyle::polishLegend(m_statsPlot);

    // Group names above the attention and MLP groups (a lone "embed" needs none).
    for (Group g : {Group::Attention, Group::Mlp}) {
        QVector<double> xs;
        for (const Slot& s : slots_)
            if (groupOf(s.type) == g) xs.append(s.position);
        if (xs.size() < 2) continue;
        auto* text = new QCPItemText(m_statsPlot);
        text->setClipToAxisRect(true);
        text->position->setTypeX(QCPItemPosition::ptPlotCoords);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords((xs.first() + xs.last()) / 2.0, 0.01);
        text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
        text->setFont(PlotStyle::font(PlotStyle::kTickPt, true));
        text->setColor(QColor(90, 90, 90));
        text->setText(groupName(g));
    }
    for (const auto& [y, color] : {qMakePair(a.universal.pr, prColor), qMakePair(double(a.universal.k90), k90Color)}) {
        QCPItemStraightLine* line = PlotStyle::addHorizontalGuide(m_statsPlot, m_statsPlot->axisRect(), y, QString());
        line->setPen(QPen(color.darker(115), 1.2, Qt::DashLine));
    }
    PlotStyle::setGuideLabels(m_statsPlot,
                              {{a.universal.pr, tr("univ. PR")}, {double(a.universal.k90), tr("univ. K90")}});
    PlotStyle::setTitle(m_statsPlot, tr("Effective dimension by matrix type"), m_model->displayName());
    resetView();
}

void TypeCompareView::rebuildR2() {
    m_r2Plot->clearPlottables();
    const QList<Slot> slots_ = layoutTypes();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const Slot& s : slots_) ticker->addTick(s.position, PlotStyle::typeLabel(s.type));
    setTypeTicks(m_r2Plot, ticker);
    const int k = m_kSpin->value();
    if (!m_model || slots_.isEmpty()) {
        m_summary->setText(tr("Open a checkpoint to compare its matrix types."));
        m_r2Plot->legend->setVisible(false);
        PlotStyle::setTitle(m_r2Plot, tr("Energy kept at K"));
        m_r2Plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const SpectralAnalysis& a = m_model->analysis;
    QVector<double> keys, typeR2, univR2;
    for (const Slot& s : slots_) {
        const TypeResult* t = a.type(s.type);
        if (t->r2Type.empty() || t->r2Universal.empty()) continue;
        const size_t i = static_cast<size_t>(std::min<int>(k, static_cast<int>(t->r2Type.size())) - 1);
        keys.append(s.position);
        typeR2.append(t->r2Type[i]);
        univR2.append(t->r2Universal[std::min(i, t->r2Universal.size() - 1)]);
    }
    QCPBars* own = makeBars(m_r2Plot, tr("per-type basis"), PlotStyle::okabeIto(0), m_r2Group);
    QCPBars* universal = makeBars(m_r2Plot, tr("universal basis"), PlotStyle::okabeIto(4), m_r2Group);
    own->setData(keys, typeR2, true);
    universal->setData(keys, univR2, true);
    m_r2Plot->legend->setVisible(true);
    PlotStyle::polishLegend(m_r2Plot);
    PlotStyle::setTitle(m_r2Plot, tr("Energy kept at K = %1 of %2").arg(k).arg(a.dModel), m_model->displayName());

    double meanType = 0, meanUniv = 0;
    for (int i = 0; i < typeR2.size(); ++i) {
        meanType += typeR2[i] / typeR2.size();
        meanUniv += univR2[i] / univR2.size();
    }
    QString text = tr("At K = %1 of %2 directions, each type's own basis keeps %3% of its energy on average, "
                      "the universal basis %4%")
                       .arg(k)
                       .arg(a.dModel)
                       .arg(100 * meanType, 0, 'f', 1)
                       .arg(100 * meanUniv, 0, 'f', 1);
    if (meanUniv > 0) text += tr(" (×%1)").arg(meanType / meanUniv, 0, 'f', 2);
    if (1 - meanType > 1e-9 && 1 - meanUniv > 1e-9)
        text += tr("; the energy left out is %1× smaller").arg((1 - meanUniv) / (1 - meanType), 0, 'f', 2);
    m_summary->setText(text + QLatin1Char('.'));
    resetView();
}

void TypeCompareView::resetView() {
    const QList<Slot> slots_ = layoutTypes();
    const double lo = slots_.isEmpty() ? 0 : slots_.first().position - 0.7;
    const double hi = slots_.isEmpty() ? 1 : slots_.last().position + 0.7;
    double top = 1;
    if (m_model) {
        const SpectralAnalysis& a = m_model->analysis;
        top = std::max({top, a.universal.pr, static_cast<double>(a.universal.k90)});
        for (const TypeResult& t : a.types) top = std::max({top, t.spectrum.pr, static_cast<double>(t.spectrum.k90)});
    }
    m_statsPlot->xAxis->setRange(lo, hi);
    // Headroom for the group names above the bars.
    m_statsPlot->yAxis->setRange(0, top * 1.2);
    m_r2Plot->xAxis->setRange(lo, hi);
    m_r2Plot->yAxis->setRange(0, 1.05);
    m_statsPlot->replot(QCustomPlot::rpQueuedReplot);
    m_r2Plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ctscope::ui
