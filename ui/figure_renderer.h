#pragma once
/// Draws a core FigureModel into a QCustomPlot: axes (linear, log, log-2,
/// text ticks), series (lines, markers, bars, error bars, bands), guides,
/// notes, title, legend and the default view range. Pens come from
/// StylePens::pen (ui/style_pens.h), the one map from semantic style keys to pens. The
/// plot holds no numbers of its own: exports read the model. GUI thread only.
#include "core/report/figure.h"

#include <QVector>

class QCustomPlot;
class QCPAbstractPlottable;
class QCPGraph;

namespace ctscope::ui {

class FigureRenderer {
public:
    /// Clears `plot`'s plottables and items and draws `figure`. Returns the
    /// plottable of each series, parallel to figure.series (a QCPGraph or
    /// QCPBars; null for a series that draws nothing).
    static QVector<QCPAbstractPlottable*> render(const FigureModel& figure, QCustomPlot* plot);
    /// Restores the figure's default axis ranges and queues a replot.
    static void applyRange(const FigureModel& figure, QCustomPlot* plot);
    /// The plottable of series `i` as a graph, or null.
    static QCPGraph* graphAt(const QVector<QCPAbstractPlottable*>& drawn, int i);
};

}  // namespace ctscope::ui
