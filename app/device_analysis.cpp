#include "app/device_analysis.h"

#include "core/util/error.h"

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace ctscope::cli {

namespace {

DeviceBackend& backend() {
    static DeviceBackend b;
    return b;
}

int (*g_handOff)(int, char**) = nullptr;

bool nvidiaDriverLoaded() {
    std::error_code ec;
    return std::filesystem::exists("/proc/driver/nvidia/version", ec);
}

bool engineBeside() {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return !ec && ::access((self.parent_path() / "ctscope-engine").c_str(), X_OK) == 0;
}

}  // namespace

void setDeviceBackend(DeviceBackend b) { backend() = std::move(b); }

void setEngineHandOff(int (*handOff)(int, char**)) { g_handOff = handOff; }

DeviceKind deviceOption(const Args& args) {
    DeviceKind d = DeviceKind::Auto;
    if (args.has("device") && !parseDeviceKind(args.get("device"), &d))
        throw UsageError("--device expects auto, cpu or cuda, got '" + args.get("device") + "'");
    return d;
}

std::optional<int> handOffForDevice(DeviceKind requested, int argc, char** argv) {
    if (backend().analyze || requested == DeviceKind::Cpu) return std::nullopt;
    if (requested == DeviceKind::Auto && !(nvidiaDriverLoaded() && engineBeside())) return std::nullopt;
    if (!g_handOff)
        throw std::runtime_error("--device cuda needs ctscope-engine (LibTorch), and this program has none");
    return g_handOff(argc, argv);
}

DeviceAnalysis analyzeOnDevice(const Checkpoint& ckpt, const AnalysisOptions& opts, DeviceKind requested,
                               const ProgressFn& progress) {
    const DeviceBackend& b = backend();
    DeviceKind resolved = DeviceKind::Cpu;
    if (requested != DeviceKind::Cpu) {
        if (b.resolve)
            resolved = b.resolve(requested);  // throws when cuda is asked for and there is none
        else if (requested == DeviceKind::Cuda)
            throw std::runtime_error("--device cuda: this program has no LibTorch; run it with ctscope-engine");
    }
    if (resolved == DeviceKind::Cpu) return {analyzeCheckpoint(ckpt, opts, progress), "cpu (BLAS/LAPACK)"};
    return {b.analyze(ckpt, opts, resolved, progress), b.describe ? b.describe(resolved) : deviceKindName(resolved)};
}

}  // namespace ctscope::cli
