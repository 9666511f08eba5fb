#include "core/report/figure_builders_ww.h"

#include "core/report/figure_builders_spectral.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace ctscope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kFitPoints = 48;

std::string format(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

/// "L3 q", or "embed" outside the blocks (short: two columns fit an export).
std::string shortLabel(const MatrixResult& m) {
    const std::string type = roleName(m.type);
    return m.layer >= 0 ? "L" + std::to_string(m.layer) + " " + type : type;
}

std::vector<double> logSpace(double lo, double hi, int n) {
    std::vector<double> out;
    for (int i = 0; i < n; ++i) out.push_back(lo * std::pow(hi / lo, n > 1 ? double(i) / (n - 1) : 0.0));
    return out;
}

/// The curve's style: by type when every shown type is distinct, else by
/// position; key "tail" keeps the data solid whatever the type's dash.
StyleKey tailStyle(MatrixType type, int n, bool byType, const std::string& variant = {}) {
    StyleKey k;
    k.key = "tail";
    k.value = byType ? std::string("type:") + roleName(type) : std::to_string(n);
    k.variant = variant;
    return k;
}

// The histogram's points: density per unit λ in equal log bins.
void histogram(const std::vector<double>& x, int bins, FigureSeries& s) {
    const double total = static_cast<double>(x.size());
    const double lo = x.front(), hi = x.back() > x.front() ? x.back() : x.front() * 1.01;
    const std::vector<double> edges = logSpace(lo, hi, bins + 1);
    std::vector<int> counts(static_cast<size_t>(bins), 0);
    for (double v : x) {
        const int b = std::clamp(static_cast<int>(std::log(v / lo) / std::log(hi / lo) * bins), 0, bins - 1);
        ++counts[static_cast<size_t>(b)];
    }
    for (size_t b = 0; b < counts.size(); ++b) {
        if (counts[b] == 0) continue;  // no place on a log axis
        s.x.push_back(std::sqrt(edges[b] * edges[b + 1]));
        s.y.push_back(counts[b] / (total * (edges[b + 1] - edges[b])));
    }
}

WwTailsFigure tailsFigure(const SpectralAnalysis* a, const std::vector<WwMatrixMetrics>& metrics,
                          const WwTailsFigureOptions& opts, const std::string& modelName, bool ccdf) {
    WwTailsFigure out;
    FigureModel& f = out.figure;
    f.id = ccdf ? "ww_ccdf" : "ww_esd";
    f.title = ccdf ? "Complementary CDF of the ESD" : "ESD with WeightWatcher's power-law fit";
    f.x.label = "Eigenvalue λ = σ²";
    f.y.label = ccdf ? "P(Λ ≥ λ)" : "Density ρ(λ)";
    f.x.scale = f.y.scale = AxisScale::Log;
    f.legendColumns = 1;
    if (!a) {
        f.placeholder = "Open a checkpoint (File ▸ Open) to see its tails";
        f.x.min = 1e-3, f.x.max = 1e3, f.y.min = 1e-3, f.y.max = 1;
        return out;
    }
    f.subtitle = modelName + " · dashed: fit from xmin, dotted: xmin";
    const CurveSelection sel = selectCurves(
        *a, opts.selection, static_cast<int>(std::min(a->matrices.size(), metrics.size())), opts.maxCurves);
    out.requested = sel.requested;
    out.shown = sel.shown;
    const bool byType = sel.byType;
    for (size_t n = 0; n < out.shown.size(); ++n) {
        const MatrixResult& m = a->matrices[static_cast<size_t>(out.shown[n])];
        const WwMatrixMetrics& w = metrics[static_cast<size_t>(out.shown[n])];
        const std::vector<double> x = wwFittedEigenvalues(m);
        out.dataSeries.push_back(-1);
        out.fitSeries.push_back(-1);
        out.xminGuide.push_back(-1);
        if (x.empty()) continue;
        const double total = static_cast<double>(x.size());
        FigureSeries data;
        data.name = w.fit.ok ? shortLabel(m) + " α=" + format("%.2f", w.alpha) + " D=" + format("%.2f", w.fit.D)
                             : shortLabel(m) + ": power-law fit failed";
        data.style = tailStyle(m.type, static_cast<int>(n), byType);
        if (ccdf) {
            for (size_t i = 0; i < x.size(); ++i) {
                data.x.push_back(x[i]);
                data.y.push_back((total - static_cast<double>(i)) / total);
            }
        } else {
            histogram(x, std::max(1, opts.bins), data);
        }
        out.dataSeries.back() = static_cast<int>(f.series.size());
        f.series.push_back(std::move(data));
        if (!w.fit.ok) continue;
        // The fitted law over the tail, scaled by the tail's share of the
        // values so that it lies on the data.
        const double share = w.fit.tail / total;
        FigureSeries fit;
        fit.name = shortLabel(m) + " power law from xmin = " + format("%.4g", w.fit.xmin);
        fit.style = tailStyle(m.type, static_cast<int>(n), byType, "fit");
        fit.inLegend = false;
        for (double v : logSpace(w.fit.xmin, w.fit.xmax, kFitPoints)) {
            fit.x.push_back(v);
            fit.y.push_back(ccdf ? share * std::pow(v / w.fit.xmin, 1.0 - w.alpha) : share * powerLawDensity(w.fit, v));
        }
        out.fitSeries.back() = static_cast<int>(f.series.size());
        f.series.push_back(std::move(fit));
        FigureGuide g;
        g.vertical = true;
        g.x = w.fit.xmin;
        g.style = tailStyle(m.type, static_cast<int>(n), byType, "mark");
        out.xminGuide.back() = static_cast<int>(f.guides.size());
        f.guides.push_back(std::move(g));
    }
    f.legendColumns = out.shown.size() > 4 ? 2 : 1;
    double minX = 0, maxX = 0, minY = 0, maxY = 0;
    bool any = false;
    for (const FigureSeries& s : f.series)
        for (size_t i = 0; i < s.x.size(); ++i) {
            if (!(s.x[i] > 0) || !(s.y[i] > 0)) continue;
            if (!any) minX = maxX = s.x[i], minY = maxY = s.y[i];
            any = true;
            minX = std::min(minX, s.x[i]), maxX = std::max(maxX, s.x[i]);
            minY = std::min(minY, s.y[i]), maxY = std::max(maxY, s.y[i]);
        }
    if (any)
        f.x.min = minX / 1.5, f.x.max = maxX * 1.5, f.y.min = minY / 2.0, f.y.max = maxY * 2.0;
    else
        f.x.min = 1e-3, f.x.max = 1e3, f.y.min = 1e-3, f.y.max = 1;
    return out;
}

FigureSeries band(const std::string& name, const std::string& value, double lo, double hi, const FigureAxis& x) {
    FigureSeries s;
    s.name = name;
    s.style.key = "ww_band";
    s.style.value = value;
    s.inLegend = false;
    s.x = {x.min, x.max};
    s.y = {kNaN, kNaN};
    s.bandLow = {lo, lo};
    s.bandHigh = {hi, hi};
    return s;
}

FigureSeries namedSeries(const std::string& name, SeriesKind kind, const std::string& ww) {
    FigureSeries s;
    s.name = name;
    s.kind = kind;
    s.style.key = "ww";
    s.style.value = ww;
    return s;
}

}  // namespace

