#include "core/train/device.h"

#include <torch/cuda.h>
#include <torch/version.h>

#include <stdexcept>

namespace ctscope {

bool cudaAvailable() {
    return torch::cuda::is_available();
}

DeviceKind resolveDevice(DeviceKind requested) {
    if (requested == DeviceKind::Cpu) return DeviceKind::Cpu;
    const bool cuda = cudaAvailable();
    if (requested == DeviceKind::Auto) return cuda ? DeviceKind::Cuda : DeviceKind::Cpu;
    if (!cuda)
        throw std::runtime_error(std::string("--device cuda: no CUDA device is available (this LibTorch ") +
                                 TORCH_VERSION + (torch::cuda::device_count() == 0 ? " sees no GPU" : "") +
                                 "; a CUDA build of LibTorch given by CMAKE_PREFIX_PATH is needed); use "
                                 "--device cpu or auto");
    return DeviceKind::Cuda;
}

std::string describeDevice(DeviceKind requested) {
    const DeviceKind d = resolveDevice(requested);
    if (d == DeviceKind::Cpu) return std::string("cpu (LibTorch ") + TORCH_VERSION + ")";
    return "cuda (" + std::to_string(torch::cuda::device_count()) + " device(s), LibTorch " + TORCH_VERSION + ")";
}

} // namespace ctscope
