#include "core/report/figure_builders_frontier_eff.h"

#include "core/report/figure_builders_finetune.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace ctscope {

StyleKey efficiencyArmStyle(const RunSpec& spec) {
    StyleKey s;
    s.key = "finetune";
    switch (spec.arm) {
        case Arm::Full:
            s.value = "full";
            break;
        case Arm::Lora:
            s.value = "lora";
            break;
        case Arm::Amp:
            s.value = basisName(spec.basis);
            if (spec.param == AmpParam::Reconstruct) s.variant = "reconstruct";
            break;
    }
    return s;
}

int efficiencyPlotK(const EfficiencyRow& r) { return r.arm == Arm::Lora && r.matchK > 0 ? r.matchK : r.k; }

FigureModel efficiencyFrontierFigure(const EfficiencyFrontierFigureInput& in) {
    FigureModel f;
    f.id = "efficiency_frontier";
    f.title = "Efficiency vs K";
    f.subtitle = in.modelName;
    f.legendColumns = 2;
    f.x.label = "K (basis directions; LoRA at matched K)";
    f.x.scale = AxisScale::Log2;
    f.y.label = "Efficiency (%)";
    FigureGuide full, none;
    full.y = 100.0, full.label = "full FT";
    none.y = 0.0, none.label = "no learning";
    f.guides = {full, none};

    const std::vector<EfficiencyFrontierRow> noRows;
    const std::vector<EfficiencyFrontierRow>& rows = in.frontier ? in.frontier->rows : noRows;
    // Rows come by arm then K; a map by label gives each arm one series, in name order.
    std::map<std::string, std::vector<const EfficiencyRow*>> byArm;
    int maxK = 2;
    for (const EfficiencyFrontierRow& fr : rows) {
        maxK = std::max(maxK, efficiencyPlotK(fr.row));
        if (!fr.row.defined || !std::isfinite(fr.row.mean)) continue;
        byArm[finetuneArmLabel(fr.row.spec())].push_back(&fr.row);
    }
    if (rows.empty()) maxK = 64;
    double lo = -10, hi = 115;
    for (auto& [name, points] : byArm) {
        // LoRA's matched K need not follow its rank order: sort by plotted K.
        std::stable_sort(points.begin(), points.end(), [](const EfficiencyRow* a, const EfficiencyRow* b) {
            return efficiencyPlotK(*a) < efficiencyPlotK(*b);
        });
        FigureSeries line;
        line.name = name;
        line.style = efficiencyArmStyle(points.front()->spec());
        for (const EfficiencyRow* r : points) {
            line.x.push_back(efficiencyPlotK(*r));
            line.y.push_back(100.0 * r->mean);
            line.yError.push_back(100.0 * (std::isfinite(r->spread) ? r->spread : 0.0));
            lo = std::min(lo, line.y.back() - 15);
            hi = std::max(hi, line.y.back() + 15);
        }
        FigureSeries marks;
        marks.name = name + " points";
        marks.kind = SeriesKind::Markers;
        marks.style = line.style;
        marks.style.variant = marks.style.variant.empty() ? "filled" : marks.style.variant + ",filled";
        marks.x = line.x;
        marks.y = line.y;
        marks.inLegend = false;
        marks.attachedTo = static_cast<int>(f.series.size());
        f.series.push_back(std::move(line));
        f.series.push_back(std::move(marks));
    }
    // K_min as a vertical line in the arm's colour; its text is beside the plot.
    if (in.frontier)
        for (const KMin& m : in.frontier->kMin) {
            if (m.k <= 0) continue;
            FigureGuide g;
            g.vertical = true;
            g.x = m.k;
            g.style = efficiencyArmStyle(m.spec());
            g.style.variant.clear();
            f.guides.push_back(g);
        }
    f.x.tickMax = maxK;
    f.x.min = 0.7, f.x.max = maxK * 1.4;
    f.y.min = lo, f.y.max = hi;
    if (in.runs == 0)
        f.placeholder = "No sweep yet";
    else if (in.frontier && !in.frontier->defined)
        f.placeholder = "Efficiency undefined: the baseline does not learn";
    else if (byArm.empty())
        f.placeholder = "Waiting for finished runs…";
    return f;
}

}  // namespace ctscope