std::vector<double> wwFittedEigenvalues(const MatrixResult& m) {
    std::vector<double> v;
    for (double s : m.singularValues)
        if (s * s > kWwEvalsThresh) v.push_back(s * s);
    std::sort(v.begin(), v.end());
    return v;
}

WwTailsFigure wwEsdFigure(const SpectralAnalysis* a, const std::vector<WwMatrixMetrics>& metrics,
                          const WwTailsFigureOptions& opts, const std::string& modelName) {
    return tailsFigure(a, metrics, opts, modelName, false);
}

WwTailsFigure wwCcdfFigure(const SpectralAnalysis* a, const std::vector<WwMatrixMetrics>& metrics,
                           const WwTailsFigureOptions& opts, const std::string& modelName) {
    return tailsFigure(a, metrics, opts, modelName, true);
}

WwAlphaLayersFigure wwAlphaLayersFigure(const SpectralAnalysis* a, const WwAnalysis& ww, const std::string& modelName) {
    WwAlphaLayersFigure out;
    FigureModel& f = out.figure;
    f.id = "ww_alpha_layers";
    f.title = "Alpha by layer";
    f.legendColumns = 4;
    f.x.label = "Layer";
    f.y.label = "α (WeightWatcher power-law fit)";
    f.y.min = 0, f.y.max = 8;
    if (!a) {
        f.placeholder = "Open a checkpoint (File ▸ Open) to see alpha by layer";
        f.x.min = -1.6, f.x.max = 0.6;
        return out;
    }
    f.subtitle = modelName;
    int layers = std::max(1, a->config.nLayers);
    bool head = false;
    for (const MatrixResult& m : a->matrices) {
        layers = std::max(layers, m.layer + 1);
        head = head || m.type == Role::Head;
    }
    double top = 8.0;
    for (const WwMatrixMetrics& w : ww.matrices)
        if (w.fit.ok && std::isfinite(w.alpha)) top = std::max(top, w.alpha * 1.12);
    f.x.min = -1.6, f.x.max = head ? layers + 0.6 : layers - 0.4;
    f.y.max = top;
    // WeightWatcher's guide bands first, so that the data lies above them.
    f.series.push_back(band("over-trained", "over", 0.0, kWwOverTrainedAlpha, f.x));
    f.series.push_back(band("typical", "typical", kWwOverTrainedAlpha, kWwUnderTrainedAlpha, f.x));
    f.series.push_back(band("under-trained", "under", kWwUnderTrainedAlpha, top * 4, f.x));
    for (double y : {kWwOverTrainedAlpha, kWwUnderTrainedAlpha}) {
        FigureGuide g;
        g.y = y;
        f.guides.push_back(g);
    }
    out.bandLabels = {{1.0, "over-trained"}, {4.0, "typical"}, {(kWwUnderTrainedAlpha + top) / 2, "under-trained"}};

    std::map<int, std::vector<std::pair<double, double>>> byType;
    for (size_t i = 0; i < a->matrices.size() && i < ww.matrices.size(); ++i) {
        const MatrixResult& m = a->matrices[i];
        const WwMatrixMetrics& w = ww.matrices[i];
        if (!w.fit.ok) continue;
        const double x = m.layer >= 0 ? m.layer : (m.type == Role::Head ? layers : -1);
        byType[static_cast<int>(m.type)].push_back({x, w.alpha});
    }
    for (auto& [t, points] : byType) {
        std::sort(points.begin(), points.end());
        const auto type = static_cast<MatrixType>(t);
        const bool single = type == Role::Embed || type == Role::Head;
        FigureSeries s;
        s.name = roleName(type);
        s.kind = single ? SeriesKind::Markers : SeriesKind::Line;
        s.style.key = "type";
        s.style.value = roleName(type);
        if (single) s.style.variant = "filled";
        for (const auto& [x, y] : points) s.x.push_back(x), s.y.push_back(y);
        out.curves.push_back({type, static_cast<int>(f.series.size())});
        f.series.push_back(s);
        if (single) continue;
        FigureSeries marks = s;  // open circles on the line
        marks.name = s.name + " points";
        marks.kind = SeriesKind::Markers;
        marks.inLegend = false;
        marks.attachedTo = static_cast<int>(f.series.size()) - 1;
        f.series.push_back(std::move(marks));
    }
    const int step = layers > 16 ? (layers + 7) / 8 : 1;
    for (int l = 0; l < layers; l += step) f.x.textTicks.emplace_back(l, std::to_string(l));
    if (byType.count(static_cast<int>(Role::Embed))) f.x.textTicks.emplace_back(-1, "emb");
    if (byType.count(static_cast<int>(Role::Head))) f.x.textTicks.emplace_back(layers, "head");
    return out;
}

