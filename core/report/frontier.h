#pragma once
/// The papers' tables from one SpectralAnalysis: the compression frontier,
/// the attention-vs-MLP summary and per-type K budgets (docs/definitions.md).
#include "core/spectral/spectral_analysis.h"

#include <string>
#include <vector>

namespace ctscope {

struct FrontierRow {
    int k = 0;
    double kOverD = 0;          ///< K/d
    double energy = 0;          ///< universal E_u(K)
    double compression = 0;     ///< d/K
    double r2UniversalMean = 0; ///< mean over types of R²_t(K), universal basis
    double r2TypeMean = 0;      ///< same, per-type basis
    double gain = 0;            ///< r2TypeMean / r2UniversalMean
};

/// Default K list: powers of two up to d, plus the universal K50 and K90.
std::vector<int> defaultFrontierKs(const SpectralAnalysis& a);
std::vector<FrontierRow> compressionFrontier(const SpectralAnalysis& a, const std::vector<int>& ks);

struct GroupSummary {
    double pr = 0, k90 = 0, r2Type = 0;  ///< means over the group's types; r2Type at `k`
    int types = 0;
};
struct GroupComparison {
    int k = 0;
    GroupSummary attention;  ///< q, k, v, o
    GroupSummary mlp;        ///< gate, up, down
    double mlpOverAttentionPr = 0, mlpOverAttentionK90 = 0;
};
GroupComparison compareGroups(const SpectralAnalysis& a, int k);

struct BudgetType {
    MatrixType type = Role::Q;
    int k = 0;
    double r2 = 0;         ///< R²_t(K_t) under the per-type basis
    long long params = 0;  ///< Σ_W rows_W·K_t + K_t·d
    long long original = 0;
};
struct Budget {
    std::string rule;      ///< "tau=0.9" or "k=32"
    double tau = 0;        ///< 0 for a fixed-K rule
    std::vector<BudgetType> types;
    long long params = 0, original = 0;
    double fraction = 0;
};
/// Per type the smallest K_t with E_t(K_t) ≥ tau.
Budget energyBudget(const SpectralAnalysis& a, double tau);
/// The same K for every type (clamped to d).
Budget fixedBudget(const SpectralAnalysis& a, int k);

} // namespace ctscope
