// GGUF tensor infos: name, dims (innermost first), GGML type, offset into the
// aligned data section that follows them.
#include "core/format/gguf_tensors.h"

#include "core/format/checkpoint.h"
#include "core/format/gguf_quant.h"
#include "core/format/gguf_reader.h"
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/util/error.h"

#include <cstdint>
#include <map>
#include <optional>

namespace ctscope::detail {

namespace {

struct Entry {
    std::string name;
    std::vector<int64_t> shape;    // outermost first
    uint64_t offset = 0;           // relative to the data section
    std::optional<uint64_t> bytes;  // unknown for a GGML type id ctscope does not know
    std::optional<DType> dtype;    // nullopt: listed as unsupported
    std::string reason;
};

std::string blockNote(uint32_t block) {
    return block == 256 ? " (K-quant super-blocks)" : "";
}

}  // namespace

void readGgufTensorInfos(GgufReader& r, uint64_t count, uint64_t alignment, Checkpoint& ck, int fileIndex) {
    const std::string& file = r.file();
    std::vector<Entry> entries;
    for (uint64_t k = 0; k < count; ++k) {
        Entry e;
        e.name = r.string("tensor name");
        const std::string what = "tensor " + quoted(e.name) + ": ";
        const auto nDims = r.read<uint32_t>("tensor info");
        if (nDims > 4)
            throw FormatError(file, what + "has " + std::to_string(nDims) + " dimensions, at most 4 expected");
        std::vector<int64_t> dims;  // innermost first, as stored
        for (uint32_t d = 0; d < nDims; ++d) {
            const auto v = r.read<uint64_t>("tensor info");
            if (v > static_cast<uint64_t>(INT64_MAX))
                throw FormatError(file, what + "dimension " + std::to_string(d) + " is absurd");
            dims.push_back(static_cast<int64_t>(v));
        }
        const auto typeId = r.read<uint32_t>("tensor info");
        e.offset = r.read<uint64_t>("tensor info");
        e.shape.assign(dims.rbegin(), dims.rend());
        const auto numel = numelChecked(e.shape);
        if (!numel) throw FormatError(file, what + "shape " + shapeString(e.shape) + " overflows 64 bits");
        if (e.offset % alignment != 0)
            throw FormatError(file, what + "offset " + std::to_string(e.offset) +
                                        " is not a multiple of the alignment " + std::to_string(alignment));

        const GgmlTypeInfo* info = ggmlTypeInfo(typeId);
        if (info) {
            // A row (the innermost dimension) is a whole number of blocks.
            const int64_t row = dims.empty() ? 1 : dims[0];
            if (row % info->blockSize != 0)
                throw FormatError(file, what + info->name + " rows of " + std::to_string(row) +
                                            " are not whole blocks of " + std::to_string(info->blockSize) +
                                            blockNote(info->blockSize));
            const auto bytes = mulChecked(static_cast<uint64_t>(*numel) / info->blockSize, info->blockBytes);
            if (!bytes) throw FormatError(file, what + "shape " + shapeString(e.shape) + " overflows 64 bits");
            e.bytes = *bytes;
            e.dtype = info->dtype;
        }
        if (!e.dtype)
            e.reason = info ? "GGML type " + ggmlTypeLabel(typeId) + " is not supported for dequantisation"
                            : "GGML type " + ggmlTypeLabel(typeId) + " is unknown to this version of ctscope";
        entries.push_back(std::move(e));
    }

    const MappedFile& mf = *ck.m_files[static_cast<size_t>(fileIndex)];
    const uint64_t dataStart = (r.pos() + alignment - 1) / alignment * alignment;
    const uint64_t dataSize = dataStart <= mf.size() ? mf.size() - dataStart : 0;
    for (Entry& e : entries) {
        // A tensor of an unknown type has an unknown size: it must at least start inside the data.
        const auto end = e.bytes ? addChecked(e.offset, *e.bytes) : std::optional<uint64_t>(e.offset);
        if (!end || *end > dataSize)
            throw FormatError(file, "tensor " + quoted(e.name) + ": data at offset " + std::to_string(e.offset) +
                                        (e.bytes ? " (+" + std::to_string(*e.bytes) + " bytes)" : std::string()) +
                                        " lies beyond the end of the file; the data section holds " +
                                        std::to_string(dataSize) + " bytes");
        if (!e.dtype) {
            ck.m_unsupported.push_back({std::move(e.name), std::move(e.shape), std::move(e.reason)});
            continue;
        }
        TensorInfo t;
        t.name = std::move(e.name);
        t.shape = std::move(e.shape);
        t.dtype = *e.dtype;
        t.nbytes = *e.bytes;
        t.offset = dataStart + e.offset;
        t.data = mf.data() + t.offset;
        t.fileIndex = fileIndex;
        ck.m_tensors.push_back(std::move(t));
    }
}

const std::vector<int64_t>* ggufTensorShape(const Checkpoint& ck, const std::string& name) {
    if (const TensorInfo* t = ck.find(name)) return &t->shape;
    for (const UnsupportedTensor& u : ck.m_unsupported)
        if (u.name == name) return &u.shape;
    return nullptr;
}

void noteUnsupportedTensors(Checkpoint& ck) {
    if (ck.m_unsupported.empty()) return;
    std::map<std::string, int> byReason;
    for (const UnsupportedTensor& u : ck.m_unsupported) ++byReason[u.reason];
    std::string note = std::to_string(ck.m_unsupported.size()) + " tensor(s) skipped, not decodable:";
    for (const auto& [reason, n] : byReason) note += " " + std::to_string(n) + " × " + reason + ";";
    note.back() = '.';
    ck.m_notes.push_back(note);
}

}  // namespace ctscope::detail
