#pragma once
/// The one publication style shared by every ctscope figure, on screen and in
/// exported files: the Okabe–Ito colour-blind-safe palette, fonts sized in
/// pixels at 96 px per inch (so a figure exported 3.5 in wide keeps 8–10 pt
/// text), thin black axes, light grids and compact legends.
/// All functions are for the GUI thread only.
#include "core/format/tensor_role.h"
#include "core/report/figure.h"

#include <QColor>
#include <QFont>
#include <QPen>
#include <QString>
#include <QVector>

class QCustomPlot;
class QCPGraph;
class QCPAxis;
class QCPAxisRect;
class QCPItemStraightLine;
class QCPLegend;

namespace ctscope::ui {

class PlotStyle {
public:
    /// Logical pixels per inch of every plot layout; export scales from it.
    static constexpr double kPixelsPerInch = 96.0;
    /// Font sizes in points at print size.
    static constexpr double kTickPt = 8.0;
    static constexpr double kLabelPt = 9.0;
    static constexpr double kLegendPt = 8.0;
    static constexpr double kTitlePt = 10.0;

    /// The eight Okabe–Ito colours, most legible on white first (cyclic).
    static QColor okabeIto(int i);
    /// A fixed colour per matrix type, the same in every view.
    static QColor typeColor(MatrixType t);
    /// Attention types solid, MLP types dashed, embed/head dotted.
    static QPen typePen(MatrixType t, double width = 1.6);
    /// Thick black: the universal basis / the full fine-tuning baseline.
    static QPen referencePen(double width = 2.4);
    /// A sequential ramp in the hue of `base`: t = 0 light, t = 1 dark (for K
    /// within a basis: small K light, large K dark).
    static QColor sequentialRamp(const QColor& base, double t);
    /// Where `value` sits between `lo` and `hi` on a log scale, in [0, 1]
    /// (1 when the range is empty).
    static double rampPosition(double value, double lo, double hi);
    /// A pen for the i-th of several overlaid series (colour, then dash).
    static QPen seriesPen(int i, double width = 1.6);
    /// The matrices to draw: `requested` without indices outside [0, count), cut to `maxCurves`.
    static QVector<int> curvesToDraw(const QVector<int>& requested, int count, int maxCurves);
    /// True when every curve has a type of its own, so curves are coloured by type
    /// (else by position). `types` holds each curve's type, in curve order.
    static bool colourByType(const QVector<MatrixType>& types);
    static QString typeLabel(MatrixType t);
    static bool isAttention(MatrixType t);
    static bool isMlp(MatrixType t);

    /// A font of `pt` points at print size, set in pixels so that layout and
    /// export agree on every paint device.
    static QFont font(double pt, bool bold = false);

    /// Applies the base style to a plot and its default axis rect: white
    /// background, fonts, grids, legend look, drag/zoom with the mouse.
    static void apply(QCustomPlot* plot);
    /// Styles one (extra) axis rect like the default one.
    static void styleAxisRect(QCPAxisRect* rect);
    static void styleLegend(QCPLegend* legend);
    /// Moves the plot's legend out of the axis rect into a centred row below
    /// the plot, without a frame, `columns` entries per row (0: one row), so
    /// that it never covers data and still fits a single-column figure.
    static void placeLegendBelow(QCustomPlot* plot, int columns = 0);
    /// Gives every legend entry a little room below its text (QCustomPlot
    /// sizes entries to the font's height and clips descenders otherwise).
    /// Call after adding plottables.
    static void polishLegend(QCustomPlot* plot);
    /// Changes the entries per row of a legend placed below.
    static void setLegendColumns(QCustomPlot* plot, int columns);
    /// A short bold title and, when given, a smaller grey subtitle line (the
    /// model's name) above the plot. Idempotent: updates existing rows.
    static void setTitle(QCustomPlot* plot, const QString& title, const QString& subtitle = QString());

    /// Log axis with powers of ten shown as 10ⁿ.
    static void setLogAxis(QCPAxis* axis);
    /// Log axis with ticks at 1, 2, 4, … up to `maxValue` (for K and ranks).
    static void setLog2Axis(QCPAxis* axis, double maxValue);
    static void setLinearAxis(QCPAxis* axis);
    /// An efficiency-vs-K plot's view: K from 0.7 to 1.4·maxK, efficiency (%)
    /// from −10 to 115 widened to every graph's values ± 15.
    static void fitEfficiencyRange(QCustomPlot* plot, double maxK);
    /// One efficiency-vs-K series: a line with circles in `pen`, and error
    /// bars of ± `err` (s.d. over seeds) kept out of the legend. Points and
    /// their errors are sorted by K together (any input order). `hollow`:
    /// open circles, for provisional points.
    static QCPGraph* addEfficiencySeries(QCustomPlot* plot, const QString& name, const QPen& pen,
                                         const QVector<double>& k, const QVector<double>& efficiency,
                                         const QVector<double>& err, bool hollow = false);

    /// A grey hint in the middle of an empty plot ("Open a checkpoint…");
    /// an empty `text` hides it. Survives nothing: clearItems() removes it.
    static void setPlaceholder(QCustomPlot* plot, const QString& text);
    /// Labels for horizontal guides, written outside the plot on the right
    /// axis of the plot's axis rect (so they never collide with data). The
    /// right axis follows the left one's range.
    static void setGuideLabels(QCustomPlot* plot, const QList<QPair<double, QString>>& labels);
    /// A dashed grey horizontal line at `y` on `rect`, with a small label at
    /// its left end when `label` is given. Items are not data: they are left
    /// out of CSV exports.
    static QCPItemStraightLine* addHorizontalGuide(QCustomPlot* plot, QCPAxisRect* rect, double y,
                                                   const QString& label);
};

}  // namespace ctscope::ui
