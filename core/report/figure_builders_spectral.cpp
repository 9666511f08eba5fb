#include "core/report/figure_builders_spectral.h"

#include "core/report/frontier.h"
#include "core/report/matrix_group.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <set>

namespace ctscope {

namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string joinSubtitle(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    return b.empty() ? a : a + " · " + b;
}

FigureSeries marksFor(const FigureSeries& curve, int curveIndex, const std::string& name) {
    FigureSeries marks;
    marks.name = name;
    marks.kind = SeriesKind::Markers;
    marks.style = curve.style;
    marks.inLegend = false;
    marks.attachedTo = curveIndex;
    return marks;
}

// E(K) for K = 1..n and the K50, K90 marks on it.
void addEnergyCurve(FigureModel& f, const std::string& name, const SpectrumStats& stats, const StyleKey& style) {
    FigureSeries curve;
    curve.name = name;
    curve.style = style;
    for (size_t k = 0; k < stats.energy.size(); ++k) {
        curve.x.push_back(static_cast<double>(k + 1));
        curve.y.push_back(stats.energy[k]);
    }
    FigureSeries marks = marksFor(curve, static_cast<int>(f.series.size()), name + " K50, K90");
    for (int k : {stats.k50, stats.k90}) {
        if (k < 1 || k > static_cast<int>(stats.energy.size())) continue;
        marks.x.push_back(k);
        marks.y.push_back(stats.energy[static_cast<size_t>(k - 1)]);
    }
    f.series.push_back(std::move(curve));
    f.series.push_back(std::move(marks));
}

void setTypeTicks(FigureModel& f, const std::vector<TypeSlot>& slots) {
    f.x.textTicks.clear();
    for (const TypeSlot& s : slots) f.x.textTicks.emplace_back(s.position, roleName(s.type));
    f.x.min = slots.empty() ? 0 : slots.front().position - 0.7;
    f.x.max = slots.empty() ? 1 : slots.back().position + 0.7;
}

}  // namespace

std::vector<int> curvesToDraw(const std::vector<int>& requested, int count, int maxCurves) {
    std::vector<int> out;
    for (int i : requested)
        if (i >= 0 && i < count) out.push_back(i);
    if (static_cast<int>(out.size()) > maxCurves) out.resize(static_cast<size_t>(std::max(0, maxCurves)));
    return out;
}

bool styleByType(const std::vector<MatrixType>& types) {
    const std::set<MatrixType> distinct(types.begin(), types.end());
    return distinct.size() == types.size();
}

std::string matrixLabel(const MatrixResult& m) {
    const std::string type = roleName(m.type);
    const std::string where = m.layer >= 0 ? "L" + std::to_string(m.layer) + " " + type : type;
    return where + " (" + std::to_string(m.rows) + "×" + std::to_string(m.cols) + ")";
}

StyleKey curveStyle(MatrixType type, int n, bool byType) {
    return byType ? StyleKey{"type", roleName(type)} : StyleKey{"series", std::to_string(n)};
}

std::vector<int> defaultSpectrumSelection(const SpectralAnalysis& a) {
    std::vector<int> out;
    int firstLayer = -1;
    for (const MatrixResult& m : a.matrices)
        if (m.layer >= 0 && (firstLayer < 0 || m.layer < firstLayer)) firstLayer = m.layer;
    for (size_t i = 0; i < a.matrices.size(); ++i)
        if (a.matrices[i].layer == firstLayer || a.matrices[i].layer < 0) out.push_back(static_cast<int>(i));
    return out;
}

CurveSelection selectCurves(const SpectralAnalysis& a, const std::vector<int>& selection, int count, int maxCurves) {
    CurveSelection out;
    const std::vector<int> requested = selection.empty() ? defaultSpectrumSelection(a) : selection;
    out.requested = static_cast<int>(curvesToDraw(requested, count, INT_MAX).size());
    out.shown = curvesToDraw(requested, count, maxCurves);
    std::vector<MatrixType> types;
    for (int i : out.shown) types.push_back(a.matrices[static_cast<size_t>(i)].type);
    out.byType = styleByType(types);
    return out;
}

