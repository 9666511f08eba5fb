#include "core/train/engine_event.h"

#include "core/report/metrics_io.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace ctscope {

namespace {

using Json = nlohmann::ordered_json;

Json num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

double numOr(const nlohmann::json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return std::numeric_limits<double>::quiet_NaN();
    return j[key].get<double>();
}

// Paths need not be UTF-8: replace what is not rather than throw.
std::string line(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Json event(const char* name) {
    Json j;
    j["event"] = name;
    return j;
}

} // namespace

std::string engineStartedLine(const std::string& outDir, int plannedRuns, const std::string& version) {
    Json j = event("started");
    j["out"] = outDir;
    j["runs"] = plannedRuns;
    j["version"] = version;
    return line(j);
}

std::string engineAnalysisLine(const Progress& p) {
    Json j = event("analysis");
    j["fraction"] = num(p.fraction);
    j["stage"] = p.stage;
    j["item"] = p.item;
    return line(j);
}

std::string engineMessageLine(const std::string& text) {
    Json j = event("message");
    j["text"] = text;
    return line(j);
}

std::string engineStepLine(const StepMetrics& m) {
    Json j = event("step");
    const Json record = Json::parse(metricsLine(m));
    for (const auto& [key, value] : record.items()) j[key] = value;
    return line(j);
}

std::string engineRunFinishedLine(const RunResult& r) {
    // The spec fields under the names metrics.jsonl uses.
    StepMetrics spec;
    spec.spec = r.spec;
    spec.runId = r.spec.id();
    spec.trainable = r.trainable;
    Json j = event("run_finished");
    const Json record = Json::parse(metricsLine(spec));
    for (const auto& [key, value] : record.items())
        if (key != "step" && key != "train_loss" && key != "heldout_loss" && key != "seconds") j[key] = value;
    j["steps"] = r.steps.empty() ? 0 : r.steps.back().totalSteps;
    j["start_loss"] = num(r.startLoss);
    j["final_loss"] = num(r.finalLoss);
    j["completed"] = r.completed;
    return line(j);
}

std::string engineDoneLine(bool cancelled, int finishedRuns, const std::string& outDir, const std::string& savedRun) {
    Json j = event("done");
    j["cancelled"] = cancelled;
    j["runs"] = finishedRuns;
    j["out"] = outDir;
    j["saved_run"] = savedRun.empty() ? Json(nullptr) : Json(savedRun);
    return line(j);
}

std::string engineErrorLine(const std::string& text) {
    Json j = event("error");
    j["text"] = text;
    return line(j);
}

EngineEvent parseEngineEvent(const std::string& line, const std::string& where) {
    EngineEvent e;
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(line);
    } catch (const std::exception& ex) {
        throw FormatError(where, std::string("not a JSON line: ") + ex.what());
    }
    if (!j.is_object() || !j.contains("event") || !j["event"].is_string())
        throw FormatError(where, "expected a JSON object with a string \"event\"");
    e.name = j["event"].get<std::string>();
    try {
        if (e.name == "started") {
            e.kind = EngineEvent::Kind::Started;
            e.outDir = j.at("out").get<std::string>();
            e.runs = j.at("runs").get<int>();
            e.version = j.value("version", "");
        } else if (e.name == "analysis") {
            e.kind = EngineEvent::Kind::Analysis;
            e.progress.fraction = numOr(j, "fraction");
            e.progress.stage = j.value("stage", "");
            e.progress.item = j.value("item", "");
        } else if (e.name == "message" || e.name == "error") {
            e.kind = e.name == "message" ? EngineEvent::Kind::Message : EngineEvent::Kind::Error;
            e.text = j.at("text").get<std::string>();
        } else if (e.name == "step") {
            e.kind = EngineEvent::Kind::Step;
            e.step = parseMetricsLine(line, where);
        } else if (e.name == "run_finished") {
            e.kind = EngineEvent::Kind::RunFinished;
            // A step record's spec fields with a dummy step parse the spec.
            nlohmann::json spec = j;
            spec["step"] = 0;
            const StepMetrics m = parseMetricsLine(spec.dump(), where);
            e.run.spec = m.spec;
            e.run.trainable = m.trainable;
            e.run.startLoss = numOr(j, "start_loss");
            e.run.finalLoss = numOr(j, "final_loss");
            e.run.completed = j.at("completed").get<bool>();
        } else if (e.name == "done") {
            e.kind = EngineEvent::Kind::Done;
            e.cancelled = j.at("cancelled").get<bool>();
            e.runs = j.at("runs").get<int>();
            e.outDir = j.value("out", "");
            if (j.contains("saved_run") && j["saved_run"].is_string()) e.savedRun = j["saved_run"].get<std::string>();
        }
    } catch (const FormatError&) {
        throw;
    } catch (const std::exception& ex) {
        throw FormatError(where, "malformed \"" + e.name + "\" event: " + ex.what());
    }
    return e;
}

} // namespace ctscope
