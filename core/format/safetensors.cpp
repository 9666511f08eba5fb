// safetensors files and Hugging Face folders (single file or sharded with
// model.safetensors.index.json).
#include "core/format/checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/format/tensor_role.h"
#include "core/format/mapped_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

namespace ctscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;
constexpr size_t kMaxRank = 16;

std::optional<DType> safetensorsDType(const std::string& s) {
    if (s == "F32") return DType::F32;
    if (s == "F16") return DType::F16;
    if (s == "BF16") return DType::BF16;
    return std::nullopt;
}

/// A non-negative integer of a JSON header, or nullopt.
std::optional<uint64_t> jsonUnsigned(const json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
    return std::nullopt;
}

const std::set<std::string> kOtherDTypes{"F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"};

/// Thrown by parseEntry for a non-weight tensor in a dtype ctscope does not read.
struct SkipTensor {
    std::string note;
};

TensorInfo parseEntry(const std::string& file, const std::string& name, const json& v, const uint8_t* dataBase,
                      uint64_t dataStart, uint64_t dataSize, int fileIndex) {
    using detail::quoted;
    const std::string what = "tensor " + quoted(name) + ": ";
    if (!v.is_object()) throw FormatError(file, what + "expected an object with dtype, shape and data_offsets");
    const auto dt = v.find("dtype");
    const auto sh = v.find("shape");
    const auto off = v.find("data_offsets");
    if (dt == v.end() || sh == v.end() || off == v.end())
        throw FormatError(file, what + "needs dtype, shape and data_offsets");
    if (!dt->is_string()) throw FormatError(file, what + "dtype is not a string");
    const auto dtype = safetensorsDType(dt->get<std::string>());
    if (!dtype) {
        // Integer buffers (position_ids, attention masks) are not weights:
        // they are left out with a note. A weight in such a dtype is an error.
        if (!isMatrixType(classifyTensor(name).role) && kOtherDTypes.count(dt->get<std::string>()))
            throw SkipTensor{name + " (dtype " + dt->get<std::string>() + "): not a weight of the nine types, skipped"};
        throw FormatError(file,
                          what + "unsupported dtype " + quoted(dt->get<std::string>()) + ", expected F32, F16 or BF16");
    }

    TensorInfo t;
    t.name = name;
    t.dtype = *dtype;
    if (!sh->is_array() || sh->size() > kMaxRank)
        throw FormatError(file, what + "shape must be an array of at most " + std::to_string(kMaxRank) + " integers");
    for (size_t i = 0; i < sh->size(); ++i) {
        const json& d = (*sh)[i];
        if (d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() < 0)
            throw FormatError(file, what + "dimension " + std::to_string(i) + " is " +
                                        std::to_string(d.get<int64_t>()) + ", negative");
        const auto u = jsonUnsigned(d);
        if (!u || *u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            throw FormatError(file, what + "dimension " + std::to_string(i) + " is " + d.dump() +
                                        ", expected a non-negative integer");
        t.shape.push_back(static_cast<int64_t>(*u));
    }
    const auto numel = detail::numelChecked(t.shape);
    const auto need = numel ? dtypeBytes(t.dtype, static_cast<uint64_t>(*numel)) : std::nullopt;
    if (!need)
        throw FormatError(file, what + "shape " + detail::shapeString(t.shape) +
                                    " has too many elements: the byte count overflows 64 bits");

    if (!off->is_array() || off->size() != 2 || !jsonUnsigned((*off)[0]) || !jsonUnsigned((*off)[1]))
        throw FormatError(file, what + "data_offsets must be two non-negative integers");
    const uint64_t b = *jsonUnsigned((*off)[0]);
    const uint64_t e = *jsonUnsigned((*off)[1]);
    if (b > e || e > dataSize)
        throw FormatError(file, what + "data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                                    "] out of range: the data section holds " + std::to_string(dataSize) +
                                    " bytes (file truncated?)");
    if (e - b != *need)
        throw FormatError(file, what + "data_offsets span " + std::to_string(e - b) + " bytes, but shape " +
                                    detail::shapeString(t.shape) + " of " + dtypeName(t.dtype) + " needs " +
                                    std::to_string(*need) + " bytes");
    t.data = dataBase + dataStart + b;
    t.nbytes = *need;
    t.fileIndex = fileIndex;
    t.offset = dataStart + b;
    return t;
}

