#include "ui/figure_renderer.h"

#include "ui/plot_style.h"
#include "ui/style_pens.h"

#include <qcustomplot.h>

#include <cmath>

namespace ctscope::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QVector<double> qv(const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); }

double dataMax(const FigureModel& f) {
    double m = 1;
    for (const FigureSeries& s : f.series)
        for (double x : s.x) m = std::max(m, x);
    return m;
}

void setAxis(const FigureAxis& a, QCPAxis* axis, double fallbackMax) {
    axis->setLabel(qs(a.title()));
    switch (a.scale) {
        case AxisScale::Linear:
            PlotStyle::setLinearAxis(axis);
            break;
        case AxisScale::Log:
            PlotStyle::setLogAxis(axis);
            break;
        case AxisScale::Log2:
            PlotStyle::setLog2Axis(axis, a.tickMax > 0 ? a.tickMax : fallbackMax);
            break;
    }
    if (a.textTicks.empty()) {
        if (axis->property("ctscopeTextTicks").toBool()) {  // back from a bar chart
            axis->setTickLabelRotation(0);
            axis->setTickLength(0, 4);
            axis->grid()->setVisible(true);
            axis->setProperty("ctscopeTextTicks", false);
        }
        return;
    }
    // Type names on the x axis; turned 45° because "gate up down embed" at
    // one unit apart collide at single-column width.
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const auto& [pos, label] : a.textTicks) ticker->addTick(pos, qs(label));
    axis->setTicker(ticker);
    axis->setTickLabelRotation(-45);
    axis->setTickLength(0, 0);
    axis->grid()->setVisible(false);
    axis->setProperty("ctscopeTextTicks", true);
}

QCPBarsGroup* barsGroup(QCustomPlot* plot) {
    if (auto* g = plot->findChild<QCPBarsGroup*>(QString(), Qt::FindDirectChildrenOnly)) return g;
    auto* g = new QCPBarsGroup(plot);
    g->setSpacingType(QCPBarsGroup::stAbsolute);
    g->setSpacing(1);
    return g;
}

QCPAbstractPlottable* drawSeries(const FigureSeries& s, QCustomPlot* plot) {
    const QPen pen = StylePens::pen(s.style, s.kind);
    if (s.kind == SeriesKind::Bars) {
        auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
        bars->setName(qs(s.name));
        bars->setPen(QPen(pen.color().darker(130), 0.8));
        bars->setBrush(pen.color());
        bars->setWidth(0.38);
        bars->setBarsGroup(barsGroup(plot));
        bars->setData(qv(s.x), qv(s.y), true);
        if (s.yError.size() == s.x.size() && !s.x.empty()) {  // ± s.d. in black over the bars
            auto* err = new QCPErrorBars(plot->xAxis, plot->yAxis);
            err->setName(qs(s.name) + QObject::tr(" ± s.d."));
            err->removeFromLegend();
            err->setDataPlottable(bars);
            err->setData(qv(s.yError));
            err->setPen(QPen(Qt::black, 1.0));
        }
        return bars;
    }
    if (!s.bandLow.empty() && s.bandLow.size() == s.x.size() && s.bandHigh.size() == s.x.size()) {
        QCPGraph* low = plot->addGraph();
        low->setName(qs(s.name) + QStringLiteral(" band"));
        low->setPen(Qt::NoPen);
        low->setData(qv(s.x), qv(s.bandLow), true);
        low->removeFromLegend();
        QCPGraph* high = plot->addGraph();
        high->setName(qs(s.name) + QStringLiteral(" band"));
        high->setPen(Qt::NoPen);
        QColor fill = pen.color();
        fill.setAlpha(50);
        high->setBrush(fill);
        high->setChannelFillGraph(low);
        high->setData(qv(s.x), qv(s.bandHigh), true);
        high->removeFromLegend();
    }
    QCPGraph* g = plot->addGraph();
    g->setName(qs(s.name));
    if (s.kind == SeriesKind::Markers) {
        g->setLineStyle(QCPGraph::lsNone);
        // Open circles unless the style asks for filled ones (final points).
        const QBrush fill = s.style.hasVariant("filled") ? QBrush(pen.color()) : QBrush(Qt::white);
        g->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(pen.color(), 1.5), fill, s.style.emphasised ? 8 : 6));
    } else {
        g->setPen(pen);
    }
    g->setData(qv(s.x), qv(s.y), true);
    if (!s.yError.empty()) {
        auto* err = new QCPErrorBars(plot->xAxis, plot->yAxis);
        err->setName(qs(s.name) + QObject::tr(" ± s.d."));
        err->removeFromLegend();
        err->setDataPlottable(g);
        err->setData(qv(s.yError));
        err->setPen(QPen(pen.color(), 1.0));
        err->setWhiskerWidth(5);
    }
    return g;
}

