#include "core/report/figure_builders_budget.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace ctscope {

namespace {

std::string ruleText(const BudgetRule& rule) {
    if (!rule.energy) return "K = " + std::to_string(rule.fixedK);
    std::ostringstream out;
    out << "τ = " << std::fixed << std::setprecision(2) << rule.tau;
    return out.str();
}

}  // namespace

Budget budgetFor(const SpectralAnalysis& a, const BudgetRule& rule) {
    return rule.energy ? energyBudget(a, rule.tau) : fixedBudget(a, rule.fixedK);
}

FigureSeries budgetCurrentRuleSeries(const SpectralAnalysis& a, const BudgetRule& rule) {
    FigureSeries current;
    current.name = "current rule";
    current.kind = SeriesKind::Markers;
    current.style = {"series", "1", true};
    current.x = {rule.energy ? rule.tau : static_cast<double>(rule.fixedK)};
    current.y = {budgetFor(a, rule).fraction};
    return current;
}

FigureModel budgetFractionFigure(const SpectralAnalysis* a, const BudgetRule& rule, const std::string& modelName) {
    FigureModel f;
    f.id = "budget_fraction";
    f.title = "Parameters kept by the budget";
    f.subtitle = a ? modelName : std::string();
    f.y.label = "Compressed / original parameters";
    const int d = a ? std::max(2, a->dModel) : 64;
    if (rule.energy) {
        f.x.label = "Energy threshold τ";
        f.x.min = 0.0, f.x.max = 1.0;
    } else {
        f.x.label = "K (same for every type)";
        f.x.scale = AxisScale::Log2;
        f.x.tickMax = d;
        f.x.min = 0.85, f.x.max = d * 1.15;
    }
    f.y.min = 0.0, f.y.max = 1.1;
    if (!a) {
        f.placeholder = "Open a checkpoint to see its budgets";
        return f;
    }
    FigureSeries curve;
    curve.name = rule.energy ? "K_t from τ" : "fixed K";
    curve.style = {"series", "0"};
    if (rule.energy) {
        for (int v = kBudgetTauMinPercent; v <= kBudgetTauMaxPercent; ++v) {
            curve.x.push_back(v / 100.0);
            curve.y.push_back(energyBudget(*a, v / 100.0).fraction);
        }
    } else {
        for (int k = 1; k <= a->dModel; ++k) {
            curve.x.push_back(k);
            curve.y.push_back(fixedBudget(*a, k).fraction);
        }
    }
    for (double y : curve.y)
        if (std::isfinite(y)) f.y.max = std::max(f.y.max, y * 1.05);
    f.series = {curve, budgetCurrentRuleSeries(*a, rule)};
    f.guides = {{1.0, "original", {}}};
    return f;
}

FigureModel budgetKFigure(const SpectralAnalysis* a, const Budget& budget, const BudgetRule& rule) {
    FigureModel f;
    f.id = "budget_k";
    f.title = "K_t per type";
    f.y.label = "K_t (directions)";
    const size_t n = a ? budget.types.size() : 0;
    f.x.min = 0.4, f.x.max = static_cast<double>(std::max<size_t>(1, n)) + 0.6;
    f.y.min = 0.0, f.y.max = 1.18;
    if (!a) {
        f.placeholder = "Open a checkpoint to see its budgets";
        return f;
    }
    f.subtitle = ruleText(rule);
    FigureSeries bars;
    bars.name = "K_t";
    bars.kind = SeriesKind::Bars;
    bars.style = {"series", "0"};
    bars.inLegend = false;
    int top = 1;
    for (size_t i = 0; i < n; ++i) {
        const BudgetType& bt = budget.types[i];
        const double x = static_cast<double>(i + 1);
        bars.x.push_back(x);
        bars.y.push_back(bt.k);
        bars.xLabels.emplace_back(roleName(bt.type));
        f.x.textTicks.emplace_back(x, roleName(bt.type));
        top = std::max(top, bt.k);
    }
    // Headroom for the value labels above the bars.
    f.y.max = top * 1.18;
    f.series = {bars};
    return f;
}

}  // namespace ctscope