WwAlphaTypesFigure wwAlphaTypesFigure(const SpectralAnalysis* a, const WwAnalysis& ww) {
    WwAlphaTypesFigure out;
    FigureModel& f = out.figure;
    f.id = "ww_alpha_types";
    f.title = "Alpha per type beside PR and K90";
    f.legendColumns = 2;
    f.y.label = "α";
    f.y.min = 0, f.y.max = 1.15;
    out.right.label = "PR / d, K90 / d";
    out.right.min = 0, out.right.max = 1.05;
    if (!a) {
        f.placeholder = "Open a checkpoint to compare types";
        f.x.min = 0.4, f.x.max = 1.6;
        return out;
    }
    f.subtitle = "bars: α over the type's matrices; ◆ stacked";
    const double d = std::max(1, a->dModel);
    FigureSeries alpha = namedSeries("α mean ± s.d. (left)", SeriesKind::Bars, "alpha");
    FigureSeries pr = namedSeries("PR / d (right)", SeriesKind::Bars, "pr");
    FigureSeries k90 = namedSeries("K90 / d (right)", SeriesKind::Bars, "k90");
    FigureSeries stacked = namedSeries("α of the stacked spectrum", SeriesKind::Markers, "stacked");
    stacked.style.variant = "filled";
    double alphaTop = 1.0;
    const size_t n = std::min(ww.types.size(), a->types.size());
    for (size_t i = 0; i <= n; ++i) {
        const bool all = i == n;
        const WwTypeSummary& s = all ? ww.universal : ww.types[i];
        const SpectrumStats& st = all ? a->universal : a->types[i].spectrum;
        const double key = static_cast<double>(i + 1);
        const std::string label = all ? "all" : roleName(s.type);
        const double mean = std::isfinite(s.alphaMean) ? s.alphaMean : 0.0;
        const double sd = std::isfinite(s.alphaStd) ? s.alphaStd : 0.0;
        alpha.x.push_back(key), alpha.y.push_back(mean), alpha.yError.push_back(sd), alpha.xLabels.push_back(label);
        pr.x.push_back(key), pr.y.push_back(st.pr / d), pr.xLabels.push_back(label);
        k90.x.push_back(key), k90.y.push_back(st.k90 / d), k90.xLabels.push_back(label);
        // Over the α bar, the first of three 0.26 wide bars in the slot.
        stacked.x.push_back(key - 0.27), stacked.y.push_back(s.stacked.ok ? s.stacked.alpha : kNaN);
        stacked.xLabels.push_back(label);
        f.x.textTicks.emplace_back(key, label);
        alphaTop = std::max(alphaTop, mean);
        if (!all && std::isfinite(s.alphaMean + s.alphaStd)) alphaTop = std::max(alphaTop, s.alphaMean + s.alphaStd);
        if (!all && s.stacked.ok) alphaTop = std::max(alphaTop, s.stacked.alpha);
    }
    f.series = {std::move(alpha), std::move(pr), std::move(k90), std::move(stacked)};
    out.rightSeries = {1, 2};
    out.stackedSeries = 3;
    f.x.min = 0.4, f.x.max = static_cast<double>(n) + 1.6;
    f.y.max = alphaTop * 1.15;
    return out;
}

std::string wwAlphaSummaryText(const WwAnalysis& ww) {
    const WwTypeSummary& u = ww.universal;
    int outside = 0;
    for (const WwMatrixMetrics& m : ww.matrices)
        if (m.fit.ok && (m.alpha < kWwOverTrainedAlpha || m.alpha > kWwUnderTrainedAlpha)) ++outside;
    return "α over " + std::to_string(u.fitted) + " matrices: " + format("%.2f", u.alphaMean) + " ± " +
           format("%.2f", std::isfinite(u.alphaStd) ? u.alphaStd : 0.0) + "; stacked spectrum " +
           format("%.2f", u.stacked.alpha) + "; " + std::to_string(outside) + " outside 2–6.";
}

}  // namespace ctscope
