#include "core/report/efficiency_frontier.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

namespace ctscope {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool sameArm(const EfficiencyRow& a, const EfficiencyRow& b) {
    return a.arm == b.arm && a.basis == b.basis && a.param == b.param;
}
} // namespace

EfficiencyFrontier efficiencyFrontier(const EfficiencyTable& table, const std::vector<RunResult>& runs,
                                      const SpectrumStats* universal, long long modelParams) {
    EfficiencyFrontier f;
    f.defined = table.baselineLearns;
    f.note = table.note;
    std::vector<EfficiencyRow> rows;
    for (const EfficiencyRow& r : table.rows)
        if (r.arm != Arm::Full) rows.push_back(r);
    std::sort(rows.begin(), rows.end(), [](const EfficiencyRow& a, const EfficiencyRow& b) {
        return std::make_tuple(int(a.arm), int(a.param), int(a.basis), a.k) <
               std::make_tuple(int(b.arm), int(b.param), int(b.basis), b.k);
    });
    const double gain = table.l0 - table.fullMean;
    for (size_t i = 0; i < rows.size(); ++i) {
        const EfficiencyRow& r = rows[i];
        EfficiencyFrontierRow fr;
        fr.row = r;
        for (const RunResult& run : runs) {
            const RunSpec& s = run.spec;
            const bool match = s.arm == r.arm && s.k == r.k && s.lr == r.bestLr &&
                               (r.arm != Arm::Amp || (s.basis == r.basis && s.param == r.param));
            if (match && run.completed && std::isfinite(run.finalLoss) && table.baselineLearns)
                fr.perSeed.push_back((table.l0 - run.finalLoss) / gain);
        }
        fr.energy = universal && r.arm == Arm::Amp ? universal->energyAt(r.k) : kNaN;
        fr.trainablePct = modelParams > 0 ? 100.0 * double(r.trainable) / double(modelParams) : kNaN;
        fr.paramsPerPoint = r.defined && r.mean > 0 ? double(r.trainable) / (100.0 * r.mean) : kNaN;
        fr.marginalPerK = kNaN;
        if (i > 0 && sameArm(rows[i - 1], r) && r.defined && r.k != rows[i - 1].k)
            fr.marginalPerK = (r.mean - rows[i - 1].mean) / double(r.k - rows[i - 1].k);
        f.rows.push_back(std::move(fr));
    }
    for (size_t i = 0; i < f.rows.size(); ++i) {
        const EfficiencyRow& r = f.rows[i].row;
        if (r.arm != Arm::Amp) continue;
        auto it = std::find_if(f.kMin.begin(), f.kMin.end(), [&](const KMin& m) {
            return m.arm == r.arm && m.basis == r.basis && m.param == r.param;
        });
        if (it == f.kMin.end()) {
            f.kMin.push_back(KMin{r.arm, r.basis, r.param, 0, ""});
            it = f.kMin.end() - 1;
        }
        const auto& seeds = f.rows[i].perSeed;
        const bool allAbove = !seeds.empty() && std::all_of(seeds.begin(), seeds.end(), [](double e) { return e > 0; });
        if (it->k == 0 && allAbove) it->k = r.k;
    }
    for (KMin& m : f.kMin)
        m.text = !f.defined ? "K_min undefined: the baseline does not learn"
                 : m.k > 0  ? "K_min = " + std::to_string(m.k)
                            : "no K has efficiency > 0 in every seed";
    return f;
}

} // namespace ctscope
