// ctscope-engine: the headless command line with the training engine
// (LibTorch) and no Qt. `ctscope eval|finetune` hand over to it; the window
// starts it as a child process to run a sweep (`finetune ... --progress json`,
// docs/engine-protocol.md). On a GPU node it is the whole command line.
#include "app/commands.h"
#include "app/device_analysis.h"
#include "app/top_level.h"

#include "core/train/device.h"
#include "core/train/torch_spectra.h"
#include "core/util/openmp_spin.h"

#include <cstdio>
#include <string>

namespace {

/// analyze/compare --device: the LibTorch spectral path (core/train/torch_spectra.h).
ctscope::SpectralAnalysis torchAnalysis(const ctscope::Checkpoint& ckpt, const ctscope::AnalysisOptions& opts,
                                        ctscope::DeviceKind device, const ctscope::ProgressFn& progress) {
    ctscope::TorchSpectraOptions t;
    t.device = device;
    t.fp64 = opts.precision != ctscope::Precision::Fast;
    t.keepBases = opts.keepBases;
    return ctscope::analyzeCheckpointTorch(ckpt, t, progress);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ctscope::cli;
    // Training: libgomp must start with a short spin (core/util/openmp_spin.h).
    if (argc >= 2 && (std::string(argv[1]) == "eval" || std::string(argv[1]) == "finetune"))
        ctscope::openmp_spin::reexecIfUnset(argv);
    setDeviceBackend({torchAnalysis, ctscope::resolveDevice, ctscope::describeDevice});
    TopLevel top("ctscope-engine", "ctscope-engine " CTSCOPE_VERSION " (LibTorch " CTSCOPE_TORCH_VERSION ")",
                 "ctscope-engine " CTSCOPE_VERSION " - the headless ctscope with the training engine (no Qt)");
    top.add("analyze", "spectra by matrix type (tables, JSON, CSV)", cmdAnalyze);
    top.add("eval", "next-token loss in nats/token", cmdEval);
    top.add("finetune", "amplitude-only vs full fine-tuning sweep", cmdFinetune);
    top.add("compare", "what a fine-tune moved, by type", cmdCompare);
    top.add("tokenize", "token ids of a text", cmdTokenize);
    top.add("sweep", "a sweep spread over shards / Slurm tasks: status or merge", cmdSweep);
    top.footer("The window and `export` are in ctscope. `ctscope eval|finetune` run this program.");
    if (argc >= 2 && std::string(argv[1]) == "export") {
        std::fputs("ctscope-engine: export is in ctscope (the window's binary), not in the engine\n", stderr);
        return 2;
    }
    return top.run(argc, argv);
}
