// PyTorch checkpoints written by torch.save (zip format, PyTorch >= 1.6):
// <archive>/data.pkl describes the state dict, <archive>/data/<key> holds
// each storage's raw little-endian bytes, stored uncompressed. Tensors point
// into the memory-mapped archive; only non-contiguous views are copied.
#include "core/format/checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/format/pickle_reader.h"
#include "core/format/tensor_role.h"
#include "core/format/zip_archive.h"
#include "core/util/error.h"

#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace ctscope {

namespace fs = std::filesystem;
using Kind = PickleNode::Kind;

namespace {

constexpr uint64_t kMaxPickleBytes = uint64_t{256} << 20;
constexpr size_t kMaxRank = 16;
constexpr int kMaxDictDepth = 8;
/// torch.save's legacy (pre-1.6) stream: PROTO 2, then LONG1 of its magic number.
constexpr uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

const char* const kResave =
    "re-save it with PyTorch >= 1.6 as torch.save(torch.load(f), f2) (the default "
    "_use_new_zipfile_serialization=True), or convert it to safetensors";

struct StorageDType {
    const char* type;
    unsigned bytes;
    bool weight;  ///< F32/F16/BF16: read as weights
    DType dtype;
};

const StorageDType* storageDType(const std::string& type) {
    static const StorageDType kTable[] = {
        {"FloatStorage", 4, true, DType::F32},         {"HalfStorage", 2, true, DType::F16},
        {"BFloat16Storage", 2, true, DType::BF16},     {"DoubleStorage", 8, false, DType::F32},
        {"LongStorage", 8, false, DType::F32},         {"IntStorage", 4, false, DType::F32},
        {"ShortStorage", 2, false, DType::F32},        {"CharStorage", 1, false, DType::F32},
        {"ByteStorage", 1, false, DType::F32},         {"BoolStorage", 1, false, DType::F32},
        {"ComplexFloatStorage", 8, false, DType::F32}, {"ComplexDoubleStorage", 16, false, DType::F32},
        {"QInt8Storage", 1, false, DType::F32},        {"QUInt8Storage", 1, false, DType::F32},
        {"QInt32Storage", 4, false, DType::F32},       {"QUInt4x2Storage", 1, false, DType::F32},
        {"QUInt2x4Storage", 1, false, DType::F32}};
    for (const StorageDType& s : kTable)
        if (type == s.type) return &s;
    return nullptr;
}

/// Thrown by makeTensor for a non-weight tensor in a dtype ctscope does not read.
struct SkipTensor {
    std::string note;
};

/// One torch.save archive being read into a checkpoint.
class ArchiveReader {
public:
    ArchiveReader(Checkpoint& ck, int fileIndex)
        : m_ck(ck), m_file(*ck.m_files.at(static_cast<size_t>(fileIndex))), m_fileIndex(fileIndex),
          m_zip(openZip(m_file)) {}

    void read();

private:
    static ZipArchive openZip(const MappedFile& f);
    int findTensorDict(const PickleReader& pk, std::string& path) const;
    TensorInfo makeTensor(const PickleReader& pk, const std::string& name, const PickleNode& t);
    void copyStrided(TensorInfo& t, const uint8_t* base, int64_t offset, const std::vector<int64_t>& stride,
                     unsigned elem);

