#include "ui/plot_style.h"

#include "core/report/figure_builders_spectral.h"
#include "core/report/matrix_group.h"

#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace ctscope::ui {

namespace {

// Okabe & Ito (2008), ordered so that the first colours read best on white;
// yellow comes last because thin yellow lines vanish on paper.
constexpr std::array<QRgb, 8> kOkabeIto{
    0x0072B2,  // blue
    0xD55E00,  // vermillion
    0x009E73,  // bluish green
    0xCC79A7,  // reddish purple
    0xE69F00,  // orange
    0x56B4E9,  // sky blue
    0x000000,  // black
    0xF0E442,  // yellow
};

const QColor kAxisColor(40, 40, 40);
const QColor kGridColor(225, 225, 225);
const QColor kGuideColor(120, 120, 120);

void styleAxis(QCPAxis* axis) {
    const QPen pen(kAxisColor, 1.0);
    axis->setBasePen(pen);
    axis->setTickPen(pen);
    axis->setSubTickPen(pen);
    axis->setTickLength(0, 4);
    axis->setSubTickLength(0, 2);
    axis->setTickLabelFont(PlotStyle::font(PlotStyle::kTickPt));
    axis->setLabelFont(PlotStyle::font(PlotStyle::kLabelPt));
    axis->setTickLabelColor(kAxisColor);
    axis->setLabelColor(Qt::black);
    axis->setLabelPadding(4);
    axis->setTickLabelPadding(3);
    axis->grid()->setPen(QPen(kGridColor, 1.0, Qt::SolidLine));
    axis->grid()->setSubGridVisible(false);
    axis->grid()->setZeroLinePen(Qt::NoPen);
}

}  // namespace

QColor PlotStyle::okabeIto(int i) {
    const int n = static_cast<int>(kOkabeIto.size());
    return QColor::fromRgb(kOkabeIto[static_cast<size_t>(((i % n) + n) % n)]);
}

QColor PlotStyle::typeColor(MatrixType t) {
    switch (t) {
        case Role::Q:
            return okabeIto(0);
        case Role::K:
            return okabeIto(5);
        case Role::V:
            return okabeIto(2);
        case Role::O:
            return okabeIto(3);
        case Role::Gate:
            return okabeIto(4);
        case Role::Up:
            return okabeIto(1);
        case Role::Down:
            return okabeIto(6);
        default:
            return QColor(0x99, 0x99, 0x99);  // embed, head: neutral grey
    }
}

