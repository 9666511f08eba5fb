// `ctscope sweep status DIR` and `ctscope sweep merge DIR`: a sweep spread
// over shards (finetune --shard i/N, or --slurm array tasks).
#include "core/util/cli_args.h"
#include "app/command_line.h"
#include "app/commands.h"
#include "app/slurm_submit.h"

#include "core/report/sweep_merge.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

namespace ctscope::cli {

namespace {

void declareSweep(CommandLine& cl) {
    cl.positional("ACTION", "status: progress of each shard, and the Slurm state when known; merge: write "
                            "DIR/metrics.jsonl, summary.csv and sweep.json from DIR/shards/*/ (safe to run while "
                            "shards still run)")
        .positional("DIR", "the --out folder of `finetune ... --shard i/N` or `--slurm`");
}

std::string readJobId(const std::string& dir) {
    std::ifstream in(std::filesystem::path(dir) / "slurm" / "job_id");
    std::string id;
    in >> id;
    return id;
}

/// Array task index → state, from squeue (pending/running) and sacct
/// (finished), whichever this machine has.
std::map<std::string, std::string> slurmStates(const std::string& job) {
    std::map<std::string, std::string> states;
    if (job.empty()) return states;
    const ShellResult sacct = runShell("sacct -n -P -X -j " + shellQuote(job) + " -o JobID,State,ExitCode 2>/dev/null");
    if (sacct.status == 0)
        for (size_t pos = 0; pos < sacct.output.size();) {
            const size_t end = sacct.output.find('\n', pos);
            const std::string line = sacct.output.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
            pos = end == std::string::npos ? sacct.output.size() : end + 1;
            const auto bar = line.find('|'), under = line.find('_');
            if (bar == std::string::npos || under == std::string::npos || under > bar) continue;
            const std::string task = line.substr(under + 1, bar - under - 1);
            std::string rest = line.substr(bar + 1);
            for (char& c : rest)
                if (c == '|') c = ' ';
            states[task] = rest;
        }
    const ShellResult squeue = runShell("squeue -h -r -j " + shellQuote(job) + " -o '%K %T %R' 2>/dev/null");
    if (squeue.status == 0)
        for (size_t pos = 0; pos < squeue.output.size();) {
            const size_t end = squeue.output.find('\n', pos);
            const std::string line = squeue.output.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
            pos = end == std::string::npos ? squeue.output.size() : end + 1;
            const auto sp = line.find(' ');
            if (sp == std::string::npos) continue;
            states[line.substr(0, sp)] = line.substr(sp + 1);
        }
    return states;
}

int status(const std::string& dir) {
    const MergedSweep m = mergeShards(dir);
    const int planned = m.planned();
    std::printf("%s: %d shard(s), %d%s run(s) finished%s\n", dir.c_str(), m.shardCount, m.finished(),
                planned >= 0 ? (" of " + std::to_string(planned)).c_str() : "",
                m.configKey.empty() ? "" : (" (config " + m.configKey + ")").c_str());
    const std::string job = readJobId(dir);
    const auto states = slurmStates(job);
    std::printf("%-6s %9s %8s %8s %9s %8s  %-40s %s\n", "shard", "finished", "planned", "cut off", "restarts",
                "failed", "last step", job.empty() ? "" : "slurm");
    for (const ShardStatus& s : m.shards) {
        std::string last = s.started ? s.lastRun + " " + std::to_string(s.lastStep) + "/" + std::to_string(s.lastSteps)
                                     : std::string("not started");
        const auto st = states.find(std::to_string(s.index));
        std::printf("%-6d %9d %8s %8d %9d %8d  %-40s %s\n", s.index, s.finished,
                    s.planned >= 0 ? std::to_string(s.planned).c_str() : "?", s.partial, s.restarts, s.nonFinite,
                    last.c_str(), st == states.end() ? (job.empty() ? "" : "-") : st->second.c_str());
    }
    if (!job.empty() && states.empty())
        std::printf("Slurm job %s: %s\n", job.c_str(),
                    runShell("command -v squeue >/dev/null 2>&1").status == 0
                        ? "no longer queued (finished, or purged from the controller)"
                        : "squeue/sacct are not available here");
    for (const std::string& w : m.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    return 0;
}

int merge(const std::string& dir) {
    const MergedSweep m = mergeShards(dir);
    if (m.shardCount == 0) {
        std::fprintf(stderr, "ctscope sweep merge: %s has no shard folders (shards/0, shards/1, ...)\n", dir.c_str());
        return 1;
    }
    for (const std::string& w : m.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    writeMergedSweep(dir, m);
    const int planned = m.planned();
    std::printf("merged %d shard(s) of %s: %d%s run(s) finished; wrote metrics.jsonl, summary.csv, sweep.json\n",
                m.shardCount, dir.c_str(), m.finished(),
                planned >= 0 ? (" of " + std::to_string(planned)).c_str() : "");
    if (!m.efficiency.note.empty()) std::printf("note: %s\n", m.efficiency.note.c_str());
    return 0;
}

} // namespace

int cmdSweep(int argc, char** argv) {
    CommandLine cl("sweep", "A sweep spread over shards (finetune --shard i/N, or --slurm array tasks).");
    try {
        declareSweep(cl);
        const std::optional<Args> parsed = cl.parse(argc, argv);
        if (!parsed) return 0;
        const Args& args = *parsed;
        const auto& p = args.positional();
        if (p.size() != 2 || (p[0] != "status" && p[0] != "merge")) throw UsageError("expected status DIR or merge DIR");
        if (!std::filesystem::is_directory(p[1])) throw std::runtime_error(p[1] + ": no such folder");
        return p[0] == "status" ? status(p[1]) : merge(p[1]);
    } catch (const UsageError& e) {
        return usageFailure("ctscope sweep", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope sweep: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
