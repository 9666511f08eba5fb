#include "ui/style_pens.h"

#include "ui/plot_style.h"

#include "core/format/tensor_role.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

namespace ctscope::ui {

QPen StylePens::pen(const StyleKey& style, SeriesKind kind) {
    QPen p = keyPen(style, kind);
    if (style.hasVariant("fit") || style.hasVariant("reconstruct")) p.setStyle(Qt::DashLine);
    if (style.hasVariant("mark")) p.setStyle(Qt::DotLine);
    if (style.hasVariant("faint")) {
        QColor c = p.color();
        c.setAlpha(70);
        p.setColor(c);
        p.setWidthF(std::min(p.widthF(), 1.2));
    }
    return p;
}

QPen StylePens::keyPen(const StyleKey& style, SeriesKind kind) {
    const double width = style.emphasised ? 2.4 : 1.6;
    const auto colourPen = [&](const QColor& c, double w) {
        QPen p(c, w);
        p.setCapStyle(Qt::FlatCap);
        return p;
    };
    if (style.key == "type") {
        const std::optional<Role> t = matrixTypeFromName(style.value);
        return t ? PlotStyle::typePen(*t, style.emphasised ? 2.8 : 1.6) : PlotStyle::seriesPen(0, width);
    }
    if (style.key == "series") return PlotStyle::seriesPen(std::atoi(style.value.c_str()), width);
    if (style.key == "reference") return PlotStyle::referencePen();
    // Blue for a type's own basis, orange for the universal one, in bars and curves alike.
    if (style.key == "basis")
        return colourPen(PlotStyle::okabeIto(style.value == "universal" ? 4 : 0),
                         kind == SeriesKind::Line ? 1.8 : width);
    if (style.key == "metric") return colourPen(PlotStyle::okabeIto(style.value == "k90" ? 3 : 2), width);
    if (style.key == "finetune") {  // figure_builders_finetune.h: "ARM" or "ARM:t" (t ‰ on the K ramp)
        const size_t colon = style.value.find(':');
        const std::string arm = style.value.substr(0, colon);
        if (arm == "full") return PlotStyle::referencePen(2.2);
        if (arm == "provisional") return colourPen(QColor(90, 90, 90), 1.2);
        const QColor base = PlotStyle::okabeIto(arm == "lora" ? 3 : arm == "universal" ? 0 : arm == "type" ? 1 : 2);
        QPen p = colourPen(colon == std::string::npos
                               ? base
                               : PlotStyle::sequentialRamp(base, std::atoi(style.value.c_str() + colon + 1) / 1000.0),
                           width);
        if (arm == "lora") p.setStyle(Qt::DashDotLine);
        return p;
    }
    // Overlaid checkpoints: checkpoint i in OverlayView::colorFor(i), solid in every plot.
    if (style.key == "checkpoint")
        return colourPen(PlotStyle::seriesPen(std::atoi(style.value.c_str())).color(),
                         kind == SeriesKind::Line ? 1.8 : width);
    // What a random subspace captures (the K/d diagonal): grey, dashed.
    if (style.key == "chance") {
        QPen p = colourPen(QColor(110, 110, 110), 1.4);
        p.setStyle(Qt::DashLine);
        return p;
    }
    // Heavy tails: "type:q" or a position, always solid (the fit's dash comes from its variant).
    if (style.key == "tail") {
        const std::optional<Role> t =
            style.value.rfind("type:", 0) == 0 ? matrixTypeFromName(style.value.substr(5)) : std::nullopt;
        QPen p = t ? PlotStyle::typePen(*t) : PlotStyle::seriesPen(std::atoi(style.value.c_str()));
        p.setStyle(Qt::SolidLine);
        p.setWidthF(style.hasVariant("fit") ? 2.0 : 1.6);
        return p;
    }
    // WeightWatcher's α, PR / d, K90 / d bars; the stacked α; the guide bands.
    if (style.key == "ww") {
        if (style.value == "stacked") return colourPen(Qt::black, width);
        return colourPen(PlotStyle::okabeIto(style.value == "pr" ? 1 : style.value == "k90" ? 2 : 0), width);
    }
    if (style.key == "ww_band")
        return colourPen(PlotStyle::okabeIto(style.value == "over" ? 1 : style.value == "typical" ? 2 : 0), width);
    return PlotStyle::seriesPen(0, width);
}

QPen StylePens::guidePen(const StyleKey& style) {
    return QPen(pen(style, SeriesKind::Bars).color().darker(115), 1.2, Qt::DashLine);
}

}  // namespace ctscope::ui