QPen PlotStyle::typePen(MatrixType t, double width) {
    QPen pen(typeColor(t), width);
    if (isMlp(t))
        pen.setStyle(Qt::DashLine);
    else if (!isAttention(t))
        pen.setStyle(t == Role::Head ? Qt::DashDotLine : Qt::DotLine);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

QPen PlotStyle::referencePen(double width) {
    QPen pen(Qt::black, width);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

QColor PlotStyle::sequentialRamp(const QColor& base, double t) {
    // One hue, lightness from light (t = 0) to dark (t = 1): ordered at a
    // glance and still legible on white at the light end.
    const double u = std::clamp(std::isfinite(t) ? t : 0.5, 0.0, 1.0);
    float h = 0, s = 0, l = 0, a = 1;
    base.getHslF(&h, &s, &l, &a);
    const double light = 0.70 - 0.48 * u;
    return QColor::fromHslF(h, std::max(0.6f, s), static_cast<float>(light));
}

double PlotStyle::rampPosition(double value, double lo, double hi) {
    if (!(value > 0) || !(lo > 0) || !(hi > lo)) return 1.0;
    return std::clamp(std::log2(value / lo) / std::log2(hi / lo), 0.0, 1.0);
}

QPen PlotStyle::seriesPen(int i, double width) {
    // Seven colours (no yellow), then the same colours dashed, then dotted.
    QPen pen(okabeIto(i % 7), width);
    static const std::array<Qt::PenStyle, 3> styles{Qt::SolidLine, Qt::DashLine, Qt::DotLine};
    pen.setStyle(styles[static_cast<size_t>((i / 7) % 3)]);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

QString PlotStyle::typeLabel(MatrixType t) { return QString::fromLatin1(roleName(t)); }

bool PlotStyle::isAttention(MatrixType t) { return isAttentionType(t); }

bool PlotStyle::isMlp(MatrixType t) { return isMlpType(t); }

QFont PlotStyle::font(double pt, bool bold) {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setStyleHint(QFont::SansSerif);
    f.setPixelSize(static_cast<int>(std::lround(pt * kPixelsPerInch / 72.0)));
    f.setBold(bold);
    return f;
}

void PlotStyle::apply(QCustomPlot* plot) {
    plot->setBackground(Qt::white);
    plot->setAntialiasedElements(QCP::aeAll);
    plot->setNoAntialiasingOnDrag(true);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->setFont(font(kTickPt));
    styleAxisRect(plot->axisRect());
    styleLegend(plot->legend);
}

void PlotStyle::styleAxisRect(QCPAxisRect* rect) {
    for (QCPAxis* axis : rect->axes()) styleAxis(axis);
    // Open axes (left and bottom only) read better in print than a box.
    rect->axis(QCPAxis::atTop)->setVisible(false);
    rect->axis(QCPAxis::atRight)->setVisible(false);
    rect->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    rect->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    rect->setBackground(Qt::white);
}

void PlotStyle::styleLegend(QCPLegend* legend) {
    legend->setFont(font(kLegendPt));
    legend->setSelectedFont(font(kLegendPt));
    legend->setBrush(QColor(255, 255, 255, 225));
    legend->setBorderPen(QPen(QColor(190, 190, 190), 1.0));
    legend->setIconSize(QSize(22, 10));
    legend->setIconTextPadding(5);
    legend->setRowSpacing(1);
    legend->setColumnSpacing(8);
    legend->setMargins(QMargins(5, 3, 5, 5));
}

void PlotStyle::placeLegendBelow(QCustomPlot* plot, int columns) {
    QCPLegend* legend = plot->legend;
    if (!legend) return;
    if (auto* inset = qobject_cast<QCPLayoutInset*>(legend->layout())) inset->take(legend);
    QCPLayoutGrid* layout = plot->plotLayout();
    layout->simplify();
    const int row = layout->rowCount();
    // Spacers either side keep the legend at its natural width, centred.
    auto* strip = new QCPLayoutGrid;
    strip->setObjectName(QStringLiteral("legendStrip"));
    layout->addElement(row, 0, strip);
    layout->setRowStretchFactor(row, 0.001);
    strip->addElement(0, 0, new QCPLayoutElement(plot));
    strip->addElement(0, 1, legend);
    strip->addElement(0, 2, new QCPLayoutElement(plot));
    strip->setColumnStretchFactors({1.0, 0.001, 1.0});
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    // Scaled text runs a little taller than its 96-dpi metrics: keep room below.
    legend->setMargins(QMargins(2, 3, 2, 8));
    legend->setRowSpacing(1);
    legend->setColumnSpacing(10);
    legend->setIconSize(QSize(18, 10));
    legend->setIconTextPadding(4);
    setLegendColumns(plot, columns);
}

void PlotStyle::polishLegend(QCustomPlot* plot) {
    QCPLegend* legend = plot->legend;
    if (!legend) return;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = legend->item(i)) item->setMargins(QMargins(2, 1, 2, 3));
}

void PlotStyle::setLegendColumns(QCustomPlot* plot, int columns) {
    plot->legend->setWrap(std::max(0, columns));
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
}

void PlotStyle::setTitle(QCustomPlot* plot, const QString& title, const QString& subtitle) {
    QCPLayoutGrid* layout = plot->plotLayout();
    const auto textAt = [layout](int row, const QString& name) -> QCPTextElement* {
        if (layout->rowCount() <= row || layout->columnCount() == 0) return nullptr;
        auto* text = qobject_cast<QCPTextElement*>(layout->element(row, 0));
        return text && text->objectName() == name ? text : nullptr;
    };
    QCPTextElement* head = textAt(0, QStringLiteral("title"));
    if (!head) {
        layout->insertRow(0);
        head = new QCPTextElement(plot, title, font(kTitlePt, true));
        head->setObjectName(QStringLiteral("title"));
        head->setMargins(QMargins(4, 4, 4, 0));
        layout->addElement(0, 0, head);
        layout->setRowStretchFactor(0, 0.001);
    }
    head->setText(title);
    QCPTextElement* sub = textAt(1, QStringLiteral("subtitle"));
    if (subtitle.isEmpty()) {
        if (sub) {
            layout->remove(sub);
            layout->simplify();
        }
        return;
    }
    if (!sub) {
        layout->insertRow(1);
        sub = new QCPTextElement(plot, subtitle, font(kTickPt));
        sub->setObjectName(QStringLiteral("subtitle"));
        sub->setTextColor(QColor(90, 90, 90));
        sub->setMargins(QMargins(4, 0, 4, 2));
        layout->addElement(1, 0, sub);
        layout->setRowStretchFactor(1, 0.001);
    }
    sub->setText(subtitle);
}

void PlotStyle::setLogAxis(QCPAxis* axis) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    ticker->setLogBase(10);
    ticker->setSubTickCount(8);
    axis->setTicker(ticker);
    axis->setNumberFormat(QStringLiteral("eb"));
    axis->setNumberPrecision(0);
}

void PlotStyle::fitEfficiencyRange(QCustomPlot* plot, double maxK) {
    double lo = -10, hi = 115;
    for (int i = 0; i < plot->graphCount(); ++i) {
        bool ok = false;
        const QCPRange r = plot->graph(i)->getValueRange(ok);
        if (ok) {
            lo = std::min(lo, r.lower - 15);
            hi = std::max(hi, r.upper + 15);
        }
    }
    plot->xAxis->setRange(0.7, maxK * 1.4);
    plot->yAxis->setRange(lo, hi);
}

QCPGraph* PlotStyle::addEfficiencySeries(QCustomPlot* plot, const QString& name, const QPen& pen,
                                         const QVector<double>& k, const QVector<double>& efficiency,
                                         const QVector<double>& err, bool hollow) {
    QCPGraph* g = plot->addGraph();
    g->setName(name);
    g->setPen(pen);
    // Hollow: white inside, so that a provisional point reads as unfinished.
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, pen.color(), hollow ? QColor(Qt::white) : pen.color(),
                                       hollow ? 6 : 5));
    // LoRA's matched K need not follow its rank order: sort the points and
    // their errors together (error bars attach by index, not by key).
    QVector<int> order(k.size());
    for (int i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return k[a] < k[b]; });
    QVector<double> keys, values, errors;
    for (int i : order) {
        keys.append(k[i]);
        values.append(i < efficiency.size() ? efficiency[i] : std::nan(""));
        errors.append(i < err.size() ? err[i] : 0.0);
    }
    g->setData(keys, values, true);
    auto* bars = new QCPErrorBars(plot->xAxis, plot->yAxis);
    bars->setName(name + QObject::tr(" ± s.d. over seeds"));
    bars->removeFromLegend();
    bars->setDataPlottable(g);
    bars->setData(errors);
    bars->setPen(QPen(pen.color(), 1.0));
    bars->setWhiskerWidth(5);
    return g;
}

