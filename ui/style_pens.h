#pragma once
/// The one map from a figure series' semantic style key (core/report/figure.h)
/// to its pen, so that core's figures never name a colour and every view draws
/// an arm, a type or a checkpoint the same way. GUI thread only.
#include "core/report/figure.h"

#include <QPen>

namespace ctscope::ui {

class StylePens {
public:
    /// {"type", "q"} → PlotStyle::typePen, {"series", "3"} → seriesPen(3),
    /// {"reference", …} → referencePen, {"basis", "type"/"universal"} → blue/orange,
    /// {"metric", "pr"/"k90"} → green/purple, {"finetune", "full"} → thick black,
    /// {"finetune", "lora[:t]"} → reddish purple dash-dot, {"finetune",
    /// "universal|type|random[:t]"} → blue/vermillion/green, at t‰ on the
    /// sequentialRamp over K when given, {"finetune", "provisional"} → grey
    /// (core/report/figure_builders_finetune.h); {"checkpoint", "i"} → the
    /// i-th series colour; {"chance", …} → grey dashed (the K/d diagonal);
    /// {"tail", "type:q" | "i"} → heavy-tail curves; {"ww", "alpha" | "pr" |
    /// "k90" | "stacked"} and {"ww_band", "over" | "typical" | "under"} →
    /// WeightWatcher's α views. Emphasised styles are thicker. The key's
    /// variant roles then set the line: "fit"/"reconstruct" dashed, "mark"
    /// dotted, "faint" light and thin.
    static QPen pen(const StyleKey& style, SeriesKind kind = SeriesKind::Line);
    /// A dashed guide line in the colour of `style`.
    static QPen guidePen(const StyleKey& style);

private:
    /// The colour and width of a style key, before its variant roles.
    static QPen keyPen(const StyleKey& style, SeriesKind kind);
};

}  // namespace ctscope::ui
