#pragma once
/// Runs a fine-tuning sweep (full baseline, amp arms over bases × K, LoRA
/// controls) over seeds. No LibTorch in this header: the UI includes it.
#include "core/report/efficiency.h"
#include "core/train/finetune_types.h"

#include <vector>

namespace ctscope {

class Checkpoint;
struct SpectralAnalysis;

struct SweepResult {
    std::vector<RunResult> runs;       ///< finished runs (all of them unless stopped)
    EfficiencyTable efficiency;        ///< from the runs above
    bool cancelled = false;
    std::string savedRunId;  ///< the run written to FinetuneOptions::saveDir (empty: none)
};

/// Blocking; call from a worker thread. `analysis` supplies the frozen bases
/// (it must have been made with keepBases). Writes metrics.jsonl and
/// summary.csv under opts.outDir when set, line by line as runs progress.
/// Throws FormatError/std::runtime_error on bad input; on stop returns what
/// finished with cancelled = true.
SweepResult runSweep(const Checkpoint& ckpt, const SpectralAnalysis& analysis,
                     const FinetuneOptions& opts, const SweepCallbacks& callbacks);

} // namespace ctscope