SpectrumFigure spectrumFigure(const SpectralAnalysis* a, const SpectrumFigureOptions& opts,
                              const std::string& modelName) {
    SpectrumFigure out;
    FigureModel& f = out.figure;
    f.id = "spectrum";
    f.title = "Singular value spectra";
    f.legendColumns = 2;
    f.x.label = "Index i (descending)";
    f.y.label = opts.normalized ? "σᵢ / σ_max" : "Singular value σᵢ";
    f.x.scale = opts.logLog ? AxisScale::Log2 : AxisScale::Linear;
    f.y.scale = opts.logLog ? AxisScale::Log : AxisScale::Linear;
    f.x.tickMax = 64;
    if (!a) {
        f.placeholder = "Open a checkpoint (File ▸ Open) to see its spectra";
    } else {
        f.subtitle = modelName;
        const CurveSelection sel =
            selectCurves(*a, opts.selection, static_cast<int>(a->matrices.size()), opts.maxCurves);
        out.requested = sel.requested;
        out.shown = sel.shown;
        const bool byType = sel.byType;
        int longest = 1;
        for (size_t n = 0; n < out.shown.size(); ++n) {
            const MatrixResult& m = a->matrices[static_cast<size_t>(out.shown[n])];
            const double scale = opts.normalized && m.sigmaMax > 0 ? m.sigmaMax : 1.0;
            FigureSeries s;
            s.name = matrixLabel(m);
            s.style = curveStyle(m.type, static_cast<int>(n), byType);
            for (size_t j = 0; j < m.singularValues.size(); ++j) {
                const double v = m.singularValues[j] / scale;
                if (opts.logLog && !(v > 0)) continue;  // zeros have no place on a log axis
                s.x.push_back(static_cast<double>(j + 1));
                s.y.push_back(v);
            }
            longest = std::max(longest, static_cast<int>(m.singularValues.size()));
            f.series.push_back(std::move(s));
        }
        f.x.tickMax = longest;
    }
    double maxX = 1, minY = 0, maxY = 1;
    bool any = false;
    for (const FigureSeries& s : f.series) {
        for (size_t i = 0; i < s.x.size(); ++i) {
            maxX = std::max(maxX, s.x[i]);
            if (!any) minY = maxY = s.y[i];
            minY = std::min(minY, s.y[i]);
            maxY = std::max(maxY, s.y[i]);
            any = true;
        }
    }
    if (opts.logLog) {
        f.x.min = 0.8, f.x.max = maxX * 1.25;
        f.y.min = any ? minY / 1.6 : 1e-3, f.y.max = any ? maxY * 1.6 : 1.0;
    } else {
        f.x.min = 0, f.x.max = maxX + 1;
        f.y.min = 0, f.y.max = any ? maxY * 1.05 : 1.0;
    }
    return out;
}

FigureModel energyFigure(const SpectralAnalysis* a, bool perType, const std::string& modelName) {
    FigureModel f;
    f.id = "energy";
    f.title = "Cumulative energy by matrix type";
    f.legendColumns = 5;
    f.x.label = "K (top basis directions)";
    f.x.scale = AxisScale::Log2;
    f.y.label = "Cumulative energy E(K)";
    const int d = a ? static_cast<int>(a->universal.energy.size()) : 64;
    f.x.tickMax = std::max(d, 2);
    f.x.min = 0.85, f.x.max = std::max(d, 2) * 1.15;
    f.y.min = 0.0, f.y.max = 1.03;
    f.guides = {{0.5, "50%", {}}, {0.9, "90%", {}}};
    if (!a) {
        f.placeholder = "Open a checkpoint (File ▸ Open) to see its energy curves";
        return f;
    }
    if (perType)
        for (const TypeResult& t : a->types)
            addEnergyCurve(f, roleName(t.type), t.spectrum, {"type", roleName(t.type)});
    // The universal K50/K90 go in the subtitle: as labels beside the marks
    // they collide with the other curves' marks.
    addEnergyCurve(f, "universal", a->universal, {"reference", "universal", true});
    f.subtitle = joinSubtitle(modelName, "universal K50 = " + std::to_string(a->universal.k50) +
                                             ", K90 = " + std::to_string(a->universal.k90));
    return f;
}

