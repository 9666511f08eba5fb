#pragma once
/// `--device auto|cpu|cuda` of the spectral commands (analyze, compare). The
/// CPU path is the BLAS/LAPACK engine of core/spectral (cached, float64 or
/// float32 by --precision). A LibTorch path, which is how a GPU is used,
/// exists only in ctscope-engine: its main registers it (setDeviceBackend).
/// ctscope links no LibTorch, so there a command that asks for CUDA (or auto
/// on a machine with an NVIDIA driver loaded) is handed to the engine beside
/// it (setEngineHandOff), the same way `eval` and `finetune` are.
#include "core/spectral/spectral_analysis.h"
#include "core/train/device.h"
#include "core/util/cli_args.h"
#include "core/util/progress.h"

#include <functional>
#include <optional>
#include <string>

namespace ctscope {
class Checkpoint;
}

namespace ctscope::cli {

/// What ctscope-engine registers: the LibTorch analysis on a resolved device,
/// resolveDevice() and describeDevice() (core/train/device.h).
struct DeviceBackend {
    std::function<SpectralAnalysis(const Checkpoint&, const AnalysisOptions&, DeviceKind, const ProgressFn&)> analyze;
    std::function<DeviceKind(DeviceKind)> resolve;
    std::function<std::string(DeviceKind)> describe;
};
void setDeviceBackend(DeviceBackend backend);
/// ctscope registers handOffToEngine (app/commands.h).
void setEngineHandOff(int (*handOff)(int argc, char** argv));

/// --device of `args` (default auto). Throws UsageError for anything else.
DeviceKind deviceOption(const Args& args);

/// When this process cannot use `requested` itself, runs the whole command
/// (argv as given to the subcommand) in ctscope-engine and returns its exit
/// code: for cuda without a backend, and for auto without a backend while an
/// NVIDIA driver is loaded (/proc/driver/nvidia/version) and an engine is
/// installed beside this binary. Otherwise nullopt: go on here.
std::optional<int> handOffForDevice(DeviceKind requested, int argc, char** argv);

/// Where the analysis ran, e.g. "cpu (BLAS)" or "cuda (NVIDIA H200, LibTorch 2.5.1)".
struct DeviceAnalysis {
    SpectralAnalysis analysis;
    std::string device;
};
/// The analysis on `requested`: cpu, or auto resolving to the CPU, runs the
/// BLAS engine (analyzeCheckpoint, with its cache); cuda, or auto with a GPU
/// that LibTorch sees, runs the registered backend (no cache; float64 unless
/// --precision fast). Throws std::runtime_error when cuda is asked for and
/// there is none, naming why.
DeviceAnalysis analyzeOnDevice(const Checkpoint& ckpt, const AnalysisOptions& opts, DeviceKind requested,
                               const ProgressFn& progress);

}  // namespace ctscope::cli
