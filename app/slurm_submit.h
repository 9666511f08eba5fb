#pragma once
/// `ctscope finetune ... --slurm`: writes DIR/slurm/sweep.sbatch (an array
/// job of N tasks, task i running `ctscope finetune ... --shard i/N --resume`
/// into DIR/shards/i), DIR/slurm/plan.json (the runs of each shard) and
/// submits the script with sbatch.
#include <string>
#include <vector>

namespace ctscope::cli {

struct SlurmRequest {
    std::string outDir;                  ///< the sweep's folder (shards go below it)
    int tasks = 1;
    std::string partition;               ///< empty: the cluster's default
    std::string time;                    ///< e.g. "4:00:00"; empty: the partition's default
    int cpusPerTask = 0;                 ///< 0: not set
    int gpusPerTask = 0;                 ///< 0: not set
    std::vector<std::string> sbatchArgs; ///< passed through as #SBATCH lines
    bool dryRun = false;                 ///< write the script, do not submit
    bool threadsGiven = false;           ///< --threads was on the command line
    std::vector<std::string> taskArgs;   ///< the finetune arguments every task runs
    std::vector<std::vector<std::string>> shardRunIds;  ///< run ids per shard
};

/// Writes the files and (unless dryRun) submits. Returns the exit code:
/// 0 submitted (job id printed) or written, 1 when Slurm cannot be reached.
int submitSlurmSweep(const SlurmRequest& request);

/// argv[2..] without the flags that only the submitting command uses
/// (--slurm, --tasks, --partition, --time, --cpus-per-task, --gpus-per-task,
/// --sbatch-arg, --dry-run, --resume, --overwrite, --shard, --out).
std::vector<std::string> taskArguments(int argc, char** argv);

/// Every value of a repeatable `--flag VALUE` / `--flag=VALUE`, in order.
std::vector<std::string> repeatedFlag(int argc, char** argv, const std::string& flag);

/// `text` quoted for a POSIX shell.
std::string shellQuote(const std::string& text);

/// Output of `command` run by the shell (stdout only), and its exit status.
struct ShellResult {
    int status = -1;
    std::string output;
};
ShellResult runShell(const std::string& command);

} // namespace ctscope::cli
