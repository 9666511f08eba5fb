#include "core/report/sweep_dir.h"

#include "core/report/metrics_io.h"

#include <filesystem>
#include <stdexcept>

namespace ctscope {

namespace fs = std::filesystem;

std::string ExistingSweep::describe() const {
    std::string s;
    for (const std::string& f : files) {
        if (!s.empty()) s += ", ";
        s += f;
        if (f == "metrics.jsonl")
            s += " with " + std::to_string(finishedRuns) + " finished run(s)" +
                 (partialRuns ? " and " + std::to_string(partialRuns) + " cut off" : std::string());
        if (f == "shards/") s += " (" + std::to_string(shards) + " shard folder(s))";
    }
    return s;
}

ExistingSweep inspectSweepDir(const std::string& dir) {
    ExistingSweep e;
    std::error_code ec;
    const fs::path base(dir);
    if (!fs::is_directory(base, ec)) return e;
    for (const char* name : {"metrics.jsonl", "summary.csv", "sweep.json"})
        if (fs::exists(base / name, ec)) e.files.emplace_back(name);
    if (fs::is_directory(base / "shards", ec)) {
        e.files.emplace_back("shards/");
        for (const auto& entry : fs::directory_iterator(base / "shards", ec))
            if (entry.is_directory()) ++e.shards;
    }
    e.present = !e.files.empty();
    if (fs::exists(base / "metrics.jsonl", ec)) {
        try {
            for (const LoggedRun& r : readMetricsLog((base / "metrics.jsonl").string()).runs)
                ++(r.run.completed ? e.finishedRuns : e.partialRuns);
        } catch (const std::exception&) {
            // still present: the caller refuses the folder all the same
        }
    }
    return e;
}

std::string moveSweepAside(const std::string& dir) {
    fs::path base(dir);
    while (!base.empty() && base.filename().empty()) base = base.parent_path();  // "DIR/" → "DIR"
    for (int n = 1; n < 100000; ++n) {
        const fs::path target = base.string() + ".old-" + std::to_string(n);
        std::error_code ec;
        if (fs::exists(target, ec)) continue;
        fs::rename(base, target, ec);
        if (ec) throw std::runtime_error(base.string() + ": cannot move aside to " + target.string() + ": " + ec.message());
        return target.string();
    }
    throw std::runtime_error(base.string() + ": no free name for moving it aside");
}

} // namespace ctscope
