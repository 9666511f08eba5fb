#include "core/report/figure_builders_finetune.h"

#include "core/report/metrics_io.h"
#include "core/report/smoothing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <utility>

namespace ctscope {

namespace {

using CurveKey = std::tuple<int, int, int, int, int>;  // arm order, basis, param, K, matchK

CurveKey curveKey(const RunSpec& s) {
    const int order = s.arm == Arm::Full ? 0 : s.arm == Arm::Amp ? 1 : 2;
    if (s.arm != Arm::Amp) return {order, 0, 0, s.k, s.matchK};
    return {order, static_cast<int>(s.basis), static_cast<int>(s.param), s.k, 0};
}

/// The K an arm is drawn at: amp its K, LoRA the amp K its count matches.
int plotK(const RunSpec& s) { return s.arm == Arm::Lora && s.matchK > 0 ? s.matchK : s.k; }

bool sameLr(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }

/// The arm's style key name (see the header).
std::string armStyle(const RunSpec& s) {
    if (s.arm == Arm::Full) return "full";
    if (s.arm == Arm::Lora) return "lora";
    return basisName(s.basis);
}

/// Where K sits between lo and hi on a log scale, in [0, 1] (1 when the range is empty).
double rampPosition(double k, double lo, double hi) {
    if (!(k > 0) || !(lo > 0) || !(hi > lo)) return 1.0;
    return std::clamp(std::log2(k / lo) / std::log2(hi / lo), 0.0, 1.0);
}

StyleKey armKey(const RunSpec& s, double ramp, std::string variant) {
    StyleKey key{"finetune", armStyle(s)};
    if (s.arm != Arm::Full && std::isfinite(ramp)) {
        key.value += ":" + std::to_string(std::lround(1000 * ramp));
    }
    if (s.arm == Arm::Amp && s.param == AmpParam::Reconstruct) variant += variant.empty() ? "reconstruct" : ",reconstruct";
    key.variant = std::move(variant);
    return key;
}

struct Curve {
    std::vector<double> x, mean, sd;
};

/// Mean and sample s.d. over the runs at every step any of them reached.
Curve aggregate(const std::vector<const std::map<int, double>*>& series) {
    std::map<int, std::vector<double>> at;
    for (const auto* s : series)
        for (const auto& [step, v] : *s)
            if (std::isfinite(v)) at[step].push_back(v);
    Curve c;
    for (const auto& [step, vs] : at) {
        const double n = static_cast<double>(vs.size());
        const double m = std::accumulate(vs.begin(), vs.end(), 0.0) / n;
        double ss = 0;
        for (double v : vs) ss += (v - m) * (v - m);
        c.x.push_back(step);
        c.mean.push_back(m);
        c.sd.push_back(vs.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0);
    }
    return c;
}

/// The lr an arm's curve is drawn at: the table's, else the lowest mean last held-out loss so far.
double bestLr(const CurveKey& key, const std::map<double, std::vector<const FinetuneCurves::Run*>>& byLr,
              const EfficiencyTable& table) {
    for (const EfficiencyRow& row : table.rows)
        if (curveKey(row.spec()) == key) return row.bestLr;
    double best = byLr.begin()->first, bestLoss = HUGE_VAL;
    for (const auto& [lr, runs] : byLr) {
        double sum = 0;
        int n = 0;
        for (const FinetuneCurves::Run* r : runs)
            if (!r->heldOut.empty()) sum += r->heldOut.rbegin()->second, ++n;
        if (n > 0 && sum / n < bestLoss) bestLoss = sum / n, best = lr;
    }
    return best;
}

/// The default view: steps from 0, losses padded by 6%.
void fitLossRange(FigureModel& f) {
    double x0 = HUGE_VAL, x1 = -HUGE_VAL, y0 = HUGE_VAL, y1 = -HUGE_VAL;
    for (const FigureSeries& s : f.series)
        for (size_t i = 0; i < s.x.size(); ++i) {
            x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
            for (const std::vector<double>* v : {&s.y, &s.bandLow, &s.bandHigh})
                if (i < v->size() && std::isfinite((*v)[i])) y0 = std::min(y0, (*v)[i]), y1 = std::max(y1, (*v)[i]);
        }
    if (!(x1 >= x0) || !(y1 >= y0)) return;
    f.x.min = std::min(0.0, x0), f.x.max = std::max(x1, 1.0) + 0.5;
    const double pad = std::max((y1 - y0) * 0.06, 1e-3);
    f.y.min = y0 - pad, f.y.max = y1 + pad;
}

}  // namespace

void FinetuneCurves::add(const std::vector<StepMetrics>& steps) {
    for (const StepMetrics& s : steps) {
        Run& r = runs[s.runId];
        r.spec = s.spec;
        if (s.step > 0 && std::isfinite(s.trainLoss)) r.train[s.step] = s.trainLoss;
        if (std::isfinite(s.heldOutLoss)) r.heldOut[s.step] = s.heldOutLoss;
    }
}

int FinetuneCurves::trainPointCount() const {
    int n = 0;
    for (const auto& [id, r] : runs) n += static_cast<int>(r.train.size());
    return n;
}

std::string finetuneArmLabel(const RunSpec& spec) {
    if (spec.arm == Arm::Full) return "full";
    if (spec.arm == Arm::Lora) return "LoRA";
    std::string s = std::string("amp · ") + basisName(spec.basis);
    if (spec.param == AmpParam::Reconstruct) s += " · reconstruct";
    return s;
}

std::string finetuneCurveName(const RunSpec& spec, double lr, int seeds) {
    std::string arm = finetuneArmLabel(spec);
    if (spec.arm == Arm::Full) arm = "full fine-tuning";
    if (spec.arm == Arm::Amp) arm += " K=" + std::to_string(spec.k);
    if (spec.arm == Arm::Lora) arm += " rank " + std::to_string(spec.k) + " (~K=" + std::to_string(spec.matchK) + ")";
    return arm + ", lr " + formatLr(lr) + " (mean of " + std::to_string(seeds) + (seeds == 1 ? " seed)" : " seeds)");
}

std::string finetuneRunsInLabel(const EfficiencyRow& row, const EfficiencyTable& table) {
    if (row.runsPlanned <= 0) return {};
    const std::string text = std::to_string(row.runsDone) + "/" + std::to_string(row.runsPlanned) + " runs";
    if (row.runsDone >= row.runsPlanned && row.arm != Arm::Full)
        for (const EfficiencyRow& full : table.rows)
            if (full.arm == Arm::Full && full.runsPlanned > 0 && full.runsDone < full.runsPlanned)
                return text + ", baseline " + std::to_string(full.runsDone) + "/" + std::to_string(full.runsPlanned);
    return text;
}

FigureModel finetuneLossFigure(const FinetuneCurves& curves, const EfficiencyTable& table,
                               const LossFigureOptions& options) {
    const bool train = options.which == LossKind::Train;
    FigureModel f;
    f.id = train ? "finetune_loss" : "finetune_heldout";
    f.title = train ? "Training loss" : "Held-out loss";
    f.subtitle = "best lr per arm, mean ± s.d. over seeds; within a basis lighter = smaller K";
    f.x.label = "Step";
    f.y.label = f.title;
    f.y.unit = "nats/token";
    if (curves.runs.empty()) {
        f.placeholder = train ? "Press Run to start a sweep,\nor open a sweep folder" : "Held-out loss of every run\nappears here";
        return f;
    }
    // arm → lr → runs, arms in a fixed order (the baseline first).
    std::map<CurveKey, std::map<double, std::vector<const FinetuneCurves::Run*>>> groups;
    std::map<CurveKey, RunSpec> specOf;
    int minK = 0, maxK = 0;
    for (const auto& [id, r] : curves.runs) {
        groups[curveKey(r.spec)][r.spec.lr].push_back(&r);
        specOf.emplace(curveKey(r.spec), r.spec);
        if (r.spec.arm == Arm::Full || plotK(r.spec) <= 0) continue;
        minK = minK == 0 ? plotK(r.spec) : std::min(minK, plotK(r.spec));
        maxK = std::max(maxK, plotK(r.spec));
    }
    const double w = std::clamp(std::isfinite(options.smoothing) ? options.smoothing : 0.0, 0.0, 0.99);
    std::vector<FigureSeries> arms, baseline, legend;
    for (const auto& [key, byLr] : groups) {
        const RunSpec& spec = specOf.at(key);
        const std::string category = spec.arm == Arm::Full ? "full fine-tuning" : finetuneArmLabel(spec);
        if (std::none_of(legend.begin(), legend.end(), [&](const FigureSeries& s) { return s.name == category; })) {
            FigureSeries entry;
            entry.name = category;
            entry.style = armKey(spec, 0.6, "");
            legend.push_back(entry);
        }
        const double best = bestLr(key, byLr, table);
        const double ramp = rampPosition(plotK(spec), minK, maxK);
        std::vector<FigureSeries>& out = spec.arm == Arm::Full ? baseline : arms;
        for (const auto& [lr, runs] : byLr) {
            const bool isBest = sameLr(lr, best);
            if (!isBest && !options.allLearningRates) continue;
            std::vector<const std::map<int, double>*> series;
            for (const FinetuneCurves::Run* r : runs) series.push_back(train ? &r->train : &r->heldOut);
            const Curve c = aggregate(series);
            if (c.x.empty()) continue;
            FigureSeries s;
            s.name = finetuneCurveName(spec, lr, static_cast<int>(runs.size()));
            s.inLegend = false;
            s.x = c.x;
            s.y = smoothEma(c.mean, w);
            if (!isBest) {
                s.name += " (not the best lr)";
                s.style = armKey(spec, ramp, "faint");
                out.push_back(std::move(s));
                continue;
            }
            s.style = armKey(spec, ramp, "");
            if (runs.size() > 1) {
                const std::vector<double> sd = smoothEma(c.sd, w);
                for (size_t i = 0; i < s.y.size(); ++i) {
                    s.bandLow.push_back(s.y[i] - sd[i]);
                    s.bandHigh.push_back(s.y[i] + sd[i]);
                }
            }
            if (w > 0) {
                FigureSeries raw;
                raw.name = s.name + " (raw)";
                raw.inLegend = false;
                raw.style = armKey(spec, ramp, "faint");
                raw.style.variant = "faint";  // solid: only the smoothed curve carries the dash
                raw.x = c.x;
                raw.y = c.mean;
                out.push_back(std::move(raw));
            }
            out.push_back(std::move(s));
        }
    }
    for (auto* part : {&arms, &baseline, &legend})
        f.series.insert(f.series.end(), part->begin(), part->end());
    fitLossRange(f);
    return f;
}

FigureModel finetuneEfficiencyFigure(const EfficiencyTable& table) {
    FigureModel f;
    f.id = "finetune_efficiency";
    f.title = "Efficiency vs K";
    f.subtitle = "residual solid, reconstruct dashed; hollow = provisional (grid not all in)";
    f.x.label = "K (basis directions; LoRA at equal trainable count)";
    f.x.scale = AxisScale::Log2;
    f.y.label = "Efficiency (% of full fine-tuning)";
    for (const auto& [y, label] : {std::pair<double, const char*>{100.0, "full FT"}, {0.0, "no learning"}}) {
        FigureGuide g;
        g.y = y;
        g.label = label;
        f.guides.push_back(g);
    }
    f.legendColumns = 2;
    // One series per arm / basis / parametrisation, final and provisional points apart.
    struct Points {
        RunSpec spec;
        std::vector<std::tuple<double, double, double>> done, provisional;  // K, %, ± %
    };
    std::map<CurveKey, Points> groups;
    int maxK = 2;
    for (const EfficiencyRow& row : table.rows) {
        if (row.arm == Arm::Full || !row.defined || !std::isfinite(row.mean)) continue;
        const RunSpec spec = row.spec();
        const CurveKey full = curveKey(spec);
        Points& p = groups[{std::get<0>(full), std::get<1>(full), std::get<2>(full), 0, 0}];
        p.spec = spec;
        const double err = 100.0 * (std::isfinite(row.spread) ? row.spread : 0.0);
        (row.complete ? p.done : p.provisional).emplace_back(plotK(spec), 100.0 * row.mean, err);
        maxK = std::max(maxK, plotK(spec));
    }
    if (groups.empty()) maxK = 64;  // an empty plot still shows a sensible K axis
    bool anyProvisional = false;
    double lo = -10, hi = 115;
    for (auto& [key, p] : groups) {
        const std::string name = p.spec.arm == Arm::Lora ? "LoRA (matched trainable count)" : finetuneArmLabel(p.spec);
        for (bool done : {true, false}) {
            auto& pts = done ? p.done : p.provisional;
            if (!done && pts.empty()) continue;
            // LoRA's matched K need not follow its rank order.
            std::stable_sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
            FigureSeries s;
            s.name = done ? name : name + " (provisional)";
            s.kind = done ? SeriesKind::Line : SeriesKind::Markers;
            s.style = armKey(p.spec, std::nan(""), done ? "filled" : "");
            s.inLegend = done;
            for (const auto& [k, e, err] : pts) {
                s.x.push_back(k), s.y.push_back(e), s.yError.push_back(err);
                lo = std::min(lo, e - 15), hi = std::max(hi, e + 15);
            }
            anyProvisional = anyProvisional || !done;
            f.series.push_back(std::move(s));
        }
    }
    if (anyProvisional) {
        FigureSeries key;
        key.name = "provisional: not every seed and lr in";
        key.kind = SeriesKind::Markers;
        key.style = {"finetune", "provisional"};
        f.series.push_back(key);
    }
    f.x.tickMax = maxK;
    f.x.min = 0.7, f.x.max = maxK * 1.4;
    f.y.min = lo, f.y.max = hi;
    if (!table.rows.empty() && !table.baselineLearns)
        f.placeholder = table.note.empty() ? "Efficiency undefined: the full fine-tuning baseline did not learn" : table.note;
    else if (groups.empty())
        f.placeholder = "Efficiency appears as each K finishes\n(needs the full baseline)";
    return f;
}

std::vector<FigurePointLabel> finetuneEfficiencyLabels(const EfficiencyTable& table) {
    std::vector<FigurePointLabel> out;
    for (const EfficiencyRow& row : table.rows) {
        if (row.arm == Arm::Full || !row.defined || !std::isfinite(row.mean) || row.complete) continue;
        std::string text = finetuneRunsInLabel(row, table);
        if (!text.empty()) out.push_back({static_cast<double>(plotK(row.spec())), 100.0 * row.mean, std::move(text)});
    }
    return out;
}

}  // namespace ctscope