void PlotStyle::setLog2Axis(QCPAxis* axis, double maxValue) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    int powers = 0;
    while (std::ldexp(1.0, powers) < maxValue) ++powers;
    // More than nine labels collide at single-column width: keep every other power.
    const int step = powers + 1 > 9 ? 2 : 1;
    for (int p = 0; p <= powers; p += step) {
        const double v = std::ldexp(1.0, p);
        ticker->addTick(v, QString::number(static_cast<qint64>(v)));
    }
    ticker->setSubTickCount(0);
    axis->setTicker(ticker);
}

void PlotStyle::setLinearAxis(QCPAxis* axis) {
    axis->setScaleType(QCPAxis::stLinear);
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    axis->setNumberFormat(QStringLiteral("gb"));
    axis->setNumberPrecision(6);
}

void PlotStyle::setPlaceholder(QCustomPlot* plot, const QString& text) {
    QCPItemText* hint = nullptr;
    for (int i = 0; i < plot->itemCount(); ++i) {
        auto* t = qobject_cast<QCPItemText*>(plot->item(i));
        if (t && t->objectName() == QLatin1String("placeholder")) hint = t;
    }
    if (!hint) {
        if (text.isEmpty()) return;
        hint = new QCPItemText(plot);
        hint->setObjectName(QStringLiteral("placeholder"));
        hint->setSelectable(false);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setPositionAlignment(Qt::AlignCenter);
        hint->setFont(font(kLabelPt));
        hint->setColor(QColor(130, 130, 130));
    }
    hint->setText(text);
    hint->setVisible(!text.isEmpty());
}