    Checkpoint& m_ck;
    const MappedFile& m_file;
    int m_fileIndex;
    ZipArchive m_zip;
    std::string m_prefix;  ///< "<archive>/"
};

ZipArchive ArchiveReader::openZip(const MappedFile& f) {
    if (!ZipArchive::hasZipMagic(f.data(), f.size())) {
        const bool legacy = f.size() >= sizeof kLegacyMagic && std::memcmp(f.data(), kLegacyMagic, sizeof kLegacyMagic) == 0;
        if (legacy || (f.size() >= 2 && f.data()[0] == 0x80))
            throw FormatError(f.path(), std::string(legacy ? "is a legacy (pre-1.6) torch.save file"
                                                           : "is a bare pickle, not a torch.save zip archive") +
                                            ", which ctscope does not read: " + kResave);
        throw FormatError(f.path(), "is not a PyTorch checkpoint: expected a torch.save zip archive (\"PK\" header)");
    }
    return ZipArchive(f.data(), f.size(), f.path());
}

void ArchiveReader::read() {
    const std::string& path = m_file.path();
    if (m_zip.entries().empty()) throw FormatError(path, "zip archive holds no entries");
    // torch.load takes the archive's folder from its first entry.
    const std::string& first = m_zip.entries().front().name;
    const size_t slash = first.find('/');
    m_prefix = slash == std::string::npos ? std::string() : first.substr(0, slash + 1);
    if (m_zip.find(m_prefix + "constants.pkl"))
        throw FormatError(path, "is a TorchScript archive (torch.jit.save), not a state dict: save the weights with "
                                "torch.save(model.state_dict(), f)");
    const ZipEntry* pkl = m_zip.find(m_prefix + "data.pkl");
    if (!pkl) throw FormatError(path, "zip archive has no '" + m_prefix + "data.pkl': not a torch.save checkpoint");
    if (const ZipEntry* order = m_zip.find(m_prefix + "byteorder")) {
        const uint8_t* p = m_zip.storedData(*order);
        if (std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(std::min<uint64_t>(order->size, 16))) !=
            "little")
            throw FormatError(path, "tensors are stored big-endian; ctscope reads little-endian checkpoints");
    }
    if (pkl->size > kMaxPickleBytes)
        throw FormatError(path, "data.pkl is " + std::to_string(pkl->size) + " bytes, over the 256 MB limit");
    const PickleReader pk(m_zip.storedData(*pkl), pkl->size, path);

    std::string dictPath;
    const int dict = findTensorDict(pk, dictPath);
    if (dict < 0)
        throw FormatError(path, "the pickle holds no dict of tensors (a state dict, or one nested under a key such "
                                "as 'model' or 'state_dict')");
    if (!dictPath.empty())
        m_ck.m_notes.push_back("tensors read from the nested dict " + dictPath + " of " + path +
                               "; its other entries are ignored");
    const auto& kv = pk.node(dict).items;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) {
        const PickleNode& key = pk.node(kv[i]);
        const PickleNode& value = pk.node(kv[i + 1]);
        if (key.kind != Kind::String || value.kind != Kind::Tensor) continue;  // e.g. an _extra_state or a counter
        try {
            m_ck.m_tensors.push_back(makeTensor(pk, key.s, value));
        } catch (const SkipTensor& skip) {
            m_ck.m_notes.push_back(skip.note);
        }
    }
    // The local headers are spread through the file and each pulled in a
    // readahead window; none of those pages is needed until a tensor is read.
    m_file.release(0, m_file.size());
}

int ArchiveReader::findTensorDict(const PickleReader& pk, std::string& path) const {
    // Breadth first, so {"model": state_dict, "optimizer": ...} finds the
    // state dict before the optimizer's nested per-parameter dicts.
    std::deque<std::tuple<int, std::string, int>> queue{{pk.root(), std::string(), 0}};
    std::set<int> seen;
    int best = -1;
    size_t bestCount = 0;
    while (!queue.empty()) {
        auto [id, where, depth] = queue.front();
        queue.pop_front();
        if (!seen.insert(id).second) continue;
        const PickleNode& n = pk.node(id);
        if (n.kind != Kind::Dict) continue;
        size_t tensors = 0;
        for (size_t i = 0; i + 1 < n.items.size(); i += 2) {
            const PickleNode& k = pk.node(n.items[i]);
            const PickleNode& v = pk.node(n.items[i + 1]);
            if (k.kind == Kind::String && v.kind == Kind::Tensor) ++tensors;
            if (v.kind == Kind::Dict && depth < kMaxDictDepth) {
                const std::string key = k.kind == Kind::String ? k.s.substr(0, 200)
                                        : k.kind == Kind::Int  ? std::to_string(k.i)
                                                               : "?";
                queue.emplace_back(n.items[i + 1], where + "['" + key + "']", depth + 1);
            }
        }
        if (tensors > bestCount) {
            best = id;
            bestCount = tensors;
            path = where;
        }
    }
    return best;
}

