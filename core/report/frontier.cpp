#include "core/report/frontier.h"

#include "core/report/matrix_group.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ctscope {

std::vector<int> defaultFrontierKs(const SpectralAnalysis& a) {
    std::vector<int> ks;
    for (int k = 1; k <= a.dModel; k *= 2) ks.push_back(k);
    if (ks.empty() || ks.back() != a.dModel) ks.push_back(a.dModel);
    ks.push_back(a.universal.k50);
    ks.push_back(a.universal.k90);
    std::sort(ks.begin(), ks.end());
    ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
    ks.erase(std::remove_if(ks.begin(), ks.end(), [&](int k) { return k < 1 || k > a.dModel; }), ks.end());
    return ks;
}

std::vector<FrontierRow> compressionFrontier(const SpectralAnalysis& a, const std::vector<int>& ks) {
    std::vector<FrontierRow> rows;
    for (int k0 : ks) {
        const int k = std::clamp(k0, 1, a.dModel);
        FrontierRow r;
        r.k = k;
        r.kOverD = static_cast<double>(k) / a.dModel;
        r.energy = a.universal.energyAt(k);
        r.compression = static_cast<double>(a.dModel) / k;
        for (const TypeResult& t : a.types) {
            r.r2UniversalMean += t.r2Universal[static_cast<size_t>(k - 1)];
            r.r2TypeMean += t.r2Type[static_cast<size_t>(k - 1)];
        }
        if (!a.types.empty()) {
            r.r2UniversalMean /= static_cast<double>(a.types.size());
            r.r2TypeMean /= static_cast<double>(a.types.size());
        }
        r.gain = r.r2UniversalMean > 0 ? r.r2TypeMean / r.r2UniversalMean : 0.0;
        rows.push_back(r);
    }
    return rows;
}

GroupComparison compareGroups(const SpectralAnalysis& a, int k0) {
    GroupComparison g;
    g.k = std::clamp(k0, 1, std::max(1, a.dModel));
    for (const TypeResult& t : a.types) {
        const MatrixGroup group = matrixGroup(t.type);
        if (group == MatrixGroup::Embedding) continue;
        GroupSummary* s = group == MatrixGroup::Attention ? &g.attention : &g.mlp;
        s->pr += t.spectrum.pr;
        s->k90 += t.spectrum.k90;
        s->r2Type += t.r2Type[static_cast<size_t>(g.k - 1)];
        s->types += 1;
    }
    for (GroupSummary* s : {&g.attention, &g.mlp})
        if (s->types > 0) s->pr /= s->types, s->k90 /= s->types, s->r2Type /= s->types;
    g.mlpOverAttentionPr = g.attention.pr > 0 ? g.mlp.pr / g.attention.pr : 0.0;
    g.mlpOverAttentionK90 = g.attention.k90 > 0 ? g.mlp.k90 / g.attention.k90 : 0.0;
    return g;
}

namespace {

Budget budget(const SpectralAnalysis& a, const std::string& rule, double tau, int fixedK) {
    Budget b;
    b.rule = rule;
    b.tau = tau;
    const long long d = a.dModel;
    for (const TypeResult& t : a.types) {
        BudgetType bt;
        bt.type = t.type;
        bt.k = fixedK > 0 ? std::clamp(fixedK, 1, a.dModel) : t.spectrum.kAt(tau);
        bt.r2 = t.r2Type[static_cast<size_t>(bt.k - 1)];
        bt.params = t.otherSideSum * bt.k + bt.k * d;
        bt.original = t.otherSideSum * d;
        b.params += bt.params;
        b.original += bt.original;
        b.types.push_back(bt);
    }
    b.fraction = b.original > 0 ? static_cast<double>(b.params) / static_cast<double>(b.original) : 0.0;
    return b;
}

} // namespace

Budget energyBudget(const SpectralAnalysis& a, double tau) {
    char rule[32];
    std::snprintf(rule, sizeof rule, "tau=%g", tau);
    return budget(a, rule, tau, 0);
}

Budget fixedBudget(const SpectralAnalysis& a, int k) { return budget(a, "k=" + std::to_string(k), 0.0, k); }

} // namespace ctscope
