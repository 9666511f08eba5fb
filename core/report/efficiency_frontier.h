#pragma once
/// The efficiency frontier of a sweep (issue 6 §3): one row per arm, basis,
/// parametrisation and K, with the universal energy at K, parameters per
/// efficiency point and the marginal gain per unit K, plus K_min per arm.
#include "core/report/efficiency.h"
#include "core/spectral/spectrum_stats.h"

#include <string>
#include <vector>

namespace ctscope {

struct EfficiencyFrontierRow {
    EfficiencyRow row;                 ///< the efficiency table's row
    std::vector<double> perSeed;       ///< efficiency of each seed at the best lr
    double energy = 0;                 ///< universal E_u(K); NaN when unknown
    double trainablePct = 0;           ///< 100 · trainable / model parameters
    double paramsPerPoint = 0;         ///< trainable / (100 · efficiency); NaN if efficiency ≤ 0
    double marginalPerK = 0;           ///< Δefficiency / ΔK from the previous K of the same arm; NaN for the first
};

struct KMin {
    Arm arm = Arm::Amp;
    BasisKind basis = BasisKind::Universal;
    AmpParam param = AmpParam::Residual;
    int k = 0;                         ///< 0: no K is above 0 for every seed
    std::string text;                  ///< "K_min = 16" or "no K has efficiency > 0 in every seed"

    /// The amp arm this K_min belongs to (K, seed and lr unset).
    RunSpec spec() const {
        RunSpec s;
        s.arm = arm;
        s.basis = basis;
        s.param = param;
        return s;
    }
};

struct EfficiencyFrontier {
    std::vector<EfficiencyFrontierRow> rows;  ///< amp and lora rows, by arm then K
    std::vector<KMin> kMin;                   ///< one per amp (basis, param)
    bool defined = false;
    std::string note;
};

/// `universal` may be null (energy then NaN); modelParams ≤ 0 leaves trainablePct NaN.
EfficiencyFrontier efficiencyFrontier(const EfficiencyTable& table, const std::vector<RunResult>& runs,
                                      const SpectrumStats* universal, long long modelParams);

} // namespace ctscope
