#include "core/report/metrics_io.h"

#include "core/report/sweep_merge.h"
#include "core/report/sweep_record.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

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

std::string runStartLine(const std::string& runId, int attempt, const std::string& config) {
    nlohmann::ordered_json j;
    j["event"] = "start";
    j["run"] = runId;
    j["attempt"] = attempt;
    j["config"] = config;
    return j.dump();
}

MetricsWriter::MetricsWriter(const std::string& path) : m_path(path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw FormatError(path, std::string("cannot open for appending: ") + std::strerror(errno));
    // A writer killed mid-line leaves an incomplete last line. It holds no
    // record, and a line appended after it would turn it into a malformed
    // line in the middle of the file: cut it off before appending.
    off_t end = ::lseek(fd, 0, SEEK_END);
    off_t keep = end;
    char buf[4096];
    while (keep > 0) {
        const off_t from = std::max<off_t>(0, keep - static_cast<off_t>(sizeof buf));
        const auto n = ::pread(fd, buf, static_cast<size_t>(keep - from), from);
        if (n <= 0) break;
        off_t i = n;
        while (i > 0 && buf[i - 1] != '\n') --i;
        if (i > 0) {
            keep = from + i;
            break;
        }
        keep = from;
    }
    if (keep != end && ::ftruncate(fd, keep) != 0) {
        ::close(fd);
        throw FormatError(path, std::string("cannot cut off the incomplete last line: ") + std::strerror(errno));
    }
    m_file = ::fdopen(fd, "ab");
    if (!m_file) {
        ::close(fd);
        throw FormatError(path, std::string("cannot open for appending: ") + std::strerror(errno));
    }
}

MetricsWriter::~MetricsWriter() {
    if (m_file) std::fclose(m_file);
}

void MetricsWriter::writeLine(const std::string& text) {
    const std::string line = text + "\n";
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size() || std::fflush(m_file) != 0)
        throw FormatError(m_path, std::string("write failed: ") + std::strerror(errno));
}

void MetricsWriter::write(const StepMetrics& m) { writeLine(metricsLine(m)); }

void MetricsWriter::writeRunStart(const std::string& runId, int attempt, const std::string& config) {
    writeLine(runStartLine(runId, attempt, config));
}

const LoggedRun* MetricsLog::find(const std::string& runId) const {
    for (const LoggedRun& r : runs)
        if (r.run.steps.front().runId == runId) return &r;
    return nullptr;
}

int MetricsLog::attemptsOf(const std::string& runId) const {
    const auto it = attempts.find(runId);
    return it == attempts.end() ? 0 : it->second;
}

MetricsLog readMetricsLog(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot open metrics file");
    std::vector<std::string> lines;
    std::vector<size_t> lineNo;
    size_t n = 0;
    for (std::string l; std::getline(in, l);) {
        ++n;
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (l.empty()) continue;
        lines.push_back(std::move(l));
        lineNo.push_back(n);
    }
    MetricsLog log;
    std::map<std::string, size_t> index;
    auto entry = [&](const std::string& id) -> LoggedRun& {
        auto [it, added] = index.emplace(id, log.runs.size());
        if (added) log.runs.emplace_back();
        return log.runs[it->second];
    };
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string where = path + ":" + std::to_string(lineNo[i]);
        try {
            const auto j = nlohmann::json::parse(lines[i]);
            if (j.is_object() && j.contains("event")) {
                if (j.at("event").get<std::string>() != "start") throw std::runtime_error("unknown event");
                LoggedRun& r = entry(j.at("run").get<std::string>());
                // A new attempt replaces whatever the cut-off one had written.
                const RunSpec spec = r.run.spec;
                r.run = RunResult{};
                r.run.spec = spec;
                r.attempt = j.value("attempt", r.attempt + 1);
                r.config = j.value("config", std::string());
                int& a = log.attempts[j.at("run").get<std::string>()];
                a = std::max(a, r.attempt);
                ++log.lines;
                continue;
            }
            const StepMetrics m = parseMetricsLine(lines[i], where);
            LoggedRun& r = entry(m.runId);
            r.run.spec = m.spec;
            r.run.trainable = m.trainable;
            if (m.step == 0) r.run.startLoss = m.heldOutLoss;
            r.run.finalLoss = m.heldOutLoss;
            r.run.completed = m.totalSteps > 0 && m.step == m.totalSteps;
            r.run.steps.push_back(m);
            ++log.lines;
        } catch (const std::exception& e) {
            if (i + 1 == lines.size()) {  // torn last line of an interrupted write
                log.tornLastLine = true;
                log.warnings.push_back(where + ": ignored an incomplete last line (the sweep was interrupted)");
                break;
            }
            if (dynamic_cast<const FormatError*>(&e)) throw;
            throw FormatError(where, std::string("malformed metrics line: ") + e.what());
        }
    }
    // A start marker with no step yet has no spec: drop it.
    std::vector<LoggedRun> kept;
    for (LoggedRun& r : log.runs)
        if (!r.run.steps.empty()) kept.push_back(std::move(r));
    log.runs = std::move(kept);
    return log;
}

std::vector<RunResult> readMetricsFile(const std::string& path) {
    std::vector<RunResult> out;
    for (LoggedRun& r : readMetricsLog(path).runs) out.push_back(std::move(r.run));
    return out;
}

