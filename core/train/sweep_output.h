#pragma once
/// The output folder of one sweep (or shard), kept consistent as runs finish:
/// metrics.jsonl appended line by line with a start marker per attempt,
/// summary.csv and sweep.json rewritten atomically after every finished run
/// and when the sweep stops. Knows which runs an earlier, interrupted
/// session already finished with the same options (`--resume`).
/// Torch-free; used by the sweep engine on its worker thread only.
#include "core/report/efficiency.h"
#include "core/report/metrics_io.h"
#include "core/report/sweep_record.h"
#include "core/train/sweep_plan.h"
#include "core/train/text_data.h"

#include <memory>
#include <string>
#include <vector>

namespace ctscope {

class SweepOutput {
public:
    /// Opens opts.outDir (created when missing). Throws std::runtime_error
    /// when it already holds a sweep and opts.resume is not set, FormatError
    /// when its metrics file is damaged beyond a torn last line.
    /// `planned` are the runs this process will run (its shard's);
    /// `kMax` the basis rows every amp run draws from (a random basis depends on it).
    SweepOutput(const FinetuneOptions& opts, const ModelConfig& cfg, const PackedData& data, int firstBlock,
                const std::vector<PlannedArm>& arms, const std::vector<RunSpec>& planned, int kMax,
                const SweepProvenance* provenance);

    /// Hash of every option that changes a run's numbers (data windows,
    /// checkpoint tensors, trained blocks, steps, batch, weight decay, basis rows).
    const std::string& configKey() const { return m_configKey; }
    /// The run as an earlier session finished it with these options, or null.
    const RunResult* finishedBefore(const RunSpec& spec) const;
    /// Lines of the earlier sessions ignored (a torn last line).
    const std::vector<std::string>& warnings() const { return m_warnings; }

    /// Appends the start marker of a new attempt of `runId`.
    void startRun(const std::string& runId);
    void step(const StepMetrics& m) { m_writer->write(m); }
    /// Rewrites summary.csv and sweep.json's summary from `runs` (a shard
    /// other than the baseline's also counts the baseline shard's finished
    /// full runs, when it can read them). Returns the table written.
    EfficiencyTable writeSummary(const std::vector<RunResult>& runs);

private:
    std::vector<RunResult> baselineFromOwner(const std::vector<RunResult>& mine) const;

    FinetuneOptions m_opts;
    std::string m_dir;
    std::string m_configKey;
    int m_planned = 0;
    MetricsLog m_previous;
    std::vector<std::string> m_warnings;
    nlohmann::ordered_json m_record;
    std::unique_ptr<MetricsWriter> m_writer;
};

} // namespace ctscope
