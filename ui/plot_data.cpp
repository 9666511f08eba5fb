#include "ui/plot_data.h"

#include <qcustomplot.h>

#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace ctscope::ui {

namespace {

QString csvField(const QString& s) {
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n'))) return s;
    QString quoted = s;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString csvNumber(double v) {
    if (std::isnan(v)) return QString();
    return QString::number(v, 'g', 17);
}

QJsonArray jsonNumbers(const QVector<double>& v) {
    QJsonArray a;
    for (double x : v) a.append(std::isfinite(x) ? QJsonValue(x) : QJsonValue());
    return a;
}

QCPErrorBars* errorBarsFor(QCustomPlot* plot, const QCPAbstractPlottable* target) {
    for (int i = 0; i < plot->plottableCount(); ++i) {
        auto* bars = qobject_cast<QCPErrorBars*>(plot->plottable(i));
        if (bars && bars->dataPlottable() == target && bars->visible()) return bars;
    }
    return nullptr;
}

PlotSeries describe(const QCPAbstractPlottable* p, int index) {
    PlotSeries s;
    s.name = p->name().isEmpty() ? QStringLiteral("series %1").arg(index + 1) : p->name();
    s.xAxis = p->keyAxis()->label();
    s.yAxis = p->valueAxis()->label();
    s.xLog = p->keyAxis()->scaleType() == QCPAxis::stLogarithmic;
    s.yLog = p->valueAxis()->scaleType() == QCPAxis::stLogarithmic;
    return s;
}

template <typename Container>
void readPoints(const Container& data, PlotSeries& s) {
    for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
        s.x.append(it->mainKey());
        s.y.append(it->mainValue());
    }
}

}  // namespace

QList<PlotSeries> PlotData::collect(QCustomPlot* plot) {
    QList<PlotSeries> out;
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* p = plot->plottable(i);
        if (!p->visible() || qobject_cast<QCPErrorBars*>(p)) continue;
        // Empty graphs only carry legend entries; nothing of them is drawn.
        if (p->interface1D() && p->interface1D()->dataCount() == 0) continue;
        PlotSeries s = describe(p, i);
        if (auto* g = qobject_cast<QCPGraph*>(p)) {
            readPoints(g->data(), s);
        } else if (auto* b = qobject_cast<QCPBars*>(p)) {
            readPoints(b->data(), s);
            if (auto text = b->keyAxis()->ticker().dynamicCast<QCPAxisTickerText>()) {
                for (double x : s.x) s.xLabels.append(text->ticks().value(x));
            }
        } else {
            continue;
        }
        if (QCPErrorBars* eb = errorBarsFor(plot, p)) {
            const auto data = eb->data();
            for (int k = 0; k < s.x.size(); ++k)
                s.yError.append(k < data->size() ? data->at(k).errorPlus : std::nan(""));
        }
        out.append(s);
    }
    return out;
}

namespace {
QString textElement(QCustomPlot* plot, const QString& name) {
    QCPLayoutGrid* layout = plot->plotLayout();
    for (int row = 0; row < std::min(2, layout->rowCount()); ++row) {
        auto* text = qobject_cast<QCPTextElement*>(layout->element(row, 0));
        if (text && text->objectName() == name) return text->text();
    }
    return QString();
}
}  // namespace

QString PlotData::title(QCustomPlot* plot) { return textElement(plot, QStringLiteral("title")); }

QString PlotData::subtitle(QCustomPlot* plot) { return textElement(plot, QStringLiteral("subtitle")); }

QString PlotData::toCsv(const QList<PlotSeries>& series) {
    QString csv = QStringLiteral("series,x,y,y_error,x_label\n");
    for (const PlotSeries& s : series) {
        const QString name = csvField(s.name);
        for (int i = 0; i < s.x.size(); ++i) {
            csv += name + QLatin1Char(',') + csvNumber(s.x[i]) + QLatin1Char(',') + csvNumber(s.y[i]) +
                   QLatin1Char(',') + (i < s.yError.size() ? csvNumber(s.yError[i]) : QString()) + QLatin1Char(',') +
                   (i < s.xLabels.size() ? csvField(s.xLabels[i]) : QString()) + QLatin1Char('\n');
        }
    }
    return csv;
}

QJsonObject PlotData::toJson(const QString& id, const QString& title, const QList<PlotSeries>& series) {
    QJsonArray arr;
    for (const PlotSeries& s : series) {
        QJsonObject o{{QStringLiteral("name"), s.name},       {QStringLiteral("x_axis"), s.xAxis},
                      {QStringLiteral("y_axis"), s.yAxis},    {QStringLiteral("x_log"), s.xLog},
                      {QStringLiteral("y_log"), s.yLog},      {QStringLiteral("x"), jsonNumbers(s.x)},
                      {QStringLiteral("y"), jsonNumbers(s.y)}};
        if (!s.yError.isEmpty()) o.insert(QStringLiteral("y_error"), jsonNumbers(s.yError));
        if (!s.xLabels.isEmpty()) o.insert(QStringLiteral("x_labels"), QJsonArray::fromStringList(s.xLabels));
        arr.append(o);
    }
    return QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("title"), title}, {QStringLiteral("series"), arr}};
}

}  // namespace ctscope::ui

namespace ctscope::ui {

QJsonObject PlotData::toJson(const QString& id, QCustomPlot* plot) {
    QJsonObject o = toJson(id, title(plot), collect(plot));
    o.insert(QStringLiteral("subtitle"), subtitle(plot));
    return o;
}

}  // namespace ctscope::ui
