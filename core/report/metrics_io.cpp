#include "core/report/metrics_io.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace ctscope {

// The plain-value names of finetune_types.h live here, in ctscope_core, so
// that the torch-free side (this file, the UI) links without the engine.
const char* armName(Arm a) {
    switch (a) {
    case Arm::Full: return "full";
    case Arm::Amp: return "amp";
    case Arm::Lora: return "lora";
    }
    return "?";
}

const char* basisName(BasisKind b) {
    switch (b) {
    case BasisKind::Universal: return "universal";
    case BasisKind::Type: return "type";
    case BasisKind::Random: return "random";
    }
    return "?";
}

const char* ampParamName(AmpParam p) {
    return p == AmpParam::Residual ? "residual" : "reconstruct";
}

std::string formatLr(double lr) {
    if (!(lr > 0) || !std::isfinite(lr)) return std::to_string(lr);
    int e = static_cast<int>(std::floor(std::log10(lr)));
    double m = lr / std::pow(10.0, e);
    m = std::round(m * 100.0) / 100.0;
    if (m >= 10.0) {
        m /= 10.0;
        ++e;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ge%d", m, e);
    return buf;
}

std::string RunSpec::id() const {
    std::string s = armName(arm);
    if (arm == Arm::Amp) s += std::string("-") + basisName(basis) + "-" + ampParamName(param) + "-k" + std::to_string(k);
    if (arm == Arm::Lora) s += "-r" + std::to_string(k);
    return s + "-s" + std::to_string(seed) + "-lr" + formatLr(lr);
}

std::optional<Arm> armFromName(const std::string& s) {
    for (Arm a : {Arm::Full, Arm::Amp, Arm::Lora})
        if (s == armName(a)) return a;
    return std::nullopt;
}

std::optional<BasisKind> basisFromName(const std::string& s) {
    for (BasisKind b : {BasisKind::Universal, BasisKind::Type, BasisKind::Random})
        if (s == basisName(b)) return b;
    if (s == "per-type") return BasisKind::Type;
    return std::nullopt;
}

std::optional<AmpParam> ampParamFromName(const std::string& s) {
    for (AmpParam p : {AmpParam::Residual, AmpParam::Reconstruct})
        if (s == ampParamName(p)) return p;
    return std::nullopt;
}

namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double numOr(const nlohmann::json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return std::numeric_limits<double>::quiet_NaN();
    return j[key].get<double>();
}

} // namespace

std::string metricsLine(const StepMetrics& m) {
    const bool amp = m.spec.arm == Arm::Amp;
    nlohmann::ordered_json j;
    j["run"] = m.runId.empty() ? m.spec.id() : m.runId;
    j["arm"] = armName(m.spec.arm);
    j["basis"] = amp ? nlohmann::ordered_json(basisName(m.spec.basis)) : nlohmann::ordered_json(nullptr);
    j["param"] = amp ? nlohmann::ordered_json(ampParamName(m.spec.param)) : nlohmann::ordered_json(nullptr);
    j["k"] = m.spec.k;
    j["match_k"] = m.spec.matchK;
    j["seed"] = m.spec.seed;
    j["lr"] = m.spec.lr;
    j["step"] = m.step;
    j["steps"] = m.totalSteps;
    j["train_loss"] = num(m.trainLoss);
    j["heldout_loss"] = num(m.heldOutLoss);
    j["seconds"] = m.seconds;
    j["trainable"] = m.trainable;
    return j.dump();
}

StepMetrics parseMetricsLine(const std::string& line, const std::string& where) {
    StepMetrics m;
    try {
        const auto j = nlohmann::json::parse(line);
        const auto arm = armFromName(j.at("arm").get<std::string>());
        if (!arm) throw std::runtime_error("unknown arm");
        m.spec.arm = *arm;
        if (j.contains("basis") && j["basis"].is_string()) {
            const auto b = basisFromName(j["basis"].get<std::string>());
            if (!b) throw std::runtime_error("unknown basis");
            m.spec.basis = *b;
        }
        if (j.contains("param") && j["param"].is_string()) {
            const auto p = ampParamFromName(j["param"].get<std::string>());
            if (!p) throw std::runtime_error("unknown param");
            m.spec.param = *p;
        }
        m.spec.k = j.value("k", 0);
        m.spec.matchK = j.value("match_k", 0);
        m.spec.seed = j.at("seed").get<int>();
        m.spec.lr = j.at("lr").get<double>();
        m.runId = j.value("run", m.spec.id());
        m.step = j.at("step").get<int>();
        m.totalSteps = j.value("steps", 0);
        m.trainLoss = numOr(j, "train_loss");
        m.heldOutLoss = numOr(j, "heldout_loss");
        m.seconds = j.value("seconds", 0.0);
        m.trainable = j.value("trainable", int64_t{0});
    } catch (const std::exception& e) {
        throw FormatError(where, std::string("malformed metrics line: ") + e.what());
    }
    return m;
}

MetricsWriter::MetricsWriter(const std::string& path) : m_path(path) {
    m_file = std::fopen(path.c_str(), "w");
    if (!m_file) throw FormatError(path, std::string("cannot create: ") + std::strerror(errno));
}

MetricsWriter::~MetricsWriter() {
    if (m_file) std::fclose(m_file);
}

void MetricsWriter::write(const StepMetrics& m) {
    const std::string line = metricsLine(m) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size() || std::fflush(m_file) != 0)
        throw FormatError(m_path, std::string("write failed: ") + std::strerror(errno));
}