TensorInfo ArchiveReader::makeTensor(const PickleReader& pk, const std::string& name, const PickleNode& node) {
    const std::string& file = m_file.path();
    const std::string what = "tensor " + detail::quoted(name) + ": ";
    const PickleNode& storage = pk.node(node.items[0]);
    const std::string type = pk.storageType(storage);
    const StorageDType* sd = storageDType(type);
    if (!sd || !sd->weight) {
        if (sd && !isMatrixOrFused(classifyTensor(name).role))
            throw SkipTensor{name + " (torch." + type + "): not a weight of the nine types, skipped"};
        throw FormatError(file, what + "storage type torch." + type +
                                    " is not supported, expected FloatStorage, HalfStorage or BFloat16Storage "
                                    "(float32, float16 or bfloat16)");
    }
    const auto& sizes = pk.node(node.items[1]).items;
    const auto& strides = pk.node(node.items[2]).items;
    if (sizes.size() != strides.size() || sizes.size() > kMaxRank)
        throw FormatError(file, what + std::to_string(sizes.size()) + " sizes and " + std::to_string(strides.size()) +
                                    " strides, expected the same number, at most " + std::to_string(kMaxRank));
    TensorInfo t;
    t.name = name;
    t.dtype = sd->dtype;
    std::vector<int64_t> stride;
    for (size_t d = 0; d < sizes.size(); ++d) {
        const int64_t n = pk.node(sizes[d]).i;
        const int64_t s = pk.node(strides[d]).i;
        if (n < 0 || s < 0)
            throw FormatError(file, what + "dimension " + std::to_string(d) + " has size " + std::to_string(n) +
                                        " and stride " + std::to_string(s) + ", expected non-negative");
        t.shape.push_back(n);
        stride.push_back(s);
    }
    const auto numel = detail::numelChecked(t.shape);
    const auto nbytes = numel ? dtypeBytes(t.dtype, static_cast<uint64_t>(*numel)) : std::nullopt;
    if (!nbytes)
        throw FormatError(file, what + "shape " + detail::shapeString(t.shape) +
                                    " has too many elements: the byte count overflows 64 bits");

    const std::string entryName = m_prefix + "data/" + storage.s;
    const ZipEntry* entry = m_zip.find(entryName);
    if (!entry)
        throw FormatError(file, what + "its storage '" + storage.s + "' has no entry '" + entryName +
                                    "' in the archive (truncated or damaged?)");
    const uint8_t* base = m_zip.storedData(*entry);
    const auto declared = detail::mulChecked(static_cast<uint64_t>(storage.i), sd->bytes);
    if (!declared || entry->size < *declared)
        throw FormatError(file, what + "storage '" + storage.s + "' should hold " + std::to_string(storage.i) + " " +
                                    type + " elements, but its entry has " + std::to_string(entry->size) + " bytes");
    const auto available = static_cast<uint64_t>(storage.i);
    if (node.i < 0) throw FormatError(file, what + "negative storage offset " + std::to_string(node.i));
    const auto offset = static_cast<uint64_t>(node.i);

    // Last element the view reaches: offset + sum((size - 1) * stride).
    std::optional<uint64_t> last = offset;
    bool contiguous = true;
    uint64_t expect = 1;
    for (size_t d = t.shape.size(); d-- > 0;) {
        if (t.shape[d] != 1 && static_cast<uint64_t>(stride[d]) != expect) contiguous = false;
        expect *= static_cast<uint64_t>(t.shape[d]);  // cannot overflow: numel fits
        if (last && t.shape[d] > 0) {
            const auto reach = detail::mulChecked(static_cast<uint64_t>(t.shape[d] - 1), static_cast<uint64_t>(stride[d]));
            last = reach ? detail::addChecked(*last, *reach) : std::nullopt;
            if (!last) break;
        }
    }
    t.fileIndex = m_fileIndex;
    if (*numel == 0) {
        t.offset = entry->dataOffset;
        t.data = base;
        return t;
    }
    if (!last || *last >= available)
        throw FormatError(file, what + "the view (offset " + std::to_string(offset) + ", shape " +
                                    detail::shapeString(t.shape) + ", strides " + detail::shapeString(stride) +
                                    ") reaches past the " + std::to_string(available) + " elements of storage '" +
                                    storage.s + "'");
    if (contiguous) {
        t.offset = entry->dataOffset + offset * sd->bytes;
        t.data = base + offset * sd->bytes;
        t.nbytes = *nbytes;
        return t;
    }
    if (*nbytes > entry->size)
        throw FormatError(file, what + "is a non-contiguous view (strides " + detail::shapeString(stride) +
                                    ") larger than its storage, e.g. an expanded tensor: save it with .contiguous()");
    copyStrided(t, base, static_cast<int64_t>(offset), stride, sd->bytes);
    t.nbytes = *nbytes;
    m_ck.m_notes.push_back(name + ": a non-contiguous view (strides " + detail::shapeString(stride) +
                           ") in the checkpoint, copied into memory");
    return t;
}