void PlotStyle::setGuideLabels(QCustomPlot* plot, const QList<QPair<double, QString>>& labels) {
    QCPAxis* right = plot->yAxis2;
    QCPAxis* left = plot->yAxis;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const auto& [y, text] : labels) ticker->addTick(y, text);
    ticker->setSubTickCount(0);
    right->setTicker(ticker);
    right->setVisible(!labels.isEmpty());
    right->setBasePen(Qt::NoPen);
    right->setTickPen(QPen(kGuideColor, 1.0));
    right->setTickLength(0, 3);
    right->setSubTickLength(0, 0);
    right->setTickLabelColor(kGuideColor.darker(130));
    right->setTickLabelFont(font(kTickPt));
    right->grid()->setVisible(false);
    right->setScaleType(left->scaleType());
    right->setRange(left->range());
    if (!right->property("ctscopeSynced").toBool()) {
        QObject::connect(left, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), right,
                         qOverload<const QCPRange&>(&QCPAxis::setRange));
        right->setProperty("ctscopeSynced", true);
    }
}

QCPItemStraightLine* PlotStyle::addHorizontalGuide(QCustomPlot* plot, QCPAxisRect* rect, double y,
                                                   const QString& label) {
    QCPAxis* xAxis = rect->axis(QCPAxis::atBottom);
    QCPAxis* yAxis = rect->axis(QCPAxis::atLeft);
    auto* line = new QCPItemStraightLine(plot);
    line->setClipAxisRect(rect);
    line->setPen(QPen(kGuideColor, 1.0, Qt::DashLine));
    line->setSelectable(false);
    for (QCPItemPosition* p : {line->point1, line->point2}) {
        p->setAxisRect(rect);
        p->setAxes(xAxis, yAxis);
    }
    // Positive x keeps the line valid on a log axis.
    line->point1->setCoords(1.0, y);
    line->point2->setCoords(2.0, y);
    if (!label.isEmpty()) {
        auto* text = new QCPItemText(plot);
        text->setClipAxisRect(rect);
        text->setSelectable(false);
        text->position->setAxisRect(rect);
        text->position->setAxes(xAxis, yAxis);
        text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        text->position->setTypeY(QCPItemPosition::ptPlotCoords);
        text->position->setCoords(0.005, y);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        text->setText(label);
        text->setFont(font(kTickPt));
        text->setColor(kGuideColor.darker(130));
        text->setPadding(QMargins(2, 0, 2, 1));
    }
    return line;
}

QVector<int> PlotStyle::curvesToDraw(const QVector<int>& requested, int count, int maxCurves) {
    const std::vector<int> out = ctscope::curvesToDraw({requested.begin(), requested.end()}, count, maxCurves);
    return QVector<int>(out.begin(), out.end());
}

bool PlotStyle::colourByType(const QVector<MatrixType>& types) { return styleByType({types.begin(), types.end()}); }

}  // namespace ctscope::ui
