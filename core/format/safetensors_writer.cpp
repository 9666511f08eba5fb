#include "core/format/safetensors_writer.h"

#include "core/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <set>
#include <stdexcept>

namespace ctscope {

namespace {

uint64_t elementSize(const std::string& dtype) {
    if (dtype == "F32") return 4;
    if (dtype == "F64") return 8;
    throw std::invalid_argument("writeSafetensors: unsupported dtype " + dtype);
}

uint64_t byteCount(const SafetensorsEntry& e) {
    uint64_t n = 1;
    for (int64_t s : e.shape) {
        if (s < 0) throw std::invalid_argument("writeSafetensors: negative dimension in " + e.name);
        n *= static_cast<uint64_t>(s);
    }
    return n * elementSize(e.dtype);
}

} // namespace

void writeSafetensors(const std::string& file, const std::vector<SafetensorsEntry>& entries,
                      const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header;
    std::set<std::string> names;
    uint64_t offset = 0;
    for (const auto& e : entries) {
        if (e.name == "__metadata__" || !names.insert(e.name).second)
            throw std::invalid_argument("writeSafetensors: duplicate or reserved tensor name " + e.name);
        const uint64_t bytes = byteCount(e);
        header[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::string h = header.dump();
    h.resize((h.size() + 7) / 8 * 8, ' ');  // data starts 8-aligned
    writeFileAtomically(file, [&](std::ostream& out) {
        const uint64_t len = h.size();
        char head[8];
        for (int i = 0; i < 8; ++i) head[i] = static_cast<char>((len >> (8 * i)) & 0xff);
        out.write(head, 8);
        out.write(h.data(), static_cast<std::streamsize>(h.size()));
        for (const auto& e : entries)
            out.write(static_cast<const char*>(e.data), static_cast<std::streamsize>(byteCount(e)));
    });
}

} // namespace ctscope