std::vector<RunResult> readMetricsFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw FormatError(path, "cannot open metrics file");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) lines.push_back(l);
    std::vector<RunResult> runs;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < lines.size(); ++i) {
        StepMetrics m;
        try {
            m = parseMetricsLine(lines[i], path + ":" + std::to_string(i + 1));
        } catch (const FormatError&) {
            if (i + 1 == lines.size()) break;  // torn last line of an interrupted write
            throw;
        }
        auto [it, added] = index.emplace(m.runId, runs.size());
        if (added) {
            RunResult r;
            r.spec = m.spec;
            r.trainable = m.trainable;
            runs.push_back(r);
        }
        RunResult& r = runs[it->second];
        if (m.step == 0) r.startLoss = m.heldOutLoss;
        r.finalLoss = m.heldOutLoss;
        r.completed = m.totalSteps > 0 && m.step == m.totalSteps;
        r.steps.push_back(m);
    }
    return runs;
}

namespace {

std::string csvNum(double v) {
    if (!std::isfinite(v)) return "";
    std::ostringstream o;
    o.precision(9);
    o << v;
    return o.str();
}

std::string csvQuote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

double csvDouble(const std::string& s) {
    return s.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(s);
}

std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
            else if (c == '"') quoted = false;
            else out.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}

const char* kSummaryHeader = "arm,basis,param,k,match_k,trainable,best_lr,start_loss,final_loss,"
                             "efficiency_mean,efficiency_std,n,defined";

} // namespace

void writeSummaryCsv(const std::string& path, const EfficiencyTable& t) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        if (!out) throw FormatError(tmp, "cannot create");
        out << "# l0=" << csvNum(t.l0) << ",full_mean=" << csvNum(t.fullMean) << ",full_std=" << csvNum(t.fullSpread)
            << ",baseline_learns=" << (t.baselineLearns ? 1 : 0) << ",note=" << csvQuote(t.note) << "\n";
        out << kSummaryHeader << "\n";
        for (const EfficiencyRow& r : t.rows) {
            const bool amp = r.arm == Arm::Amp;
            out << armName(r.arm) << ',' << (amp ? basisName(r.basis) : "") << ',' << (amp ? ampParamName(r.param) : "")
                << ',' << r.k << ',' << r.matchK << ',' << r.trainable << ',' << csvNum(r.bestLr) << ','
                << csvNum(r.startLoss) << ',' << csvNum(r.finalLoss) << ',' << (r.defined ? csvNum(r.mean) : "") << ','
                << (r.defined ? csvNum(r.spread) : "") << ',' << r.n << ',' << (r.defined ? 1 : 0) << "\n";
        }
        if (!out.flush()) throw FormatError(tmp, "write failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw FormatError(path, "cannot replace: " + ec.message());
}

EfficiencyTable readSummaryCsv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw FormatError(path, "cannot open summary");
    EfficiencyTable t;
    std::string line;
    int lineNo = 0;
    try {
        while (std::getline(in, line)) {
            ++lineNo;
            if (line.empty()) continue;
            if (line[0] == '#') {
                for (const std::string& kv : splitCsv(line.substr(1))) {
                    const auto eq = kv.find('=');
                    if (eq == std::string::npos) continue;
                    std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
                    key.erase(0, key.find_first_not_of(' '));
                    if (key == "l0") t.l0 = csvDouble(value);
                    else if (key == "full_mean") t.fullMean = csvDouble(value);
                    else if (key == "full_std") t.fullSpread = csvDouble(value);
                    else if (key == "baseline_learns") t.baselineLearns = value == "1";
                    else if (key == "note") t.note = value;
                }
                continue;
            }
            if (line.rfind("arm,", 0) == 0) continue;
            const auto f = splitCsv(line);
            if (f.size() != 13) throw std::runtime_error("expected 13 fields, got " + std::to_string(f.size()));
            EfficiencyRow r;
            const auto arm = armFromName(f[0]);
            if (!arm) throw std::runtime_error("unknown arm '" + f[0] + "'");
            r.arm = *arm;
            if (!f[1].empty()) r.basis = basisFromName(f[1]).value_or(BasisKind::Universal);
            if (!f[2].empty()) r.param = ampParamFromName(f[2]).value_or(AmpParam::Residual);
            r.k = std::stoi(f[3]);
            r.matchK = std::stoi(f[4]);
            r.trainable = std::stoll(f[5]);
            r.bestLr = csvDouble(f[6]);
            r.startLoss = csvDouble(f[7]);
            r.finalLoss = csvDouble(f[8]);
            r.mean = csvDouble(f[9]);
            r.spread = csvDouble(f[10]);
            r.n = std::stoi(f[11]);
            r.defined = f[12] == "1";
            t.rows.push_back(r);
        }
    } catch (const std::exception& e) {
        throw FormatError(path, "line " + std::to_string(lineNo) + ": " + e.what());
    }
    return t;
}

SweepFolder readSweepFolder(const std::string& dir) {
    SweepFolder f;
    const auto base = std::filesystem::path(dir);
    f.runs = readMetricsFile((base / "metrics.jsonl").string());
    f.efficiency = computeEfficiency(f.runs);
    f.hasSummary = std::filesystem::exists(base / "summary.csv");
    return f;
}

} // namespace ctscope
