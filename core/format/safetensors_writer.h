#pragma once
/// Writes a .safetensors file (8-byte little-endian header length, JSON
/// header, raw little-endian data) that PyTorch's `safetensors.torch.load_file`
/// and ctscope read back.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ctscope {

struct SafetensorsEntry {
    std::string name;
    std::string dtype;            ///< "F32" or "F64"
    std::vector<int64_t> shape;
    const void* data = nullptr;   ///< row-major, numel × element size bytes
};

/// Writes `file` atomically, tensors in the given order. Throws
/// std::invalid_argument on an unknown dtype or a duplicate name,
/// std::runtime_error naming the file when it cannot be written.
void writeSafetensors(const std::string& file, const std::vector<SafetensorsEntry>& entries,
                      const std::map<std::string, std::string>& metadata = {});

} // namespace ctscope
