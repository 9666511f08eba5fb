#pragma once
/// The builder of the efficiency frontier view's figure: efficiency (%)
/// against K for each arm of a sweep, from core/report/efficiency_frontier.h.
/// Pure function: any thread.
#include "core/report/efficiency_frontier.h"
#include "core/report/figure.h"

#include <string>

namespace ctscope {

/// The style of an arm: {"finetune", "universal" | "type" | "random" | "lora"
/// | "full"} (the fine-tuning panel's key, so an arm looks the same in both),
/// variant "reconstruct" for amp's W = S·B parametrisation.
StyleKey efficiencyArmStyle(const RunSpec& spec);
/// Where a row is drawn: LoRA at the amp K its trainable count matches, amp at K.
int efficiencyPlotK(const EfficiencyRow& r);

/// What the figure is drawn from. `runs` counts the sweep's runs (0: no sweep yet).
struct EfficiencyFrontierFigureInput {
    const EfficiencyFrontier* frontier = nullptr;
    int runs = 0;
    std::string modelName;
};

/// "efficiency_frontier": per arm (series named by finetuneArmLabel (figure_builders_finetune.h), in name
/// order), 100·mean efficiency at efficiencyPlotK with ± 100·s.d. over seeds
/// (0 when undefined), and its points as an attached marker series (filled);
/// only defined, finite rows. Guides at 100 ("full FT") and 0 ("no
/// learning"), a vertical guide at each amp arm's K_min > 0. x on a log-2
/// axis up to the largest plotted K (64 without rows), from 0.7 to 1.4×;
/// y from −10 to 115, widened to every point ± 15. Placeholders: "No sweep
/// yet", "Efficiency undefined: the baseline does not learn", "Waiting for
/// finished runs…".
FigureModel efficiencyFrontierFigure(const EfficiencyFrontierFigureInput& in);

}  // namespace ctscope
