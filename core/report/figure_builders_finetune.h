#pragma once
/// Builders of a fine-tuning sweep's figures (ui/finetune_plots): training and
/// held-out loss vs step, and efficiency vs K. The loss figures take the step
/// records of metrics.jsonl (metrics_io.h) gathered in FinetuneCurves; the
/// efficiency figure takes the table of computeEfficiency (efficiency.h), the
/// one place an efficiency is worked out. Pure functions: any thread.
///
/// Style keys: {"finetune", ARM} with ARM "full" (thick black), "lora"
/// (dash-dot), "universal", "type", "random" (one hue per basis) or
/// "provisional" (the grey legend key of hollow points); "ARM:t" puts the
/// colour at t‰ (0 … 1000, an integer) on the basis' sequential ramp over K
/// (0 light, small K; 1000 dark, large K). Variant "reconstruct" dashes the W = S·B arms,
/// "faint" draws context (other learning rates, the raw curve behind a
/// smoothed one), "filled" marks final efficiency points.
#include "core/report/efficiency.h"
#include "core/report/figure.h"
#include "core/train/finetune_types.h"

#include <map>
#include <string>
#include <vector>

namespace ctscope {

/// The loss records of a sweep, by run id: training loss per step (steps ≥ 1,
/// finite only) and held-out loss per step (step 0 included). A later record
/// of the same run and step replaces the earlier one.
struct FinetuneCurves {
    struct Run {
        RunSpec spec;
        std::map<int, double> train;
        std::map<int, double> heldOut;
    };
    std::map<std::string, Run> runs;

    void add(const std::vector<StepMetrics>& steps);
    /// Training-loss records over all runs.
    int trainPointCount() const;
};

enum class LossKind { Train, HeldOut };

struct LossFigureOptions {
    LossKind which = LossKind::Train;
    double smoothing = 0.0;         ///< TensorBoard EMA weight (smoothing.h); 0: raw
    bool allLearningRates = false;  ///< also the lrs that were not the best (faint)
};

/// "full", "LoRA", "amp · universal", "amp · type · reconstruct", … (the Runs table's arm column).
std::string finetuneArmLabel(const RunSpec& spec);
/// The name of an arm's mean curve at `lr`, e.g.
/// "amp · universal · reconstruct K=16, lr 1e-2 (mean of 3 seeds)".
std::string finetuneCurveName(const RunSpec& spec, double lr, int seeds);
/// "n/N runs" of a provisional row's grid, with the baseline's count when the
/// arm is all in but the full baseline is not ("4/4 runs, baseline 2/4");
/// empty without a plan.
std::string finetuneRunsInLabel(const EfficiencyRow& row, const EfficiencyTable& table);

/// "finetune_loss" / "finetune_heldout": per arm (arm, basis, param, K) its
/// best lr — the table's bestLr, or before the table has the arm the lr with
/// the lowest mean last held-out loss so far — as the mean over seeds at
/// every step (named finetuneCurveName), smoothed, with a ± sample s.d. band
/// (smoothed too) when there are several seeds; with smoothing, the raw mean
/// faint behind ("… (raw)"); the other lrs faint on request ("… (not the best
/// lr)"). Full baseline curves come last (drawn on top). One empty legend
/// series per arm category. Empty curves: the placeholder.
FigureModel finetuneLossFigure(const FinetuneCurves& curves, const EfficiencyTable& table,
                               const LossFigureOptions& options);

/// "finetune_efficiency": one series per arm / basis / parametrisation, x =
/// the K drawn at (LoRA: the matched amp K), y = 100·row.mean, y_error =
/// 100·row.spread, sorted by K; final points in the series, provisional ones
/// (EfficiencyRow::complete false) in "… (provisional)" markers. Guides at
/// 100 ("full FT") and 0 ("no learning"). Log-2 K axis.
FigureModel finetuneEfficiencyFigure(const EfficiencyTable& table);

/// A text beside one point of a figure, in plot coordinates.
struct FigurePointLabel {
    double x = 0;
    double y = 0;
    std::string text;
};

/// The "n/N runs" label of every provisional efficiency point, at the point.
std::vector<FigurePointLabel> finetuneEfficiencyLabels(const EfficiencyTable& table);

}  // namespace ctscope