std::string metricsText(const MetricsLog& log) {
    std::string out;
    for (const LoggedRun& r : log.runs) {
        if (r.attempt > 0) out += runStartLine(r.run.steps.front().runId, r.attempt, r.config) + "\n";
        for (const StepMetrics& m : r.run.steps) out += metricsLine(m) + "\n";
    }
    return out;
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

const std::vector<std::string> kSummaryColumns = {
    "arm",     "basis",     "param",      "k",      "match_k",  "trainable",       "best_lr",
    "start_loss", "final_loss", "efficiency_mean", "efficiency_std", "n", "defined", "l0",
    "full_mean", "full_std",  "baseline_learns", "note"};

} // namespace

std::string summaryCsvText(const EfficiencyTable& t) {
    std::ostringstream out;
    for (size_t i = 0; i < kSummaryColumns.size(); ++i) out << (i ? "," : "") << kSummaryColumns[i];
    out << "\n";
    for (const EfficiencyRow& r : t.rows) {
        const bool amp = r.arm == Arm::Amp;
        out << armName(r.arm) << ',' << (amp ? basisName(r.basis) : "") << ',' << (amp ? ampParamName(r.param) : "")
            << ',' << r.k << ',' << r.matchK << ',' << r.trainable << ',' << csvNum(r.bestLr) << ','
            << csvNum(r.startLoss) << ',' << csvNum(r.finalLoss) << ',' << (r.defined ? csvNum(r.mean) : "") << ','
            << (r.defined ? csvNum(r.spread) : "") << ',' << r.n << ',' << (r.defined ? 1 : 0) << ',' << csvNum(t.l0)
            << ',' << csvNum(t.fullMean) << ',' << csvNum(t.fullSpread) << ',' << (t.baselineLearns ? 1 : 0) << ','
            << csvQuote(t.note) << "\n";
    }
    return out.str();
}

void writeSummaryCsv(const std::string& path, const EfficiencyTable& t) {
    try {
        writeFileAtomically(path, summaryCsvText(t));
    } catch (const std::runtime_error& e) {
        throw FormatError(path, e.what());
    }
}

EfficiencyTable readSummaryCsv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw FormatError(path, "cannot open summary");
    EfficiencyTable t;
    t.l0 = t.fullMean = t.fullSpread = std::numeric_limits<double>::quiet_NaN();
    std::string line;
    int lineNo = 0;
    std::map<std::string, size_t> col;
    try {
        while (std::getline(in, line)) {
            ++lineNo;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            if (line[0] == '#') {  // the layout before issue 9: sweep-level values on a comment line
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
            const auto f = splitCsv(line);
            if (col.empty()) {
                for (size_t i = 0; i < f.size(); ++i) col[f[i]] = i;
                for (const char* need : {"arm", "basis", "param", "k", "match_k", "trainable", "best_lr", "start_loss",
                                         "final_loss", "efficiency_mean", "efficiency_std", "n", "defined"})
                    if (!col.count(need)) throw std::runtime_error(std::string("the header has no column ") + need);
                continue;
            }
            if (f.size() != col.size())
                throw std::runtime_error("expected " + std::to_string(col.size()) + " fields, got " +
                                         std::to_string(f.size()));
            auto at = [&](const char* name) -> const std::string& { return f[col.at(name)]; };
            EfficiencyRow r;
            const auto arm = armFromName(at("arm"));
            if (!arm) throw std::runtime_error("unknown arm '" + at("arm") + "'");
            r.arm = *arm;
            if (!at("basis").empty()) r.basis = basisFromName(at("basis")).value_or(BasisKind::Universal);
            if (!at("param").empty()) r.param = ampParamFromName(at("param")).value_or(AmpParam::Residual);
            r.k = std::stoi(at("k"));
            r.matchK = std::stoi(at("match_k"));
            r.trainable = std::stoll(at("trainable"));
            r.bestLr = csvDouble(at("best_lr"));
            r.startLoss = csvDouble(at("start_loss"));
            r.finalLoss = csvDouble(at("final_loss"));
            r.mean = csvDouble(at("efficiency_mean"));
            r.spread = csvDouble(at("efficiency_std"));
            r.n = std::stoi(at("n"));
            r.defined = at("defined") == "1";
            if (col.count("l0")) {
                t.l0 = csvDouble(at("l0"));
                t.fullMean = csvDouble(at("full_mean"));
                t.fullSpread = csvDouble(at("full_std"));
                t.baselineLearns = at("baseline_learns") == "1";
                t.note = col.count("note") ? at("note") : std::string();
            }
            t.rows.push_back(r);
        }
    } catch (const std::exception& e) {
        throw FormatError(path, "line " + std::to_string(lineNo) + ": " + e.what());
    }
    if (col.empty()) throw FormatError(path, "no header row");
    return t;
}

SweepFolder readSweepFolder(const std::string& dir) {
    SweepFolder f;
    const auto base = std::filesystem::path(dir);
    MetricsLog log;
    if (isShardedSweep(dir)) {
        MergedSweep m = mergeShards(dir);
        log = std::move(m.log);
        f.warnings = std::move(m.warnings);
        f.hasSummary = std::filesystem::exists(base / "summary.csv");
    } else {
        log = readMetricsLog((base / "metrics.jsonl").string());
        f.warnings = log.warnings;
        f.hasSummary = std::filesystem::exists(base / "summary.csv");
        // Runs last made with other options than the sweep's record says
        // (a --resume with changed options re-runs them) are not this sweep's.
        const std::string key = sweepConfigKey(dir);
        if (!key.empty()) {
            std::vector<LoggedRun> kept;
            for (LoggedRun& r : log.runs)
                if (r.config.empty() || r.config == key) kept.push_back(std::move(r));
            log.runs = std::move(kept);
        }
    }
    for (LoggedRun& r : log.runs) f.runs.push_back(std::move(r.run));
    f.efficiency = computeEfficiency(f.runs);
    return f;
}

} // namespace ctscope