std::vector<TypeSlot> typeSlots(const SpectralAnalysis& a) {
    std::vector<MatrixType> types;
    for (const TypeResult& t : a.types) types.push_back(t.type);
    std::stable_sort(types.begin(), types.end(), [](MatrixType x, MatrixType y) {
        return static_cast<int>(matrixGroup(x)) < static_cast<int>(matrixGroup(y));
    });
    std::vector<TypeSlot> out;
    double x = 1.0;
    for (size_t i = 0; i < types.size(); ++i) {
        if (i > 0) x += matrixGroup(types[i]) == matrixGroup(types[i - 1]) ? 1.0 : 1.6;
        out.push_back({types[i], x});
    }
    return out;
}

FigureModel typeStatsFigure(const SpectralAnalysis* a, const std::string& modelName) {
    FigureModel f;
    f.id = "type_pr_k90";
    f.title = "Effective dimension by matrix type";
    f.y.label = "Directions";
    const std::vector<TypeSlot> slots = a ? typeSlots(*a) : std::vector<TypeSlot>{};
    setTypeTicks(f, slots);
    f.y.min = 0, f.y.max = 1.2;
    if (!a) {
        f.placeholder = "Open a checkpoint to compare its matrix types";
        return f;
    }
    f.subtitle = modelName;
    FigureSeries pr{"PR", SeriesKind::Bars, {"metric", "pr"}, {}, {}, {}, {}, {}, {}, true, -1};
    FigureSeries k90{"K90", SeriesKind::Bars, {"metric", "k90"}, {}, {}, {}, {}, {}, {}, true, -1};
    for (const TypeSlot& s : slots) {
        const TypeResult* t = a->type(s.type);
        for (FigureSeries* series : {&pr, &k90}) {
            series->x.push_back(s.position);
            series->xLabels.push_back(roleName(s.type));
        }
        pr.y.push_back(t->spectrum.pr);
        k90.y.push_back(t->spectrum.k90);
    }
    f.series = {pr, k90};
    // Group names above the attention and MLP groups (a lone "embed" needs none).
    for (MatrixGroup g : {MatrixGroup::Attention, MatrixGroup::Mlp}) {
        std::vector<double> xs;
        for (const TypeSlot& s : slots)
            if (matrixGroup(s.type) == g) xs.push_back(s.position);
        if (xs.size() >= 2) f.notes.push_back({(xs.front() + xs.back()) / 2.0, 0.01, matrixGroupName(g)});
    }
    f.guides = {{a->universal.pr, "univ. PR", {"metric", "pr"}},
                {static_cast<double>(a->universal.k90), "univ. K90", {"metric", "k90"}}};
    double top = std::max({1.0, a->universal.pr, static_cast<double>(a->universal.k90)});
    for (const TypeResult& t : a->types) top = std::max({top, t.spectrum.pr, static_cast<double>(t.spectrum.k90)});
    // Headroom for the group names above the bars.
    f.y.max = top * 1.2;
    return f;
}

TypeR2Summary typeR2Summary(const SpectralAnalysis& a, int k) {
    TypeR2Summary s;
    s.k = std::clamp(k, 1, std::max(1, a.dModel));
    if (a.types.empty() || a.dModel < 1) return s;
    const FrontierRow row = compressionFrontier(a, {s.k}).front();
    s.meanType = row.r2TypeMean;
    s.meanUniversal = row.r2UniversalMean;
    s.gain = row.gain;
    if (1 - s.meanType > 1e-9 && 1 - s.meanUniversal > 1e-9) s.leftOutRatio = (1 - s.meanUniversal) / (1 - s.meanType);
    return s;
}

std::string typeR2SummaryText(const TypeR2Summary& s, int dModel) {
    std::string text = "At K = " + std::to_string(s.k) + " of " + std::to_string(dModel) +
                       " directions, each type's own basis keeps " + fixed(100 * s.meanType, 1) +
                       "% of its energy on average, the universal basis " + fixed(100 * s.meanUniversal, 1) + "%";
    if (s.meanUniversal > 0) text += " (×" + fixed(s.gain, 2) + ")";
    if (s.leftOutRatio > 0) text += "; the energy left out is " + fixed(s.leftOutRatio, 2) + "× smaller";
    return text + ".";
}

