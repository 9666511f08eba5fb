#pragma once
/// The files a fine-tuning sweep leaves in its folder, read and written
/// without LibTorch (the UI reopens a finished or interrupted sweep with it):
///   metrics.jsonl  one JSON object per line, appended and flushed: a start
///                  marker {"event":"start","run","attempt","config"} when a
///                  run (re)starts, then one record per step of it
///   summary.csv    the efficiency table: plain CSV, one header row, one row
///                  per arm, basis, param and K; the sweep-level values (L₀,
///                  baseline mean and spread, baseline_learns, note) are
///                  columns repeated on every row (and also in sweep.json)
#include "core/report/efficiency.h"
#include "core/train/finetune_types.h"

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ctscope {

std::optional<Arm> armFromName(const std::string& s);
std::optional<BasisKind> basisFromName(const std::string& s);
std::optional<AmpParam> ampParamFromName(const std::string& s);
/// Compact learning-rate text used in run ids: 1e-3, 3e-4, 2.5e-3.
std::string formatLr(double lr);

/// One metrics.jsonl line (no newline). Keys: run, arm, basis, param, k,
/// match_k, seed, lr, step, steps, train_loss, heldout_loss, seconds,
/// trainable. basis/param are null for non-amp runs, losses null when NaN.
std::string metricsLine(const StepMetrics& m);
/// Parses one line. Throws FormatError naming `where` when malformed.
StepMetrics parseMetricsLine(const std::string& line, const std::string& where = {});

/// The start marker written before a run's step-0 line. `attempt` counts
/// from 1; `config` is the key of the options the run was made with.
std::string runStartLine(const std::string& runId, int attempt, const std::string& config);

/// Appends lines to metrics.jsonl (never truncates: a resumed sweep adds to
/// what is there), flushing each line so that an interrupted sweep keeps
/// every finished one. A torn last line left by a killed writer (it holds
/// no record) is cut off first, so the file never has a malformed line
/// before its last one.
/// Not thread-safe; one writer per file.
class MetricsWriter {
public:
    /// Opens (creates) the file for appending; throws FormatError when it cannot.
    explicit MetricsWriter(const std::string& path);
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter&) = delete;
    MetricsWriter& operator=(const MetricsWriter&) = delete;
    void write(const StepMetrics& m);
    void writeRunStart(const std::string& runId, int attempt, const std::string& config);
    const std::string& path() const { return m_path; }

private:
    void writeLine(const std::string& line);
    std::string m_path;
    std::FILE* m_file = nullptr;
};

/// One run as the metrics file last recorded it.
struct LoggedRun {
    RunResult run;
    int attempt = 0;       ///< attempts started (0: a file from before start markers)
    std::string config;    ///< the options key of the last attempt (empty: unknown)
};

/// A metrics file read back: runs in order of first appearance, each with
/// only its last attempt's lines (a run restarted after a kill does not
/// count its cut-off attempt), and what was ignored.
struct MetricsLog {
    std::vector<LoggedRun> runs;
    std::vector<std::string> warnings;  ///< e.g. the torn last line that was ignored
    bool tornLastLine = false;
    int lines = 0;                      ///< well-formed lines read
    std::map<std::string, int> attempts;  ///< highest attempt started per run id (incl. runs with no step yet)
    const LoggedRun* find(const std::string& runId) const;
    int attemptsOf(const std::string& runId) const;
};

/// Reads a metrics file. startLoss is the step-0 held-out loss, finalLoss the
/// last step's; a run is completed when its last line has step == steps. A
/// torn last line (the process died mid-write) is ignored with a warning; a
/// malformed line elsewhere throws FormatError naming the file and line.
MetricsLog readMetricsLog(const std::string& path);
/// readMetricsLog(path), the runs only.
std::vector<RunResult> readMetricsFile(const std::string& path);
/// The lines of `log` again (start marker, then steps, per run), e.g. to
/// write a merged file.
std::string metricsText(const MetricsLog& log);

/// summary.csv as text: the header row, then one row per table row.
std::string summaryCsvText(const EfficiencyTable& table);
/// Writes summary.csv atomically (temporary file, flush, rename).
void writeSummaryCsv(const std::string& path, const EfficiencyTable& table);
/// Reads a file written by writeSummaryCsv (and, for old folders, the
/// earlier layout with a leading '# l0=...' line). Throws FormatError.
EfficiencyTable readSummaryCsv(const std::string& path);

struct SweepFolder {
    std::vector<RunResult> runs;
    /// Recomputed from the runs, so an interrupted sweep gets a table too.
    EfficiencyTable efficiency;
    bool hasSummary = false;  ///< summary.csv was present
    std::vector<std::string> warnings;  ///< torn lines ignored, shards skipped, ...
};

/// Reopens a sweep from its folder (metrics.jsonl required). When sweep.json
/// names a config key, runs last made with other options are left out.
/// A folder of shards (DIR/shards/i/, see sweep_merge.h) is merged in memory.
SweepFolder readSweepFolder(const std::string& dir);

} // namespace ctscope
