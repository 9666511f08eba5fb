#include "core/report/figure.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace ctscope {

namespace {

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string quoted = "\"";
    for (char c : s) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

std::string csvNumber(double v) {
    if (std::isnan(v)) return {};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string at(const std::vector<double>& v, size_t i) { return i < v.size() ? csvNumber(v[i]) : std::string(); }

nlohmann::json numbers(const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json());
    return a;
}

const char* scaleName(AxisScale s) {
    switch (s) {
        case AxisScale::Linear:
            return "linear";
        case AxisScale::Log:
            return "log";
        case AxisScale::Log2:
            return "log2";
    }
    return "linear";
}

const char* kindName(SeriesKind k) {
    switch (k) {
        case SeriesKind::Line:
            return "line";
        case SeriesKind::Markers:
            return "markers";
        case SeriesKind::Bars:
            return "bars";
    }
    return "line";
}

nlohmann::json axisJson(const FigureAxis& a) {
    nlohmann::json o{{"label", a.label}, {"unit", a.unit}, {"title", a.title()}, {"scale", scaleName(a.scale)}};
    o["min"] = std::isfinite(a.min) ? nlohmann::json(a.min) : nlohmann::json();
    o["max"] = std::isfinite(a.max) ? nlohmann::json(a.max) : nlohmann::json();
    if (!a.textTicks.empty()) {
        nlohmann::json ticks = nlohmann::json::array();
        for (const auto& [pos, text] : a.textTicks) ticks.push_back({{"x", pos}, {"label", text}});
        o["ticks"] = ticks;
    }
    return o;
}

nlohmann::json styleJson(const StyleKey& k) {
    nlohmann::json o{{"key", k.key}, {"value", k.value}};
    if (!k.variant.empty()) o["variant"] = k.variant;
    return o;
}

nlohmann::json figureObject(const FigureModel& f) {
    nlohmann::json series = nlohmann::json::array();
    for (const FigureSeries& s : f.series) {
        // An empty series only carries a legend entry; plots exported before
        // left those out, and so does the model.
        if (s.x.empty()) continue;
        nlohmann::json o{
            {"name", s.name},       {"x_axis", f.x.title()},    {"y_axis", f.y.title()},       {"x_log", f.x.isLog()},
            {"y_log", f.y.isLog()}, {"kind", kindName(s.kind)}, {"style", styleJson(s.style)}, {"x", numbers(s.x)},
            {"y", numbers(s.y)}};
        if (!s.yError.empty()) o["y_error"] = numbers(s.yError);
        if (!s.bandLow.empty()) o["band_low"] = numbers(s.bandLow);
        if (!s.bandHigh.empty()) o["band_high"] = numbers(s.bandHigh);
        if (!s.xLabels.empty()) o["x_labels"] = s.xLabels;
        series.push_back(std::move(o));
    }
    nlohmann::json guides = nlohmann::json::array();
    for (const FigureGuide& g : f.guides) {
        nlohmann::json o = g.vertical ? nlohmann::json{{"x", g.x}} : nlohmann::json{{"y", g.y}};
        o["label"] = g.label;
        if (!g.style.key.empty()) o["style"] = {{"key", g.style.key}, {"value", g.style.value}};
        guides.push_back(std::move(o));
    }
    return nlohmann::json{{"id", f.id},
                          {"title", f.title},
                          {"subtitle", f.subtitle},
                          {"axes", {{"x", axisJson(f.x)}, {"y", axisJson(f.y)}}},
                          {"guides", guides},
                          {"series", series}};
}

}  // namespace

bool StyleKey::hasVariant(const std::string& role) const {
    if (role.empty()) return false;
    size_t start = 0;
    for (;;) {
        const size_t comma = variant.find(',', start);
        const size_t end = comma == std::string::npos ? variant.size() : comma;
        if (variant.compare(start, end - start, role) == 0) return true;
        if (comma == std::string::npos) return false;
        start = comma + 1;
    }
}

std::string FigureAxis::title() const { return unit.empty() ? label : label + " (" + unit + ")"; }

const FigureSeries* FigureModel::find(const std::string& name) const {
    for (const FigureSeries& s : series)
        if (s.name == name) return &s;
    return nullptr;
}

std::string figureCsv(const FigureModel& f) {
    bool bands = false;
    for (const FigureSeries& s : f.series) bands = bands || !s.bandLow.empty() || !s.bandHigh.empty();
    std::string csv = bands ? "series,x,y,y_error,x_label,band_low,band_high\n" : "series,x,y,y_error,x_label\n";
    for (const FigureSeries& s : f.series) {
        const std::string name = csvField(s.name);
        for (size_t i = 0; i < s.x.size(); ++i) {
            csv += name + ',' + csvNumber(s.x[i]) + ',' + at(s.y, i) + ',' + at(s.yError, i) + ',' +
                   (i < s.xLabels.size() ? csvField(s.xLabels[i]) : std::string());
            if (bands) csv += ',' + at(s.bandLow, i) + ',' + at(s.bandHigh, i);
            csv += '\n';
        }
    }
    return csv;
}

std::string figureJson(const FigureModel& f, int indent) { return figureObject(f).dump(indent); }

std::string figuresJson(const std::vector<FigureModel>& figures, int indent) {
    nlohmann::json arr = nlohmann::json::array();
    for (const FigureModel& f : figures) arr.push_back(figureObject(f));
    return nlohmann::json{{"generator", "ctscope"}, {"figures", arr}}.dump(indent);
}

}  // namespace ctscope
