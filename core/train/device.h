#pragma once
/// Where the LibTorch side runs: the training engine, evaluation and the
/// torch spectral path. Torch-free header (option structs and the command
/// line include it); resolving needs LibTorch and lives in ctscope_train.
#include <string>

namespace ctscope {

/// `auto` picks CUDA when LibTorch sees a GPU, the CPU otherwise.
enum class DeviceKind { Auto, Cpu, Cuda };

/// "auto", "cpu" or "cuda".
inline const char* deviceKindName(DeviceKind d) {
    switch (d) {
    case DeviceKind::Cpu: return "cpu";
    case DeviceKind::Cuda: return "cuda";
    case DeviceKind::Auto: break;
    }
    return "auto";
}

/// Parses "auto", "cpu" or "cuda" (as `--device` takes it). Returns false
/// and leaves `out` alone for anything else.
inline bool parseDeviceKind(const std::string& s, DeviceKind* out) {
    if (s == "auto") *out = DeviceKind::Auto;
    else if (s == "cpu") *out = DeviceKind::Cpu;
    else if (s == "cuda") *out = DeviceKind::Cuda;
    else return false;
    return true;
}

/// True when this LibTorch build has CUDA and sees at least one GPU. Any thread.
bool cudaAvailable();

/// Cpu or Cuda for a request: Auto becomes Cuda when cudaAvailable(), Cpu
/// otherwise. Throws std::runtime_error saying why when Cuda is asked for and
/// there is none (a CPU-only LibTorch, or no GPU visible). Any thread.
DeviceKind resolveDevice(DeviceKind requested);

/// One line for logs: "cpu", or "cuda (NVIDIA H200, LibTorch 2.5.1)"-style
/// text naming the LibTorch version. Resolves `requested` first (may throw
/// as resolveDevice does).
std::string describeDevice(DeviceKind requested);

} // namespace ctscope
