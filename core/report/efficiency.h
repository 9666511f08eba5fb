#pragma once
/// Efficiency(K) = (L₀ − L_arm) / (L₀ − L_full) on held-out loss, with its
/// "undefined" rule. Torch-free: the UI recomputes it from metrics.jsonl.
#include "core/train/finetune_types.h"

#include <string>
#include <vector>

namespace ctscope {

struct EfficiencyRow {
    Arm arm = Arm::Amp;
    BasisKind basis = BasisKind::Universal;
    AmpParam param = AmpParam::Residual;
    int k = 0;                    ///< amp: K; lora: rank
    int matchK = 0;               ///< lora: the amp K its trainable count matches
    double bestLr = 0.0;          ///< lr chosen from the grid (best mean final loss)
    int64_t trainable = 0;
    double startLoss = 0.0;       ///< mean held-out loss before training
    double finalLoss = 0.0;       ///< mean held-out loss after training
    double mean = 0.0;            ///< efficiency mean over seeds (fraction, 1 = baseline)
    double spread = 0.0;          ///< sample std over seeds
    int n = 0;                    ///< seeds
    bool defined = false;         ///< false when the baseline does not learn

    /// The arm this row summarises (seed 0, lr 0).
    RunSpec spec() const {
        RunSpec s;
        s.arm = arm;
        s.basis = basis;
        s.param = param;
        s.k = k;
        s.matchK = matchK;
        return s;
    }
};

struct EfficiencyTable {
    double l0 = 0.0;              ///< held-out loss of the unchanged model
    double fullMean = 0.0;        ///< baseline's final held-out loss (mean over seeds)
    double fullSpread = 0.0;
    bool baselineLearns = false;
    std::string note;             ///< why efficiency is undefined, when it is
    std::vector<EfficiencyRow> rows;
};

/// Builds the table from finished runs (any order). Runs with the same arm,
/// basis, param and K but different lr are grouped; the lr with the lowest
/// mean final loss is reported.
EfficiencyTable computeEfficiency(const std::vector<RunResult>& runs);

} // namespace ctscope
