#pragma once
/// The data a QCustomPlot actually shows, read back from its plottables, so
/// that CSV and JSON exports hold exactly the plotted series (after any
/// filtering or normalisation a view applied). GUI thread only.
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVector>

class QCustomPlot;

namespace ctscope::ui {

/// One plotted series. `yError` is empty unless error bars are attached;
/// `xLabels` is empty unless the x axis shows text ticks (bar charts).
struct PlotSeries {
    QString name;
    QString xAxis;  ///< axis label, with units
    QString yAxis;
    bool xLog = false;
    bool yLog = false;
    QVector<double> x;
    QVector<double> y;
    QVector<double> yError;
    QStringList xLabels;
};

class PlotData {
public:
    /// Every visible graph and bar series of `plot`, in drawing order. Error
    /// bars are folded into the series they belong to; items (guides, text)
    /// are not data and are left out.
    static QList<PlotSeries> collect(QCustomPlot* plot);
    /// The plot's title and subtitle (PlotStyle::setTitle), or empty strings.
    static QString title(QCustomPlot* plot);
    static QString subtitle(QCustomPlot* plot);

    /// Long-format CSV: header `series,x,y,y_error,x_label`, one row per point.
    static QString toCsv(const QList<PlotSeries>& series);
    /// {"id", "title", "series": [{name, x_axis, y_axis, x_log, y_log, x, y, y_error?, x_labels?}]}
    static QJsonObject toJson(const QString& id, const QString& title, const QList<PlotSeries>& series);
    /// The same for a plot: its title, subtitle (the model) and every series.
    static QJsonObject toJson(const QString& id, QCustomPlot* plot);
};

}  // namespace ctscope::ui