void ArchiveReader::copyStrided(TensorInfo& t, const uint8_t* base, int64_t offset, const std::vector<int64_t>& stride,
                                unsigned elem) {
    const int64_t n = t.numel();
    auto buf = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(n) * elem);
    const size_t rank = t.shape.size();
    std::vector<int64_t> index(rank, 0);
    int64_t src = offset;
    for (int64_t k = 0; k < n; ++k) {
        std::memcpy(buf->data() + static_cast<size_t>(k) * elem, base + static_cast<size_t>(src) * elem, elem);
        // Odometer over the shape, innermost first, keeping src = offset + index·stride.
        for (size_t d = rank; d-- > 0;) {
            src += stride[d];
            if (++index[d] < t.shape[d]) break;
            src -= stride[d] * t.shape[d];
            index[d] = 0;
        }
    }
    t.data = buf->data();
    t.fileIndex = -1;
    t.offset = 0;
    m_ck.m_buffers.push_back(std::move(buf));
}

fs::path parentOf(const std::string& file) {
    const fs::path p = fs::path(file).parent_path();
    return p.empty() ? fs::path(".") : p;
}

}  // namespace

namespace detail {

bool isPytorchFile(const std::string& path) {
    uint8_t head[sizeof kLegacyMagic] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(head), sizeof head);
    const auto got = static_cast<uint64_t>(in.gcount());
    return ZipArchive::hasZipMagic(head, got) || (got == sizeof head && std::memcmp(head, kLegacyMagic, got) == 0);
}

int mapPytorchFile(Checkpoint& ck, const std::string& file) {
    ck.m_files.push_back(std::make_shared<MappedFile>(file));
    const int index = static_cast<int>(ck.m_files.size()) - 1;
    ArchiveReader(ck, index).read();
    return index;
}

void dropAliasedTensors(Checkpoint& ck) {
    using Key = std::tuple<int, uint64_t, uint64_t, int, std::vector<int64_t>>;
    std::map<Key, size_t> keeper;  // -> index of the tensor kept
    std::vector<bool> drop(ck.m_tensors.size(), false);
    for (size_t i = 0; i < ck.m_tensors.size(); ++i) {
        const TensorInfo& t = ck.m_tensors[i];
        if (t.fileIndex < 0 || t.nbytes == 0) continue;
        const Key key{t.fileIndex, t.offset, t.nbytes, static_cast<int>(t.dtype), t.shape};
        const auto [it, fresh] = keeper.emplace(key, i);
        if (fresh) continue;
        // Keep the embedding over the head it is tied to; otherwise the first name.
        size_t keep = it->second;
        size_t gone = i;
        if (classifyTensor(ck.m_tensors[keep].name).role == Role::Head &&
            classifyTensor(t.name).role == Role::Embed)
            std::swap(keep, gone);
        it->second = keep;
        drop[gone] = true;
        const TensorInfo& kept = ck.m_tensors[keep];
        const TensorInfo& alias = ck.m_tensors[gone];
        if (classifyTensor(alias.name).role == Role::Head && classifyTensor(kept.name).role == Role::Embed)
            ck.m_config.tiedEmbeddings = true;
        ck.m_notes.push_back(alias.name + " is the same storage as " + kept.name + " (tied weights): read once, as " +
                             kept.name);
    }
    std::vector<TensorInfo> out;
    out.reserve(ck.m_tensors.size());
    for (size_t i = 0; i < ck.m_tensors.size(); ++i)
        if (!drop[i]) out.push_back(std::move(ck.m_tensors[i]));
    ck.m_tensors = std::move(out);
}

}  // namespace detail

std::unique_ptr<Checkpoint> loadPytorchFile(const std::string& file) {
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = file;
    ck->m_format = "pytorch";
    detail::mapPytorchFile(*ck, file);
    detail::finishHfCheckpoint(*ck, parentOf(file).string(), true);
    return ck;
}

}  // namespace ctscope
