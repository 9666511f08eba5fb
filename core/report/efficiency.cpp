#include "core/report/efficiency.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>

namespace ctscope {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// The baseline must beat L₀ by more than this (nats) and by more than its
/// seed spread before a ratio against it means anything.
constexpr double kMinBaselineGain = 1e-3;

using ArmKey = std::tuple<int, int, int, int, int>;  // arm, param, basis, k, matchK

ArmKey keyOf(const RunSpec& s) {
    if (s.arm != Arm::Amp) return {static_cast<int>(s.arm), 0, 0, s.k, s.matchK};
    return {static_cast<int>(s.arm), static_cast<int>(s.param), static_cast<int>(s.basis), s.k, 0};
}

double mean(const std::vector<double>& v) {
    if (v.empty()) return kNaN;
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

double sampleStd(const std::vector<double>& v) {
    if (v.size() < 2) return 0.0;
    const double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

struct LrGroup {
    double lr = 0;
    std::vector<const RunResult*> runs;
    double meanFinal() const {
        std::vector<double> f;
        for (const auto* r : runs) f.push_back(r->finalLoss);
        return mean(f);
    }
};

std::string fmt(double v) {
    std::ostringstream o;
    o.precision(4);
    o << std::fixed << v;
    return o.str();
}

} // namespace

EfficiencyTable computeEfficiency(const std::vector<RunResult>& runs) {
    // arm key → lr → runs (completed, finite final loss)
    std::map<ArmKey, std::map<double, LrGroup>> groups;
    std::map<ArmKey, RunSpec> specs;
    for (const RunResult& r : runs) {
        if (!r.completed || !std::isfinite(r.finalLoss)) continue;
        auto& g = groups[keyOf(r.spec)][r.spec.lr];
        g.lr = r.spec.lr;
        g.runs.push_back(&r);
        specs.emplace(keyOf(r.spec), r.spec);
    }

    auto bestGroup = [](const std::map<double, LrGroup>& byLr) -> const LrGroup* {
        const LrGroup* best = nullptr;
        for (const auto& [lr, g] : byLr)
            if (std::isfinite(g.meanFinal()) && (!best || g.meanFinal() < best->meanFinal())) best = &g;
        return best;
    };

    EfficiencyTable t;
    t.l0 = kNaN;
    t.fullMean = kNaN;
    // L₀ is the unchanged model's held-out loss: the start of any run that
    // begins from the unchanged weights (all but amp-reconstruct).
    std::vector<double> starts;
    for (const RunResult& r : runs)
        if (!(r.spec.arm == Arm::Amp && r.spec.param == AmpParam::Reconstruct) && std::isfinite(r.startLoss))
            starts.push_back(r.startLoss);
    t.l0 = mean(starts);

    const LrGroup* full = nullptr;
    for (const auto& [key, byLr] : groups)
        if (std::get<0>(key) == static_cast<int>(Arm::Full)) full = bestGroup(byLr);
    std::vector<double> fullFinals;
    if (full)
        for (const auto* r : full->runs) fullFinals.push_back(r->finalLoss);
    t.fullMean = mean(fullFinals);
    t.fullSpread = sampleStd(fullFinals);
    const double gain = t.l0 - t.fullMean;
    const double needed = std::max(t.fullSpread, kMinBaselineGain);
    t.baselineLearns = full && std::isfinite(gain) && gain > needed;
    if (!full) {
        t.note = "no completed full fine-tuning baseline: efficiency is undefined";
    } else if (!t.baselineLearns) {
        t.note = "the full fine-tuning baseline does not learn (L0 - L_full = " + fmt(gain) +
                 " nats, not above max(seed spread, 0.001) = " + fmt(needed) + "): efficiency is undefined";
    }

    for (const auto& [key, byLr] : groups) {
        const LrGroup* g = bestGroup(byLr);
        if (!g) continue;
        const RunSpec& spec = specs.at(key);
        EfficiencyRow row;
        row.arm = spec.arm;
        row.basis = spec.basis;
        row.param = spec.param;
        row.k = spec.k;
        row.matchK = spec.matchK;
        row.bestLr = g->lr;
        row.trainable = g->runs.front()->trainable;
        std::vector<double> s, f, e;
        for (const auto* r : g->runs) {
            s.push_back(r->startLoss);
            f.push_back(r->finalLoss);
            if (t.baselineLearns) e.push_back((t.l0 - r->finalLoss) / gain);
        }
        row.startLoss = mean(s);
        row.finalLoss = mean(f);
        row.n = static_cast<int>(g->runs.size());
        row.defined = t.baselineLearns;
        row.mean = row.defined ? mean(e) : kNaN;
        row.spread = row.defined ? sampleStd(e) : kNaN;
        t.rows.push_back(row);
    }
    return t;
}

} // namespace ctscope