void sortByFileOrder(Checkpoint& ck) {
    std::stable_sort(ck.m_tensors.begin(), ck.m_tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.fileIndex != b.fileIndex ? a.fileIndex < b.fileIndex : a.offset < b.offset;
    });
}

/// Config, Conv1D marks, tokenizer and the cross-checks common to both entry points.
void finishHf(Checkpoint& ck, const fs::path& dir, bool sharedStorage = false) {
    if (ck.m_tensors.empty()) throw FormatError(ck.m_path, "holds no tensors");
    // Pickled tensors stay in state-dict order: torch.save orders storages by
    // their keys as strings ("0", "1", "10", ...), which scrambles the layers.
    if (!sharedStorage) sortByFileOrder(ck);
    const fs::path config = dir / "config.json";
    const bool haveConfig = fs::is_regular_file(config);
    if (haveConfig) {
        ck.m_config = detail::parseHfConfig(config.string());
        detail::markConv1D(ck);
    } else {
        detail::inferConfigFromShapes(ck);
    }
    if (sharedStorage)
        detail::dropAliasedTensors(ck);  // PyTorch views may share bytes; tied weights are listed once
    else
        detail::checkNoOverlap(ck);
    detail::checkShapesAgainstConfig(ck, haveConfig);
    // tokenizer.json (Hugging Face's fast tokenizer, what transformers loads
    // first), else tokenizer.model (SentencePiece); a llama2.c tokenizer.bin
    // is what `finetune --save` copies beside a llama2.c checkpoint's fine-tune.
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer.bin"}) {
        const fs::path tok = dir / name;
        if (fs::is_regular_file(tok)) {
            ck.m_tokenizer.tokenizerFile = tok.string();
            break;
        }
    }
}

fs::path parentOf(const std::string& file) {
    const fs::path p = fs::path(file).parent_path();
    return p.empty() ? fs::path(".") : p;
}

int mapFile(Checkpoint& ck, const std::string& file) {
    ck.m_files.push_back(std::make_shared<MappedFile>(file));
    const int index = static_cast<int>(ck.m_files.size()) - 1;
    detail::readSafetensorsHeader(ck, index);
    return index;
}

/// A sharded folder's index; `openShard` maps one shard and appends its tensors.
void loadIndexed(Checkpoint& ck, const fs::path& dir, const fs::path& indexPath,
                 int (*openShard)(Checkpoint&, const std::string&)) {
    const std::string index = indexPath.string();
    const json j = detail::readJsonFile(index, kMaxHeaderBytes);
    const auto wm = j.is_object() ? j.find("weight_map") : j.end();
    if (wm == j.end() || !wm->is_object())
        throw FormatError(index, "expected an object with a 'weight_map' of tensor name to shard file");

    std::map<std::string, std::string> firstTensorOf;  // shard -> a tensor it should hold
    for (const auto& [tensor, shard] : wm->items()) {
        if (!shard.is_string())
            throw FormatError(index, "tensor " + detail::quoted(tensor) + ": shard is not a file name");
        const std::string s = shard.get<std::string>();
        // Shards live beside the index; anything else could reach outside the folder.
        if (s.empty() || s.find('/') != std::string::npos || s.find('\\') != std::string::npos || s == "." || s == "..")
            throw FormatError(index, "tensor " + detail::quoted(tensor) + ": shard " + detail::quoted(s) +
                                         " is not a plain file name in this folder");
        firstTensorOf.emplace(s, tensor);
    }
    if (firstTensorOf.empty()) throw FormatError(index, "weight_map lists no tensors");

    std::unordered_map<std::string, int> fileOf;
    for (const auto& [shard, tensor] : firstTensorOf) {
        const fs::path p = dir / shard;
        std::error_code ec;  // a shard name longer than the OS allows is a bad index, not a crash
        if (!fs::is_regular_file(p, ec))
            throw FormatError(index, "shard " + detail::quoted(shard) + " (listed for tensor " +
                                         detail::quoted(tensor) + ") does not exist in the folder");
        fileOf[shard] = openShard(ck, p.string());
    }
    std::unordered_map<std::string, const TensorInfo*> byName;
    for (const TensorInfo& t : ck.m_tensors) byName.emplace(t.name, &t);
    for (const auto& [tensor, shard] : wm->items()) {
        const auto it = byName.find(tensor);
        const int want = fileOf.at(shard.get<std::string>());
        if (it == byName.end() || it->second->fileIndex != want)
            throw FormatError(index, "tensor " + detail::quoted(tensor) + ": not in shard " +
                                         detail::quoted(shard.get<std::string>()) + ", where the index says it is");
    }
}

}  // namespace

