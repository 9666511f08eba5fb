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
    int runsPlanned = 0;          ///< runs of this arm in the grid (lrs × seeds)
    int runsDone = 0;             ///< of them, completed
    /// Every planned lr × seed of this arm and of the full baseline is done:
    /// the point is final. Otherwise it is provisional (a partial grid).
    bool complete = false;

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

/// One arm of a sweep's plan: the learning rates it tries, each over
/// seeds 0 … seeds−1.
struct PlannedGrid {
    RunSpec spec;  ///< arm, basis, param, k, matchK (seed and lr unused)
    std::vector<double> lrs;
    int seeds = 1;
};

/// Builds the table from finished runs (any order). Runs with the same arm,
/// basis, param and K but different lr are grouped; the lr with the lowest
/// mean final loss is reported. Rows are marked complete against the grid
/// inferred from the runs (every lr seen in a run of the same arm kind,
/// every seed seen in any run).
EfficiencyTable computeEfficiency(const std::vector<RunResult>& runs);
/// The same, with completeness judged against the sweep's own plan (an
/// empty `plan`: inferred as above).
EfficiencyTable computeEfficiency(const std::vector<RunResult>& runs, const std::vector<PlannedGrid>& plan);

/// The one definition every displayed efficiency uses: (L₀ − L_run) /
/// (L₀ − L_full) with the table's L₀ (the unchanged model's held-out loss,
/// also for reconstruct runs, which start elsewhere) and baseline mean.
/// NaN when the baseline does not learn or the run did not complete.
/// A row's mean is the mean of this over the seeds at its best lr.
double runEfficiency(const RunResult& run, const EfficiencyTable& table);

/// The plan recorded in DIR/sweep.json ("arms" and options.seeds), or in
/// its first shard's when DIR holds shards; empty when none can be read.
std::vector<PlannedGrid> readSweepPlan(const std::string& dir);

} // namespace ctscope
