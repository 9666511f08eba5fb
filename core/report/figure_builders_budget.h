#pragma once
/// Builders of the K budget figures (ui/budget_view): the parameter fraction
/// over the whole rule range with the current rule marked, and K_t per type.
/// Every number comes from energyBudget / fixedBudget (core/report/frontier.h).
/// A null analysis gives the figure's empty state. Pure functions: any thread.
#include "core/report/figure.h"
#include "core/report/frontier.h"
#include "core/spectral/spectral_analysis.h"

#include <string>

namespace ctscope {

/// Which per-type K rule a budget figure shows.
struct BudgetRule {
    bool energy = true;  ///< true: K_t from τ; false: one fixed K for every type
    double tau = 0.9;    ///< energy threshold, used when `energy`
    int fixedK = 32;     ///< used when not `energy`
};

/// τ values of the fraction curve: 0.05, 0.06, …, 0.99 (the view's slider steps).
constexpr int kBudgetTauMinPercent = 5;
constexpr int kBudgetTauMaxPercent = 99;

/// The budget a rule gives: energyBudget(a, tau) or fixedBudget(a, fixedK).
Budget budgetFor(const SpectralAnalysis& a, const BudgetRule& rule);

/// The fraction figure's "current rule" series: one point at the rule's τ
/// (or K) and the fraction its budget keeps.
FigureSeries budgetCurrentRuleSeries(const SpectralAnalysis& a, const BudgetRule& rule);

/// "budget_fraction": series "K_t from τ" (x = τ, 0.05..0.99 in steps of 0.01)
/// or "fixed K" (x = K = 1..d), y = compressed / original parameters; series
/// "current rule": one point at the rule's τ or K; a guide at 1 ("original").
FigureModel budgetFractionFigure(const SpectralAnalysis* a, const BudgetRule& rule, const std::string& modelName);

/// "budget_k": bars "K_t", one per type of `budget` at x = 1, 2, … with the
/// type's name as the x label; the subtitle names the rule.
FigureModel budgetKFigure(const SpectralAnalysis* a, const Budget& budget, const BudgetRule& rule);

}  // namespace ctscope
