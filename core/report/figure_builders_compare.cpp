#include "core/report/figure_builders_compare.h"

#include "core/report/matrix_group.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace ctscope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kAddCheckpoints = "Add checkpoints to compare them";

std::string gFormat(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

FigureGuide horizontalGuide(double y, const std::string& label) {
    FigureGuide g;
    g.y = y;
    g.label = label;
    return g;
}

const SpectrumStats* statsOf(const SpectralAnalysis& a, std::optional<MatrixType> type) {
    if (!type) return &a.universal;
    const TypeResult* t = a.type(*type);
    return t ? &t->spectrum : nullptr;
}

std::string slotLabel(std::optional<MatrixType> type) { return type ? roleName(*type) : "universal"; }

double valueAt(const std::vector<double>& v, int k) {
    if (v.empty()) return kNaN;
    return v[static_cast<size_t>(std::clamp(k, 1, static_cast<int>(v.size())) - 1)];
}

int widestModel(const std::vector<OverlayCheckpoint>& cps) {
    int d = 2;
    for (const OverlayCheckpoint& c : cps) d = std::max(d, c.analysis->dModel);
    return d;
}

}  // namespace

std::vector<MatrixType> overlayTypes(const std::vector<OverlayCheckpoint>& cps) {
    std::vector<MatrixType> types;
    for (const OverlayCheckpoint& c : cps)
        for (const TypeResult& t : c.analysis->types)
            if (std::find(types.begin(), types.end(), t.type) == types.end()) types.push_back(t.type);
    std::sort(types.begin(), types.end(), [](MatrixType a, MatrixType b) {
        return std::make_pair(static_cast<int>(matrixGroup(a)), static_cast<int>(a)) <
               std::make_pair(static_cast<int>(matrixGroup(b)), static_cast<int>(b));
    });
    return types;
}

std::vector<OverlaySlot> overlaySlots(const std::vector<OverlayCheckpoint>& cps) {
    const std::vector<MatrixType> types = overlayTypes(cps);
    std::vector<OverlaySlot> out;
    double x = 1.0;
    for (size_t i = 0; i < types.size(); ++i) {
        if (i > 0) x += matrixGroup(types[i]) == matrixGroup(types[i - 1]) ? 1.0 : 1.5;
        out.push_back({types[i], x});
    }
    if (!cps.empty()) out.push_back({std::nullopt, x + 1.5});
    return out;
}

FigureModel overlayBarsFigure(const std::vector<OverlayCheckpoint>& cps, bool k90) {
    FigureModel f;
    f.id = k90 ? "overlay_k90" : "overlay_pr";
    f.title = k90 ? "K90 / d by matrix type" : "Participation ratio / d by type";
    f.legendColumns = 3;
    f.y.label = k90 ? "K90 / d_model" : "PR / d_model";
    const std::vector<OverlaySlot> slots = overlaySlots(cps);
    for (const OverlaySlot& s : slots) f.x.textTicks.emplace_back(s.position, slotLabel(s.type));
    f.x.min = slots.empty() ? 0 : slots.front().position - 0.7;
    f.x.max = slots.empty() ? 1 : slots.back().position + 0.7;
    f.y.min = 0;
    if (cps.empty()) {
        f.y.max = 0.1 * 1.12;
        f.placeholder = kAddCheckpoints;
        return f;
    }
    double top = 0.1;
    for (size_t i = 0; i < cps.size(); ++i) {
        const SpectralAnalysis& a = *cps[i].analysis;
        const double d = std::max(1, a.dModel);
        FigureSeries s;
        s.name = cps[i].name;
        s.kind = SeriesKind::Bars;
        s.style = {"checkpoint", std::to_string(i)};
        for (const OverlaySlot& slot : slots) {
            const SpectrumStats* st = statsOf(a, slot.type);
            if (!st) continue;  // this checkpoint has no such type: no bar, a gap
            s.x.push_back(slot.position);
            s.xLabels.push_back(slotLabel(slot.type));
            s.y.push_back((k90 ? static_cast<double>(st->k90) : st->pr) / d);
            top = std::max(top, s.y.back());
        }
        f.series.push_back(std::move(s));
    }
    f.y.max = std::min(1.05, top * 1.12);
    f.subtitle = std::to_string(cps.size()) + (cps.size() == 1 ? " checkpoint" : " checkpoints") +
                 ", each over its own d_model";
    return f;
}

