#include "core/report/sweep_merge.h"

#include "core/report/sweep_record.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace ctscope {

namespace fs = std::filesystem;

namespace {

int shardCountHint(const nlohmann::ordered_json& j) {
    if (j.contains("shard") && j["shard"].is_object() && j["shard"].contains("count") && j["shard"]["count"].is_number())
        return j["shard"]["count"].get<int>();
    return 0;
}

void readShard(ShardStatus& s, std::vector<LoggedRun>* runs) {
    const fs::path metrics = fs::path(s.dir) / "metrics.jsonl";
    std::error_code ec;
    s.started = fs::exists(metrics, ec);
    if (const auto j = readSweepJson(s.dir)) {
        if (j->contains("config_key") && (*j)["config_key"].is_string()) s.configKey = (*j)["config_key"];
        if (j->contains("summary") && (*j)["summary"].contains("runs_planned"))
            s.planned = (*j)["summary"]["runs_planned"].get<int>();
    }
    if (!s.started) return;
    MetricsLog log = readMetricsLog(metrics.string());
    for (const std::string& w : log.warnings) s.warnings.push_back(w);
    for (LoggedRun& r : log.runs) {
        if (!s.configKey.empty() && !r.config.empty() && r.config != s.configKey) continue;  // superseded options
        s.restarts += std::max(0, r.attempt - 1);
        if (r.run.completed) {
            ++s.finished;
            if (!std::isfinite(r.run.finalLoss)) ++s.nonFinite;
        } else {
            ++s.partial;
        }
        const StepMetrics& last = r.run.steps.back();
        s.lastRun = last.runId;
        s.lastStep = last.step;
        s.lastSteps = last.totalSteps;
        runs->push_back(std::move(r));
    }
}

} // namespace

int MergedSweep::finished() const {
    int n = 0;
    for (const ShardStatus& s : shards) n += s.finished;
    return n;
}

int MergedSweep::planned() const {
    int n = 0;
    for (const ShardStatus& s : shards) {
        if (s.planned < 0) return -1;
        n += s.planned;
    }
    return n;
}

bool isShardedSweep(const std::string& dir) {
    std::error_code ec;
    return fs::is_directory(fs::path(dir) / "shards", ec);
}

MergedSweep mergeShards(const std::string& dir) {
    MergedSweep m;
    const fs::path root = fs::path(dir) / "shards";
    std::error_code ec;
    int count = 0;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        const std::string name = e.path().filename().string();
        if (!e.is_directory() || name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        count = std::max(count, std::stoi(name) + 1);
        if (const auto j = readSweepJson(e.path().string())) count = std::max(count, shardCountHint(*j));
    }
    try {
        std::ifstream in(fs::path(dir) / "slurm" / "plan.json");
        if (in) {
            const auto plan = nlohmann::json::parse(in);
            if (plan.contains("tasks") && plan["tasks"].is_number()) count = std::max(count, plan["tasks"].get<int>());
        }
    } catch (const std::exception&) {
        m.warnings.push_back(dir + "/slurm/plan.json: unreadable; shards counted from their folders");
    }
    m.shardCount = count;

    std::vector<std::vector<LoggedRun>> perShard(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        ShardStatus s;
        s.index = i;
        s.dir = (root / std::to_string(i)).string();
        readShard(s, &perShard[static_cast<size_t>(i)]);
        if (m.recordJson.empty())
            if (const auto j = readSweepJson(s.dir)) {
                m.recordJson = j->dump();
                m.configKey = s.configKey;
            }
        for (const std::string& w : s.warnings) m.warnings.push_back(w);
        m.shards.push_back(std::move(s));
    }
    std::map<std::string, size_t> index;
    for (int i = 0; i < count; ++i) {
        const ShardStatus& s = m.shards[static_cast<size_t>(i)];
        if (!m.configKey.empty() && !s.configKey.empty() && s.configKey != m.configKey) {
            m.warnings.push_back(s.dir + ": made with other options than the first shard (config " + s.configKey +
                                 " vs " + m.configKey + "); left out");
            continue;
        }
        for (LoggedRun& r : perShard[static_cast<size_t>(i)]) {
            const std::string id = r.run.steps.front().runId;
            const auto it = index.find(id);
            if (it == index.end()) {
                index.emplace(id, m.log.runs.size());
                m.log.runs.push_back(std::move(r));
                continue;
            }
            m.warnings.push_back(s.dir + ": run " + id + " is also in another shard; the finished copy is kept");
            if (r.run.completed && !m.log.runs[it->second].run.completed) m.log.runs[it->second] = std::move(r);
        }
    }
    for (const LoggedRun& r : m.log.runs) m.log.attempts[r.run.steps.front().runId] = r.attempt;
    std::vector<RunResult> runs;
    for (const LoggedRun& r : m.log.runs) runs.push_back(r.run);
    m.efficiency = computeEfficiency(runs);
    return m;
}

void writeMergedSweep(const std::string& dir, const MergedSweep& m) {
    const fs::path base(dir);
    try {
        writeFileAtomically((base / "metrics.jsonl").string(), metricsText(m.log));
    } catch (const std::runtime_error& e) {
        throw FormatError((base / "metrics.jsonl").string(), e.what());
    }
    writeSummaryCsv((base / "summary.csv").string(), m.efficiency);
    nlohmann::ordered_json j = m.recordJson.empty() ? nlohmann::ordered_json::object()
                                                    : nlohmann::ordered_json::parse(m.recordJson);
    nlohmann::ordered_json shards = nlohmann::ordered_json::array();
    for (const ShardStatus& s : m.shards)
        shards.push_back({{"index", s.index}, {"finished", s.finished}, {"planned", s.planned},
                          {"partial", s.partial}, {"restarts", s.restarts}});
    j["shard"] = {{"merged_from", m.shardCount}, {"shards", shards}};
    j["summary"] = sweepSummaryJson(m.efficiency, m.finished(), m.planned());
    writeSweepJson(dir, j);
}

std::string sweepFolderSignature(const std::string& dir) {
    std::string sig;
    std::error_code ec;
    auto add = [&](const fs::path& p) {
        const auto size = fs::file_size(p, ec);
        if (ec) return;
        const auto t = fs::last_write_time(p, ec);
        if (ec) return;
        sig += p.string() + ":" + std::to_string(size) + ":" +
               std::to_string(t.time_since_epoch().count()) + ";";
    };
    const fs::path base(dir);
    add(base / "metrics.jsonl");
    if (isShardedSweep(dir)) {
        std::vector<fs::path> shards;
        for (const auto& e : fs::directory_iterator(base / "shards", ec)) shards.push_back(e.path());
        std::sort(shards.begin(), shards.end());
        for (const fs::path& s : shards) {
            add(s / "metrics.jsonl");
            add(s / "sweep.json");
        }
    }
    return sig;
}

} // namespace ctscope