FigureModel typeR2Figure(const SpectralAnalysis* a, int k, const std::string& modelName) {
    FigureModel f;
    f.id = "type_r2";
    f.title = "Energy kept at K";
    f.y.label = "Energy captured R²(K)";
    const std::vector<TypeSlot> slots = a ? typeSlots(*a) : std::vector<TypeSlot>{};
    setTypeTicks(f, slots);
    f.y.min = 0, f.y.max = 1.05;
    if (!a || slots.empty()) return f;
    f.title = "Energy kept at K = " + std::to_string(k) + " of " + std::to_string(a->dModel);
    f.subtitle = modelName;
    FigureSeries own{"per-type basis", SeriesKind::Bars, {"basis", "type"}, {}, {}, {}, {}, {}, {}, true, -1};
    FigureSeries universal{
        "universal basis", SeriesKind::Bars, {"basis", "universal"}, {}, {}, {}, {}, {}, {}, true, -1};
    for (const TypeSlot& s : slots) {
        const TypeResult* t = a->type(s.type);
        if (t->r2Type.empty() || t->r2Universal.empty()) continue;
        const size_t i = static_cast<size_t>(std::clamp(k, 1, static_cast<int>(t->r2Type.size())) - 1);
        for (FigureSeries* series : {&own, &universal}) {
            series->x.push_back(s.position);
            series->xLabels.push_back(roleName(s.type));
        }
        own.y.push_back(t->r2Type[i]);
        universal.y.push_back(t->r2Universal[std::min(i, t->r2Universal.size() - 1)]);
    }
    f.series = {own, universal};
    return f;
}

FigureModel frontierFigure(const SpectralAnalysis* a, const std::vector<int>& tableKs, const std::string& modelName) {
    FigureModel f;
    f.id = "frontier_r2";
    f.title = "Mean R² over types vs K";
    f.x.label = "K (top basis directions)";
    f.x.scale = AxisScale::Log2;
    f.y.label = "Mean R²(K) over types";
    const int d = a ? std::max(2, a->dModel) : 64;
    f.x.tickMax = d;
    f.x.min = 0.85, f.x.max = d * 1.15;
    f.y.min = 0.0, f.y.max = 1.03;
    if (!a || a->types.empty()) {
        f.placeholder = "Open a checkpoint to see its compression frontier";
        return f;
    }
    std::vector<int> all(static_cast<size_t>(a->dModel));
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i + 1);
    const std::vector<FrontierRow> curve = compressionFrontier(*a, all);
    const std::vector<FrontierRow> table = compressionFrontier(*a, tableKs);
    struct Spec {
        const char* name;
        const char* basis;
        double FrontierRow::*field;
    };
    for (const Spec& spec : {Spec{"per-type basis", "type", &FrontierRow::r2TypeMean},
                             Spec{"universal basis", "universal", &FrontierRow::r2UniversalMean}}) {
        FigureSeries s;
        s.name = spec.name;
        s.style = {"basis", spec.basis};
        for (const FrontierRow& r : curve) s.x.push_back(r.k), s.y.push_back(r.*(spec.field));
        FigureSeries marks = marksFor(s, static_cast<int>(f.series.size()), s.name + " at the table's K");
        for (const FrontierRow& r : table) marks.x.push_back(r.k), marks.y.push_back(r.*(spec.field));
        f.series.push_back(std::move(s));
        f.series.push_back(std::move(marks));
    }
    // The papers quote the gain at K = 32; smaller models get their widest K.
    const int k = std::min(32, a->dModel);
    const std::vector<FrontierRow> at = compressionFrontier(*a, {k});
    f.subtitle = modelName;
    if (!at.empty()) f.subtitle += " · gain at K = " + std::to_string(k) + ": " + fixed(at.front().gain, 2) + "×";
    return f;
}

}  // namespace ctscope