/// A vertical line at g.x in the guide's colour (dotted), labelled at its top.
void addVerticalGuide(const FigureGuide& g, QCustomPlot* plot) {
    auto* line = new QCPItemStraightLine(plot);
    line->setClipToAxisRect(true);
    line->setSelectable(false);
    QPen pen = g.style.key.empty() ? QPen(QColor(150, 150, 150), 1.0) : StylePens::pen(g.style);
    pen.setStyle(Qt::DotLine);
    pen.setWidthF(1.2);
    line->setPen(pen);
    // Positive y keeps the line valid on a log axis.
    line->point1->setCoords(g.x, 1.0);
    line->point2->setCoords(g.x, 2.0);
    if (g.label.empty()) return;
    auto* text = new QCPItemText(plot);
    text->setClipToAxisRect(true);
    text->position->setTypeX(QCPItemPosition::ptPlotCoords);
    text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    text->position->setCoords(g.x, 0.02);
    text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    text->setFont(PlotStyle::font(PlotStyle::kTickPt, false));
    text->setColor(pen.color());
    text->setText(qs(g.label));
}

void addNote(const FigureNote& n, QCustomPlot* plot) {
    auto* text = new QCPItemText(plot);
    text->setClipToAxisRect(true);
    text->position->setTypeX(QCPItemPosition::ptPlotCoords);
    text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    text->position->setCoords(n.x, n.yFraction);
    text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
    text->setFont(PlotStyle::font(PlotStyle::kTickPt, true));
    text->setColor(QColor(90, 90, 90));
    text->setText(qs(n.text));
}

}  // namespace

QVector<QCPAbstractPlottable*> FigureRenderer::render(const FigureModel& f, QCustomPlot* plot) {
    plot->clearPlottables();
    plot->clearItems();
    setAxis(f.x, plot->xAxis, dataMax(f));
    setAxis(f.y, plot->yAxis, 1);

    QVector<QCPAbstractPlottable*> drawn;
    bool legend = false;
    for (const FigureSeries& s : f.series) {
        QCPAbstractPlottable* p = drawSeries(s, plot);
        if (!s.inLegend) p->removeFromLegend();
        legend = legend || s.inLegend;
        drawn.append(p);
    }
    QList<QPair<double, QString>> guideLabels;
    for (const FigureGuide& g : f.guides) {
        if (g.vertical) {
            addVerticalGuide(g, plot);
            continue;
        }
        QCPItemStraightLine* line = PlotStyle::addHorizontalGuide(plot, plot->axisRect(), g.y, QString());
        if (!g.style.key.empty()) line->setPen(StylePens::guidePen(g.style));
        if (!g.label.empty()) guideLabels.append({g.y, qs(g.label)});
    }
    if (!guideLabels.isEmpty())
        PlotStyle::setGuideLabels(plot, guideLabels);
    else
        plot->yAxis2->setVisible(false);
    for (const FigureNote& n : f.notes) addNote(n, plot);

    PlotStyle::setTitle(plot, qs(f.title), qs(f.subtitle));
    PlotStyle::setPlaceholder(plot, qs(f.placeholder));
    plot->legend->setVisible(legend);
    PlotStyle::polishLegend(plot);
    PlotStyle::setLegendColumns(plot, f.legendColumns);
    applyRange(f, plot);
    return drawn;
}

void FigureRenderer::applyRange(const FigureModel& f, QCustomPlot* plot) {
    if (std::isfinite(f.x.min) && std::isfinite(f.x.max)) plot->xAxis->setRange(f.x.min, f.x.max);
    if (std::isfinite(f.y.min) && std::isfinite(f.y.max)) plot->yAxis->setRange(f.y.min, f.y.max);
    if (!std::isfinite(f.x.min) || !std::isfinite(f.x.max)) plot->xAxis->rescale();
    if (!std::isfinite(f.y.min) || !std::isfinite(f.y.max)) plot->yAxis->rescale();
    plot->replot(QCustomPlot::rpQueuedReplot);
}

QCPGraph* FigureRenderer::graphAt(const QVector<QCPAbstractPlottable*>& drawn, int i) {
    return i >= 0 && i < drawn.size() ? qobject_cast<QCPGraph*>(drawn[i]) : nullptr;
}

}  // namespace ctscope::ui