namespace detail {

void readSafetensorsHeader(Checkpoint& ck, int fileIndex) {
    const MappedFile& f = *ck.m_files.at(static_cast<size_t>(fileIndex));
    const std::string& file = f.path();
    if (f.size() < 8)
        throw FormatError(file, "file is " + std::to_string(f.size()) +
                                    " bytes, too short for a safetensors header length (truncated?)");
    uint64_t n = 0;
    std::memcpy(&n, f.data(), 8);  // little-endian on every supported host
    if (n > kMaxHeaderBytes)
        throw FormatError(file, "header length " + std::to_string(n) + " bytes is absurd: over the 100 MB limit");
    if (n > f.size() - 8)
        throw FormatError(file, "header length " + std::to_string(n) + " runs past the end of the file (" +
                                    std::to_string(f.size()) + " bytes): truncated?");
    json j;
    try {
        j = json::parse(f.data() + 8, f.data() + 8 + n);
    } catch (const json::exception& e) {
        throw FormatError(file, std::string("header is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw FormatError(file, "header is not a JSON object");
    const uint64_t dataStart = 8 + n;
    for (const auto& [name, v] : j.items()) {
        if (name == "__metadata__") continue;
        try {
            ck.m_tensors.push_back(parseEntry(file, name, v, f.data(), dataStart, f.size() - dataStart, fileIndex));
        } catch (const SkipTensor& skip) {
            ck.m_notes.push_back(skip.note);
        }
    }
}

void finishHfCheckpoint(Checkpoint& ck, const std::string& dir, bool sharedStorage) {
    finishHf(ck, fs::path(dir), sharedStorage);
}

}  // namespace detail

std::unique_ptr<Checkpoint> loadSafetensorsFile(const std::string& file) {
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = file;
    ck->m_format = "safetensors";
    mapFile(*ck, file);
    finishHf(*ck, parentOf(file));
    return ck;
}

std::unique_ptr<Checkpoint> loadHfFolder(const std::string& dirPath) {
    const fs::path dir(dirPath);
    if (!fs::exists(dir)) throw FormatError(dirPath, "no such file or folder");
    if (!fs::is_directory(dir)) throw FormatError(dirPath, "is not a folder");
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = dirPath;
    ck->m_format = "hf-folder";

    const fs::path index = dir / "model.safetensors.index.json";
    bool pickles = false;  // safetensors win when both forms are present
    if (fs::is_regular_file(index)) {
        loadIndexed(*ck, dir, index, mapFile);
    } else if (fs::is_regular_file(dir / "model.safetensors")) {
        mapFile(*ck, (dir / "model.safetensors").string());
    } else {
        std::set<std::string> found;  // sorted, so shards load in order
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && e.path().extension() == ".safetensors") found.insert(e.path().string());
        const fs::path ptIndex = dir / "pytorch_model.bin.index.json";
        pickles = found.empty();
        if (!pickles) {
            for (const std::string& f : found) mapFile(*ck, f);
        } else if (fs::is_regular_file(ptIndex)) {
            loadIndexed(*ck, dir, ptIndex, detail::mapPytorchFile);
        } else if (fs::is_regular_file(dir / "pytorch_model.bin")) {
            detail::mapPytorchFile(*ck, (dir / "pytorch_model.bin").string());
        } else {
            throw FormatError(dirPath,
                              "no model.safetensors, model.safetensors.index.json, other .safetensors file, "
                              "pytorch_model.bin or pytorch_model.bin.index.json in this folder");
        }
    }
    finishHf(*ck, dir, pickles);
    return ck;
}

}  // namespace ctscope
