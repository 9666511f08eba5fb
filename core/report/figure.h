#pragma once
/// The figure model: what a figure shows, as plain numbers, with no Qt and no
/// colours. Builders (figure_builders_*.h) make one from an analysis; ui/
/// renders it (FigureRenderer) and maps each series' semantic style key to a
/// pen in one place (PlotStyle). CSV and JSON of a figure are written from
/// this model, so an export holds exactly the numbers the builder chose.
/// Value types: any thread.
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace ctscope {

enum class AxisScale {
    Linear,
    Log,   ///< log10, ticks at powers of ten
    Log2,  ///< log, ticks at 1, 2, 4, … (for K and ranks)
};

/// One axis. `min`/`max` are the default view range (NaN: fit the data).
struct FigureAxis {
    std::string label;
    std::string unit;  ///< shown as "label (unit)" when not empty
    AxisScale scale = AxisScale::Linear;
    double min = std::numeric_limits<double>::quiet_NaN();
    double max = std::numeric_limits<double>::quiet_NaN();
    /// Largest value ticks are laid out for on a Log2 axis (0: from the range).
    double tickMax = 0;
    /// Text ticks (bar charts): position and label. Empty: numeric ticks.
    std::vector<std::pair<double, std::string>> textTicks;

    bool isLog() const { return scale != AxisScale::Linear; }
    /// The label with its unit, as axes and exports show it.
    std::string title() const;
};

enum class SeriesKind {
    Line,     ///< a polyline
    Markers,  ///< points only
    Bars,     ///< bars at x, grouped with the figure's other bar series
};

/// A semantic style: what a series is, never how it looks. Keys in use:
/// "type" (q, k, …, embed, head), "basis" (universal, type), "K" (a number),
/// "arm", "checkpoint", "series" (the i-th of several: "0", "1", …),
/// "metric" (pr, k90, …). ui/plot_style maps them to pens.
struct StyleKey {
    std::string key;
    std::string value;
    /// Drawn emphasised (thicker, larger markers).
    bool emphasised = false;
    /// Comma-separated roles that change the line, not the colour:
    /// "fit" (a fitted model: dashed), "reconstruct" (the W = S·B
    /// parametrisation: dashed), "mark" (a marker line: dotted), "faint"
    /// (context drawn light behind the data: other learning rates, the raw
    /// curve behind a smoothed one), "filled" (filled markers; markers are
    /// open circles otherwise, so a final point is filled and a provisional
    /// one, from a partial grid, is not). Empty: solid, full strength.
    std::string variant = {};
    bool hasVariant(const std::string& role) const;
    bool operator==(const StyleKey& o) const {
        return key == o.key && value == o.value && emphasised == o.emphasised && variant == o.variant;
    }
};

/// One series. `yError` (± s.d.) and `bandLow`/`bandHigh` (a shaded band)
/// are empty or as long as `x`; `xLabels` is empty unless x is categorical.
struct FigureSeries {
    std::string name;
    SeriesKind kind = SeriesKind::Line;
    StyleKey style;
    std::vector<double> x;
    std::vector<double> y;
    std::vector<double> yError;
    std::vector<double> bandLow;
    std::vector<double> bandHigh;
    std::vector<std::string> xLabels;
    bool inLegend = true;
    /// Index of the series these points belong to (e.g. K50/K90 marks on a
    /// curve), or -1. Renderers restyle both together.
    int attachedTo = -1;
};

/// A reference line (not data: left out of the CSV): horizontal at `y`, or
/// vertical at `x` when `vertical` (e.g. a fit's xmin).
struct FigureGuide {
    double y = 0;
    std::string label;  ///< written beside the plot; may be empty
    StyleKey style;     ///< empty key: the neutral grey guide
    bool vertical = false;
    double x = 0;
};

/// A text note placed in plot coordinates (x) at a fraction of the height (yFraction).
struct FigureNote {
    double x = 0;
    double yFraction = 0;
    std::string text;
};

struct FigureModel {
    std::string id;  ///< file-name-safe stem ("spectrum", "energy", …)
    std::string title;
    std::string subtitle;
    FigureAxis x;
    FigureAxis y;
    std::vector<FigureSeries> series;
    std::vector<FigureGuide> guides;
    std::vector<FigureNote> notes;
    /// Entries per legend row below the plot (0: one row).
    int legendColumns = 0;
    /// Shown in an empty figure ("Open a checkpoint…"); empty when there is data.
    std::string placeholder;

    /// The series named `name`, or null.
    const FigureSeries* find(const std::string& name) const;
};

/// Long-format CSV, one row per point: header `series,x,y,y_error,x_label`,
/// plus `,band_low,band_high` when any series has a band. Numbers are written
/// with 17 significant digits; NaN as an empty field.
std::string figureCsv(const FigureModel& f);

/// {"id", "title", "subtitle", "axes": {"x": {...}, "y": {...}}, "series":
/// [{name, x_axis, y_axis, x_log, y_log, kind, style, x, y, y_error?,
/// band_low?, band_high?, x_labels?}]} — the shape ui/plot_data wrote before,
/// with fields added. Non-finite numbers are null.
std::string figureJson(const FigureModel& f, int indent = 1);

/// A JSON document of several figures: {"generator": "ctscope", "figures": [...]}.
std::string figuresJson(const std::vector<FigureModel>& figures, int indent = 1);

}  // namespace ctscope
