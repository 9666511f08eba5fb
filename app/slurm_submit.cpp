#include "app/slurm_submit.h"

#include "core/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

namespace ctscope::cli {

namespace fs = std::filesystem;

namespace {

/// Requeues after a stop at most this many times: a run that cannot finish
/// within the time limit must not loop forever.
constexpr int kMaxRequeues = 10;

std::string selfPath() {
    std::error_code ec;
    const auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("ctscope") : p.string();
}

std::string absolute(const std::string& p) {
    std::error_code ec;
    const auto a = fs::absolute(p, ec);
    return ec ? p : a.lexically_normal().string();
}

std::string script(const SlurmRequest& r, const std::string& dir) {
    const std::string logs = dir + "/slurm/logs";
    std::string s = "#!/bin/bash\n";
    s += "#SBATCH --job-name=ctscope-sweep\n";
    s += "#SBATCH --array=0-" + std::to_string(r.tasks - 1) + "\n";
    s += "#SBATCH --output=" + logs + "/task-%a.out\n";
    s += "#SBATCH --open-mode=append\n";
    s += "#SBATCH --chdir=" + absolute(".") + "\n";
    // Pre-emption and node failure requeue the task; 120 s before the time
    // limit the batch shell gets SIGTERM, forwards it, and the sweep stops
    // at its next step boundary with every finished line kept.
    s += "#SBATCH --requeue\n";
    s += "#SBATCH --signal=B:TERM@120\n";
    s += "#SBATCH --ntasks=1\n";
    if (!r.partition.empty()) s += "#SBATCH --partition=" + r.partition + "\n";
    if (!r.time.empty()) s += "#SBATCH --time=" + r.time + "\n";
    if (r.cpusPerTask > 0) s += "#SBATCH --cpus-per-task=" + std::to_string(r.cpusPerTask) + "\n";
    if (r.gpusPerTask > 0) s += "#SBATCH --gpus-per-task=" + std::to_string(r.gpusPerTask) + "\n";
    for (const std::string& a : r.sbatchArgs) s += "#SBATCH " + a + "\n";
    s += "# Written by ctscope " CTSCOPE_VERSION ": array task i runs shard i of " + std::to_string(r.tasks) +
         " of the sweep in\n# " + dir + " (into shards/i). Merge with: ctscope sweep merge " + dir + "\n";
    s += "set -u\n";
    std::string cmd = shellQuote(selfPath()) + " finetune";
    for (const std::string& a : r.taskArgs) cmd += " " + shellQuote(a);
    cmd += " --out " + shellQuote(dir) + " --shard \"${SLURM_ARRAY_TASK_ID}/" + std::to_string(r.tasks) + "\" --resume";
    if (!r.threadsGiven) cmd += " --threads \"${SLURM_CPUS_PER_TASK:-0}\"";
    s += "echo \"ctscope: task ${SLURM_ARRAY_TASK_ID} (restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date)\"\n";
    s += cmd + " &\n";
    s += "pid=$!\n";
    s += "on_term() {\n";
    s += "  kill -TERM \"$pid\" 2>/dev/null\n";
    s += "  wait \"$pid\"\n";
    s += "  rc=$?\n";
    s += "  if [ \"${SLURM_RESTART_COUNT:-0}\" -lt " + std::to_string(kMaxRequeues) + " ]; then\n";
    s += "    scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\" 2>/dev/null || true\n";
    s += "  fi\n";
    s += "  exit \"$rc\"\n";
    s += "}\n";
    s += "trap on_term TERM\n";
    s += "wait \"$pid\"\n";
    s += "exit $?\n";
    return s;
}

} // namespace

std::string shellQuote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

ShellResult runShell(const std::string& command) {
    ShellResult r;
    std::FILE* p = ::popen(command.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

std::vector<std::string> repeatedFlag(int argc, char** argv, const std::string& flag) {
    std::vector<std::string> out;
    const std::string f = "--" + flag;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == f && i + 1 < argc) out.emplace_back(argv[++i]);
        else if (a.rfind(f + "=", 0) == 0) out.push_back(a.substr(f.size() + 1));
    }
    return out;
}

std::vector<std::string> taskArguments(int argc, char** argv) {
    static const std::set<std::string> valued{"tasks", "partition", "time", "cpus-per-task",
                                              "gpus-per-task", "sbatch-arg", "shard", "out"};
    static const std::set<std::string> switches{"slurm", "dry-run", "resume", "overwrite"};
    std::vector<std::string> out;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--", 0) == 0) {
            const auto eq = a.find('=');
            const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            if (switches.count(name)) continue;
            if (valued.count(name)) {
                if (eq == std::string::npos) ++i;  // its value follows
                continue;
            }
        }
        out.push_back(a);
    }
    return out;
}

int submitSlurmSweep(const SlurmRequest& r) {
    const std::string dir = absolute(r.outDir);
    const fs::path slurm = fs::path(dir) / "slurm";
    fs::create_directories(slurm / "logs");
    fs::create_directories(fs::path(dir) / "shards");
    const std::string scriptPath = (slurm / "sweep.sbatch").string();
    writeFileAtomically(scriptPath, script(r, dir));
    fs::permissions(scriptPath, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    nlohmann::ordered_json plan;
    plan["tasks"] = r.tasks;
    plan["script"] = scriptPath;
    plan["baseline_shard"] = 0;
    plan["runs"] = r.shardRunIds;
    writeFileAtomically((slurm / "plan.json").string(), plan.dump(2) + "\n");
    size_t runs = 0;
    for (const auto& s : r.shardRunIds) runs += s.size();
    std::printf("wrote %s: %d task(s), %zu run(s) (shard 0 runs the full fine-tuning baseline)\n", scriptPath.c_str(),
                r.tasks, runs);
    if (r.dryRun) {
        std::printf("--dry-run: not submitted; submit with: sbatch %s\n", scriptPath.c_str());
        return 0;
    }
    if (runShell("command -v sbatch >/dev/null 2>&1").status != 0) {
        std::fprintf(stderr,
                     "ctscope finetune: sbatch is not on PATH: this machine cannot reach Slurm.\n"
                     "  The script is written; submit it from a login node with: sbatch %s\n",
                     scriptPath.c_str());
        return 1;
    }
    const ShellResult sub = runShell("sbatch --parsable " + shellQuote(scriptPath) + " 2>&1");
    std::string id = sub.output;
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r' || id.back() == ' ')) id.pop_back();
    if (sub.status != 0 || id.empty()) {
        std::fprintf(stderr, "ctscope finetune: sbatch failed (Slurm not reachable?): %s\n", id.c_str());
        return 1;
    }
    if (const auto semi = id.find(';'); semi != std::string::npos) id = id.substr(0, semi);  // "id;cluster"
    writeFileAtomically((slurm / "job_id").string(), id + "\n");
    std::printf("submitted Slurm job %s (%d array task(s))\n", id.c_str(), r.tasks);
    std::printf("follow it with: ctscope sweep status %s; merge with: ctscope sweep merge %s\n", dir.c_str(),
                dir.c_str());
    return 0;
}

} // namespace ctscope::cli
