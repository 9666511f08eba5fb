#pragma once
/// The files a fine-tuning sweep leaves in its folder, read and written
/// without LibTorch (the UI reopens a finished or interrupted sweep with it):
///   metrics.jsonl  one JSON object per step per run, appended and flushed
///   summary.csv    the efficiency table (a leading '#' line holds L₀ and the
///                  baseline; then one row per arm, basis, param and K)
#include "core/report/efficiency.h"
#include "core/train/finetune_types.h"

#include <cstdio>
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

/// Appends lines to metrics.jsonl, flushing each so that an interrupted sweep
/// keeps every finished line. Not thread-safe; one writer per file.
class MetricsWriter {
public:
    /// Creates (truncates) the file; throws FormatError when it cannot.
    explicit MetricsWriter(const std::string& path);
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter&) = delete;
    MetricsWriter& operator=(const MetricsWriter&) = delete;
    void write(const StepMetrics& m);
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    std::FILE* m_file = nullptr;
};

/// Groups the lines of a metrics file into runs, in order of first
/// appearance. startLoss is the step-0 held-out loss, finalLoss the last
/// step's; a run is completed when its last line has step == steps. A torn
/// last line (the process died mid-write) is ignored.
std::vector<RunResult> readMetricsFile(const std::string& path);

/// Writes summary.csv atomically (temporary file, then rename).
void writeSummaryCsv(const std::string& path, const EfficiencyTable& table);
/// Reads a file written by writeSummaryCsv. Throws FormatError.
EfficiencyTable readSummaryCsv(const std::string& path);

struct SweepFolder {
    std::vector<RunResult> runs;
    /// Recomputed from the runs, so an interrupted sweep gets a table too.
    EfficiencyTable efficiency;
    bool hasSummary = false;  ///< summary.csv was present
};

/// Reopens a sweep from its folder (metrics.jsonl required).
SweepFolder readSweepFolder(const std::string& dir);

} // namespace ctscope
