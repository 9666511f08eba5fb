#include "core/report/efficiency.h"

#include "core/report/metrics_io.h"
#include "core/report/sweep_record.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
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

bool sameLr(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }

/// The grid each arm key needs, from the plan or, without one, from the runs.
std::map<ArmKey, PlannedGrid> gridsFor(const std::vector<RunResult>& runs, const std::vector<PlannedGrid>& plan) {
    std::map<ArmKey, PlannedGrid> grids;
    if (!plan.empty()) {
        for (const PlannedGrid& g : plan) grids[keyOf(g.spec)] = g;
        return grids;
    }
    std::map<int, std::set<double>> lrsOfKind;
    int seeds = 0;
    for (const RunResult& r : runs) {
        lrsOfKind[static_cast<int>(r.spec.arm)].insert(r.spec.lr);
        seeds = std::max(seeds, r.spec.seed + 1);
    }
    for (const RunResult& r : runs) {
        PlannedGrid& g = grids[keyOf(r.spec)];
        g.spec = r.spec;
        const auto& lrs = lrsOfKind[static_cast<int>(r.spec.arm)];
        g.lrs.assign(lrs.begin(), lrs.end());
        g.seeds = seeds;
    }
    return grids;
}

/// Completed runs of `grid` (each planned lr × seed counted once).
int doneIn(const PlannedGrid& grid, const std::vector<RunResult>& runs) {
    const ArmKey key = keyOf(grid.spec);
    int done = 0;
    for (double lr : grid.lrs)
        for (int seed = 0; seed < grid.seeds; ++seed) {
            const bool found = std::any_of(runs.begin(), runs.end(), [&](const RunResult& r) {
                return r.completed && std::isfinite(r.finalLoss) && r.spec.seed == seed && sameLr(r.spec.lr, lr) &&
                       keyOf(r.spec) == key;
            });
            done += found ? 1 : 0;
        }
    return done;
}

std::string fmt(double v) {
    std::ostringstream o;
    o.precision(4);
    o << std::fixed << v;
    return o.str();
}

} // namespace

double runEfficiency(const RunResult& run, const EfficiencyTable& table) {
    if (!table.baselineLearns || !run.completed || !std::isfinite(run.finalLoss)) return kNaN;
    const double gain = table.l0 - table.fullMean;
    if (!std::isfinite(gain) || gain <= 0) return kNaN;
    return (table.l0 - run.finalLoss) / gain;
}

EfficiencyTable computeEfficiency(const std::vector<RunResult>& runs) { return computeEfficiency(runs, {}); }

EfficiencyTable computeEfficiency(const std::vector<RunResult>& runs, const std::vector<PlannedGrid>& plan) {
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
            if (t.baselineLearns) e.push_back(runEfficiency(*r, t));
        }
        row.startLoss = mean(s);
        row.finalLoss = mean(f);
        row.n = static_cast<int>(g->runs.size());
        row.defined = t.baselineLearns;
        row.mean = row.defined ? mean(e) : kNaN;
        row.spread = row.defined ? sampleStd(e) : kNaN;
        t.rows.push_back(row);
    }

    // A point is final only when its whole grid is in, and the baseline's
    // too (every efficiency divides by the baseline's mean).
    const std::map<ArmKey, PlannedGrid> grids = gridsFor(runs, plan);
    bool baselineComplete = false;
    for (const auto& [key, grid] : grids)
        if (std::get<0>(key) == static_cast<int>(Arm::Full)) {
            const int planned = static_cast<int>(grid.lrs.size()) * grid.seeds;
            baselineComplete = planned > 0 && doneIn(grid, runs) == planned;
        }
    for (EfficiencyRow& row : t.rows) {
        const auto it = grids.find(keyOf(row.spec()));
        if (it == grids.end()) continue;
        row.runsPlanned = static_cast<int>(it->second.lrs.size()) * it->second.seeds;
        row.runsDone = doneIn(it->second, runs);
        row.complete = row.runsPlanned > 0 && row.runsDone == row.runsPlanned &&
                       (row.arm == Arm::Full || baselineComplete);
    }
    return t;
}

std::vector<PlannedGrid> readSweepPlan(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> candidates{dir};
    std::error_code ec;
    const fs::path shards = fs::path(dir) / "shards";
    if (fs::is_directory(shards, ec)) {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(shards, ec)) names.push_back(e.path().string());
        std::sort(names.begin(), names.end());
        candidates.insert(candidates.end(), names.begin(), names.end());
    }
    for (const std::string& d : candidates) {
        const auto j = readSweepJson(d);
        if (!j || !j->contains("arms") || !(*j)["arms"].is_array()) continue;
        std::vector<PlannedGrid> plan;
        try {
            int seeds = 1;
            if (j->contains("options") && (*j)["options"].contains("seeds")) seeds = (*j)["options"]["seeds"].get<int>();
            for (const auto& a : (*j)["arms"]) {
                PlannedGrid g;
                const auto arm = armFromName(a.value("arm", std::string()));
                if (!arm) throw std::runtime_error("unknown arm");
                g.spec.arm = *arm;
                g.spec.k = a.value("k", 0);
                g.spec.matchK = a.value("match_k", 0);
                if (*arm == Arm::Amp) {
                    const auto basis = basisFromName(a.value("basis", std::string()));
                    const auto param = ampParamFromName(a.value("param", std::string()));
                    if (!basis || !param) throw std::runtime_error("unknown basis or param");
                    g.spec.basis = *basis;
                    g.spec.param = *param;
                }
                g.lrs = a.value("lr_grid", std::vector<double>{});
                g.seeds = std::max(1, seeds);
                plan.push_back(g);
            }
        } catch (const std::exception&) {
            continue;  // a record from another version: infer the grid instead
        }
        return plan;
    }
    return {};
}

} // namespace ctscope