FigureModel overlayEnergyFigure(const std::vector<OverlayCheckpoint>& cps, std::optional<MatrixType> type) {
    FigureModel f;
    f.id = "overlay_energy";
    f.title = "Cumulative energy vs K/d";
    f.legendColumns = 3;
    f.x.label = "K / d_model (log)";
    f.x.scale = AxisScale::Log;
    f.y.label = "Cumulative energy E(K)";
    const int maxD = widestModel(cps);
    // Percent ticks on a log K/d axis: 1-2-5 steps down to one direction of the widest model.
    for (double decade = 1e-4; decade < 1.5; decade *= 10)
        for (double m : {1.0, 2.0, 5.0})
            if (decade * m <= 1.0 && decade * m >= 0.6 / maxD)
                f.x.textTicks.emplace_back(decade * m, gFormat(100.0 * decade * m) + "%");
    f.x.min = 0.85 / maxD, f.x.max = 1.15;
    f.y.min = 0.0, f.y.max = 1.03;
    f.guides = {horizontalGuide(0.5, "50%"), horizontalGuide(0.9, "90%")};
    if (cps.empty()) {
        f.placeholder = kAddCheckpoints;
        return f;
    }
    std::string missing;
    for (size_t i = 0; i < cps.size(); ++i) {
        const SpectrumStats* st = statsOf(*cps[i].analysis, type);
        if (!st || st->energy.empty()) {
            missing += (missing.empty() ? "" : ", ") + cps[i].name;
            continue;
        }
        FigureSeries s;
        s.name = cps[i].name;
        s.style = {"checkpoint", std::to_string(i)};
        const double d = static_cast<double>(st->energy.size());
        for (size_t k = 0; k < st->energy.size(); ++k) {
            s.x.push_back(static_cast<double>(k + 1) / d);
            s.y.push_back(st->energy[k]);
        }
        f.series.push_back(std::move(s));
    }
    f.subtitle = type ? "type " + std::string(roleName(*type)) : "universal Gram";
    if (!missing.empty()) f.subtitle += " · absent from " + missing;
    return f;
}

std::vector<UpdateCaptureRow> updateCaptureRows(const UpdateAnalysis& u, int k, int d) {
    if (d <= 0) d = u.dModel;
    const double kOverD = d > 0 ? static_cast<double>(k) / d : kNaN;
    std::vector<UpdateCaptureRow> rows;
    for (const UpdateTypeResult& t : u.types) {
        UpdateCaptureRow r;
        r.type = t.type;
        r.relChange = t.relChange;
        r.capturedUniversal = valueAt(t.capturedUniversal, k);
        r.capturedType = valueAt(t.capturedType, k);
        r.kOverD = kOverD;
        const auto overRandom = [&](double v) { return kOverD > 0 && std::isfinite(v) ? v / kOverD : kNaN; };
        r.universalOverRandom = overRandom(r.capturedUniversal);
        r.typeOverRandom = overRandom(r.capturedType);
        rows.push_back(r);
    }
    return rows;
}

FigureModel updateFigure(const UpdateAnalysis& u, MatrixType type, int k, int d, const std::string& name) {
    if (d <= 0) d = u.dModel;
    FigureModel f;
    f.id = "update_captured";
    f.title = "Where the update lies";
    f.x.label = "K (top directions of the base)";
    f.x.scale = AxisScale::Log2;
    f.x.tickMax = std::max(2, d);
    f.y.label = "Captured fraction of ΔW";
    f.x.min = 0.85, f.x.max = std::max(2, d) * 1.15;
    f.y.min = 0.0, f.y.max = 1.03;
    const UpdateTypeResult* t = u.type(type);
    if (!t || d <= 0) {
        f.placeholder = "Compare a base checkpoint with its fine-tune to see what moved";
        return f;
    }
    struct Spec {
        const char* name;
        const char* basis;
        const std::vector<double>* values;
    };
    // The colours of the R² comparisons: blue own basis, orange universal.
    for (const Spec& spec : {Spec{"per-type basis", "type", &t->capturedType},
                             Spec{"universal basis", "universal", &t->capturedUniversal}}) {
        FigureSeries s;
        s.name = spec.name;
        s.style = {"basis", spec.basis};
        for (size_t i = 0; i < spec.values->size(); ++i) {
            s.x.push_back(static_cast<double>(i + 1));
            s.y.push_back((*spec.values)[i]);
        }
        f.series.push_back(std::move(s));
    }
    FigureSeries diagonal;
    diagonal.name = "random subspace (K/d)";
    diagonal.style = {"chance", "random"};
    for (int i = 1; i <= d; ++i) {
        diagonal.x.push_back(i);
        diagonal.y.push_back(static_cast<double>(i) / d);
    }
    f.series.push_back(std::move(diagonal));
    FigureGuide kLine;
    kLine.vertical = true;
    kLine.x = std::clamp(k, 1, d);
    f.guides.push_back(kLine);
    f.subtitle = "type " + std::string(roleName(t->type)) + " · rel_change " + gFormat(t->relChange);
    if (!name.empty()) f.subtitle = name + " · " + f.subtitle;
    return f;
}

}  // namespace ctscope
