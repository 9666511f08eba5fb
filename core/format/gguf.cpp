// GGUF v2/v3 (llama.cpp). Every count and length is checked against the bytes
// that remain before anything is allocated.
#include "core/format/checkpoint.h"
#include "core/format/gguf_reader.h"
#include "core/format/gguf_split.h"
#include "core/format/gguf_tensors.h"
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

namespace ctscope {

namespace {

enum GgufType : uint32_t {
    kU8 = 0,
    kI8 = 1,
    kU16 = 2,
    kI16 = 3,
    kU32 = 4,
    kI32 = 5,
    kF32 = 6,
    kBool = 7,
    kString = 8,
    kArray = 9,
    kU64 = 10,
    kI64 = 11,
    kF64 = 12,
};

/// One metadata value. Arrays are walked and bounds-checked, but only the
/// tokenizer arrays are kept (see keepArray), so memory stays bounded.
struct Value {
    uint32_t type = kU8;
    uint32_t elemType = kU8;  ///< arrays
    uint64_t count = 0;       ///< arrays
    uint64_t u = 0;           ///< integers and bools (two's complement for signed)
    int64_t i = 0;
    double f = 0;
    std::string s;
    std::vector<std::string> strings;  ///< kept string arrays
    std::vector<double> numbers;       ///< kept numeric arrays

    bool isSigned() const { return type == kI8 || type == kI16 || type == kI32 || type == kI64; }
    bool isInt() const { return type <= kI32 || type == kU64 || type == kI64 || type == kBool; }
    bool isNumber() const { return isInt() || type == kF32 || type == kF64; }
};

constexpr uint64_t kMaxKeptArray = uint64_t{1} << 24;

bool keepArray(const std::string& key) {
    return key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.scores" || key == "tokenizer.ggml.token_type" ||
           key == "tokenizer.ggml.merges";
}

using Reader = detail::GgufReader;

uint64_t minEncodedSize(uint32_t type) {
    switch (type) {
        case kU8:
        case kI8:
        case kBool:
            return 1;
        case kU16:
        case kI16:
            return 2;
        case kU32:
        case kI32:
        case kF32:
            return 4;
        case kString:
            return 8;
        case kArray:
            return 12;
        default:
            return 8;
    }
}

/// `label` ("metadata 'key'") is built once per key, not per array element.
Value readValue(Reader& r, uint32_t type, const std::string& key, const std::string& label, int depth) {
    Value v;
    v.type = type;
    const char* what = label.c_str();
    switch (type) {
        case kU8:
            v.u = r.read<uint8_t>(what);
            break;
        case kI8:
            v.i = r.read<int8_t>(what);
            break;
        case kU16:
            v.u = r.read<uint16_t>(what);
            break;
        case kI16:
            v.i = r.read<int16_t>(what);
            break;
        case kU32:
            v.u = r.read<uint32_t>(what);
            break;
        case kI32:
            v.i = r.read<int32_t>(what);
            break;
        case kU64:
            v.u = r.read<uint64_t>(what);
            break;
        case kI64:
            v.i = r.read<int64_t>(what);
            break;
        case kBool:
            v.u = r.read<uint8_t>(what) != 0;
            break;
        case kF32:
            v.f = r.read<float>(what);
            break;
        case kF64:
            v.f = r.read<double>(what);
            break;
        case kString:
            v.s = r.string(what);
            break;
        case kArray: {
            if (depth >= 4) throw FormatError(r.file(), label + ": arrays nested too deeply");
            v.elemType = r.read<uint32_t>(what);
            v.count = r.read<uint64_t>(what);
            if (v.elemType > kF64)
                throw FormatError(r.file(), label + ": unknown array element type " + std::to_string(v.elemType));
            if (v.count > r.left() / minEncodedSize(v.elemType))
                throw FormatError(
                    r.file(), label + ": array length " + std::to_string(v.count) + " runs past the end of the file");
            const bool keep = depth == 0 && keepArray(key) && v.elemType != kArray;
            if (keep && v.count > kMaxKeptArray)
                throw FormatError(r.file(), label + ": " + std::to_string(v.count) +
                                                " entries, more than the limit of " + std::to_string(kMaxKeptArray));
            for (uint64_t k = 0; k < v.count; ++k) {
                Value e = readValue(r, v.elemType, key, label, depth + 1);
                if (!keep) continue;
                if (v.elemType == kString)
                    v.strings.push_back(std::move(e.s));
                else
                    v.numbers.push_back(e.type == kF32 || e.type == kF64 ? e.f
                                        : e.isSigned()                   ? static_cast<double>(e.i)
                                                                         : static_cast<double>(e.u));
            }
            break;
        }
        default:
            throw FormatError(r.file(), label + ": unknown value type " + std::to_string(type));
    }
    if (v.isSigned())
        v.u = static_cast<uint64_t>(v.i);
    else if (v.isInt())
        v.i = static_cast<int64_t>(v.u);
    return v;
}

class Metadata {
public:
    Metadata(const std::string& file, std::map<std::string, Value> kv) : m_file(file), m_kv(std::move(kv)) {}
    const Value* find(const std::string& key) const {
        const auto it = m_kv.find(key);
        return it == m_kv.end() ? nullptr : &it->second;
    }
    int64_t integer(const std::string& key, std::optional<int64_t> fallback, int64_t lo, int64_t hi) const {
        const Value* v = find(key);
        if (!v) {
            if (fallback) return *fallback;
            throw FormatError(m_file, "metadata '" + key + "' is missing");
        }
        if (!v->isInt()) throw FormatError(m_file, "metadata '" + key + "' is not an integer");
        const bool negative = v->isSigned() && v->i < 0;
        if (negative || v->u > static_cast<uint64_t>(hi) || static_cast<int64_t>(v->u) < lo)
            throw FormatError(m_file,
                              "metadata '" + key + "' is " + (negative ? std::to_string(v->i) : std::to_string(v->u)) +
                                  ", expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return static_cast<int64_t>(v->u);
    }
    double number(const std::string& key, double fallback) const {
        const Value* v = find(key);
        if (!v) return fallback;
        if (!v->isNumber()) throw FormatError(m_file, "metadata '" + key + "' is not a number");
        const double x = v->type == kF32 || v->type == kF64 ? v->f : static_cast<double>(v->i);
        if (!(x > 0) || x > 1e300)
            throw FormatError(m_file,
                              "metadata '" + key + "' is " + std::to_string(x) + ", expected a positive number");
        return x;
    }
    std::string string(const std::string& key, const std::string& fallback) const {
        const Value* v = find(key);
        if (!v) return fallback;
        if (v->type != kString) throw FormatError(m_file, "metadata '" + key + "' is not a string");
        return v->s;
    }
    /// A kept array (keepArray) whose elements are strings, or numbers when !strings.
    const Value* array(const std::string& key, bool strings) const {
        const Value* v = find(key);
        if (!v) return nullptr;
        const bool ok =
            v->type == kArray && (strings ? v->elemType == kString : v->elemType != kString && v->elemType != kArray);
        if (!ok)
            throw FormatError(m_file, "metadata '" + key + "' is not an array of " + (strings ? "strings" : "numbers"));
        return v;
    }

private:
    std::string m_file;
    std::map<std::string, Value> m_kv;
};

/// Reads a GGUF header and its metadata, leaving `r` at the tensor infos.
Metadata readHeader(Reader& r, uint64_t& nTensors) {
    const std::string& file = r.file();
    const uint64_t size = r.left();
    r.need(4, "header");
    const auto magic = r.read<uint32_t>("header");
    if (std::memcmp(&magic, "GGUF", 4) != 0) throw FormatError(file, "bad magic: not a GGUF file (expected \"GGUF\")");
    const auto version = r.read<uint32_t>("header");
    if (version != 2 && version != 3)
        throw FormatError(file, "GGUF version " + std::to_string(version) + " is not supported (expected 2 or 3)");
    nTensors = r.read<uint64_t>("header");
    const auto nKv = r.read<uint64_t>("header");
    // The smallest tensor entry takes 24 bytes, the smallest key/value 13.
    if (nTensors > r.left() / 24)
        throw FormatError(file, "tensor count " + std::to_string(nTensors) + " is absurd for a file of " +
                                    std::to_string(size) + " bytes");
    if (nKv > r.left() / 13)
        throw FormatError(file, "metadata count " + std::to_string(nKv) + " is absurd for a file of " +
                                    std::to_string(size) + " bytes");
    std::map<std::string, Value> kv;
    for (uint64_t k = 0; k < nKv; ++k) {
        std::string key = r.string("metadata key");
        const auto type = r.read<uint32_t>("metadata");
        kv[key] = readValue(r, type, key, "metadata " + detail::quoted(key), 0);
    }
    return Metadata(file, std::move(kv));
}

uint64_t alignmentOf(const Metadata& md, const std::string& file) {
    const auto a = static_cast<uint64_t>(md.integer("general.alignment", 32, 1, 1 << 30));
    if ((a & (a - 1)) != 0)
        throw FormatError(file, "general.alignment " + std::to_string(a) + " is not a power of two");
    return a;
}

/// Checks the split.* metadata of every shard (gguf-split writes split.no,
/// split.count and split.tensors.count into each) and reads the tensors of
/// shards 2..N. A single file passes when split.count is absent, 0 (what
/// gguf-split --merge leaves) or 1.
void readOtherShards(const Metadata& first, uint64_t firstTensors, Checkpoint& ck) {
    const auto n = static_cast<int64_t>(ck.m_files.size());
    const std::string& file = ck.m_files[0]->path();
    const int64_t count = first.integer("split.count", 0, 0, 65535);
    if (std::max<int64_t>(count, 1) != n) {
        char name[40];
        std::snprintf(name, sizeof name, "-00001-of-%05lld.gguf", static_cast<long long>(count));
        throw FormatError(file, n == 1 ? "metadata 'split.count' says this is one of " + std::to_string(count) +
                                             " shards, but the file name does not end in " + name +
                                             ", so the other shards cannot be found"
                                       : "the name says " + std::to_string(n) + " shards, but metadata 'split.count' is " +
                                             std::to_string(count));
    }
    if (n == 1) {
        detail::noteUnsupportedTensors(ck);
        return;
    }
    const int64_t expected = first.integer("split.tensors.count", -1, 0, INT32_MAX);
    uint64_t total = firstTensors;
    for (int64_t s = 0; s < n; ++s) {
        const std::string& shard = ck.m_files[static_cast<size_t>(s)]->path();
        std::optional<Metadata> own;
        uint64_t nTensors = 0;
        std::optional<Reader> r;
        if (s > 0) {
            r.emplace(*ck.m_files[static_cast<size_t>(s)]);
            own.emplace(readHeader(*r, nTensors));
        }
        const Metadata& md = s == 0 ? first : *own;
        const int64_t no = md.integer("split.no", std::nullopt, 0, 65535);
        const int64_t cnt = md.integer("split.count", std::nullopt, 0, 65535);
        if (no != s || cnt != n)
            throw FormatError(shard, "metadata says shard " + std::to_string(no + 1) + " of " + std::to_string(cnt) +
                                         ", its name shard " + std::to_string(s + 1) + " of " + std::to_string(n));
        if (s == 0) continue;
        detail::readGgufTensorInfos(*r, nTensors, alignmentOf(md, shard), ck, static_cast<int>(s));
        total += nTensors;
    }
    if (expected >= 0 && total != static_cast<uint64_t>(expected))
        throw FormatError(file, "metadata 'split.tensors.count' is " + std::to_string(expected) + " but the " +
                                    std::to_string(n) + " shards hold " + std::to_string(total) + " tensors");
    detail::noteUnsupportedTensors(ck);
}

void readTokenizer(const Metadata& md, const std::string& file, TokenizerSource& tok) {
    tok.ggufModel = md.string("tokenizer.ggml.model", "");
    if (const Value* tokens = md.array("tokenizer.ggml.tokens", true)) tok.tokens = tokens->strings;
    if (const Value* scores = md.array("tokenizer.ggml.scores", false))
        tok.scores.assign(scores->numbers.begin(), scores->numbers.end());
    if (const Value* types = md.array("tokenizer.ggml.token_type", false))
        for (double t : types->numbers) {
            if (!(t >= 0 && t <= 1000))  // also catches NaN; the cast of an out-of-range double is undefined
                throw FormatError(file, "tokenizer.ggml.token_type holds " + std::to_string(t) + ", expected a token kind 0..1000");
            tok.tokenTypes.push_back(static_cast<int>(t));
        }
    if (!tok.scores.empty() && tok.scores.size() != tok.tokens.size())
        throw FormatError(file, "tokenizer.ggml.scores has " + std::to_string(tok.scores.size()) + " entries for " +
                                    std::to_string(tok.tokens.size()) + " tokens");
    if (!tok.tokenTypes.empty() && tok.tokenTypes.size() != tok.tokens.size())
        throw FormatError(file, "tokenizer.ggml.token_type has " + std::to_string(tok.tokenTypes.size()) +
                                    " entries for " + std::to_string(tok.tokens.size()) + " tokens");
    // Byte-level BPE ("gpt2"): the merges in rank order and the pre-tokenizer's name.
    if (const Value* merges = md.array("tokenizer.ggml.merges", true)) tok.merges = merges->strings;
    tok.ggufPre = md.string("tokenizer.ggml.pre", "");
    if (md.find("tokenizer.ggml.add_bos_token"))
        tok.ggufAddBos = static_cast<int>(md.integer("tokenizer.ggml.add_bos_token", 0, 0, 1));
    if (md.find("tokenizer.ggml.add_eos_token"))
        tok.ggufAddEos = static_cast<int>(md.integer("tokenizer.ggml.add_eos_token", 0, 0, 1));
}

}  // namespace

std::unique_ptr<Checkpoint> loadGguf(const std::string& path) {
    // A split GGUF opens as one checkpoint; its first shard holds the metadata.
    const std::vector<std::string> shards = detail::ggufShardPaths(path);
    const std::string& file = shards.front();
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = file;
    ck->m_format = "gguf";
    for (const std::string& s : shards) ck->m_files.push_back(std::make_shared<MappedFile>(s));
    Reader r(*ck->m_files[0]);
    uint64_t nTensors = 0;
    const Metadata md = readHeader(r, nTensors);

    const std::string arch = md.string("general.architecture", "");
    if (arch.empty()) throw FormatError(file, "metadata 'general.architecture' is missing");
    // Any architecture opens for analysis (tensors are classified by name);
    // the training engine runs the Llama family only.
    ModelConfig& c = ck->m_config;
    c.modelType = arch;
    const bool llamaFamily = arch == "llama" || arch == "mistral" || arch == "qwen2" || arch == "qwen3";
    c.arch = llamaFamily ? "llama" : arch;
    c.dModel = static_cast<int>(md.integer(arch + ".embedding_length", std::nullopt, 1, 1 << 20));
    c.nLayers = static_cast<int>(md.integer(arch + ".block_count", std::nullopt, 1, 1 << 16));
    c.ffnDim = static_cast<int>(md.integer(arch + ".feed_forward_length", std::nullopt, 1, 1 << 24));
    c.nHeads = static_cast<int>(md.integer(arch + ".attention.head_count", std::nullopt, 1, c.dModel));
    c.nKvHeads = static_cast<int>(md.integer(arch + ".attention.head_count_kv", c.nHeads, 1, c.nHeads));
    c.maxSeq = static_cast<int>(md.integer(arch + ".context_length", 2048, 1, 1 << 30));
    c.ropeTheta = md.number(arch + ".rope.freq_base", 10000.0);
    c.normEps = md.number(arch + ".attention.layer_norm_rms_epsilon", 1e-5);
    // llama.cpp's converter permutes Llama's q/k into Meta's pair layout;
    // Qwen2, Qwen3 and the others keep HF's (NEOX rope in llama.cpp).
    c.ropeLayout = arch == "llama" || arch == "mistral" ? RopeLayout::Interleaved : RopeLayout::HalfSplit;
    c.explicitHeadDim = static_cast<int>(md.integer(arch + ".attention.key_length", 0, 0, 1 << 20));
    c.ropeScaling.type = md.string(arch + ".rope.scaling.type", "");
    if (c.ropeScaling.type == "none") c.ropeScaling.type.clear();
    c.ropeScaling.factor = md.number(arch + ".rope.scaling.factor", 1.0);
    c.ropeScaling.originalMaxPositions =
        static_cast<int>(md.integer(arch + ".rope.scaling.original_context_length", 0, 0, 1 << 30));
    c.slidingWindow = static_cast<int>(md.integer(arch + ".attention.sliding_window", 0, 0, 1 << 30));
    c.nExperts = static_cast<int>(md.integer(arch + ".expert_count", 0, 0, 1 << 16));
    c.nExpertsPerToken = static_cast<int>(md.integer(arch + ".expert_used_count", 0, 0, 1 << 16));
    c.expertFfnDim = static_cast<int>(md.integer(arch + ".expert_feed_forward_length", 0, 0, 1 << 24));
    c.bosId = static_cast<int>(md.integer("tokenizer.ggml.bos_token_id", 1, 0, 1 << 30));
    c.eosId = static_cast<int>(md.integer("tokenizer.ggml.eos_token_id", 2, 0, 1 << 30));
    if ((c.explicitHeadDim == 0 && c.dModel % c.nHeads != 0) || c.nHeads % c.nKvHeads != 0)
        throw FormatError(file, "head counts " + std::to_string(c.nHeads) + "/" + std::to_string(c.nKvHeads) +
                                    " do not divide embedding_length " + std::to_string(c.dModel));
    const uint64_t alignment = static_cast<uint64_t>(md.integer("general.alignment", 32, 1, 1 << 30));
    if ((alignment & (alignment - 1)) != 0)
        throw FormatError(file, "general.alignment " + std::to_string(alignment) + " is not a power of two");
    readTokenizer(md, file, ck->m_tokenizer);

    detail::readGgufTensorInfos(r, nTensors, alignment, *ck, 0);
    readOtherShards(md, nTensors, *ck);
    if (ck->m_tensors.empty())
        throw FormatError(file, ck->m_unsupported.empty() ? "holds no tensors" : "holds no tensors ctscope can decode");

    const std::vector<int64_t>* embed = detail::ggufTensorShape(*ck, "token_embd.weight");
    if (!embed || embed->size() != 2) throw FormatError(file, "tensor 'token_embd.weight' is missing or not 2-D");
    if ((*embed)[0] < 1 || (*embed)[0] > (1 << 24))
        throw FormatError(file, "tensor 'token_embd.weight': " + std::to_string((*embed)[0]) +
                                    " rows, expected a vocabulary of 1 to 2^24 tokens");
    c.vocab = static_cast<int>(md.integer(arch + ".vocab_size", (*embed)[0], 1, 1 << 24));
    if (!ck->m_tokenizer.tokens.empty() && ck->m_tokenizer.tokens.size() != static_cast<size_t>(c.vocab))
        throw FormatError(file, "tokenizer.ggml.tokens has " + std::to_string(ck->m_tokenizer.tokens.size()) +
                                    " tokens, the embedding " + std::to_string(c.vocab) + " rows");
    c.tiedEmbeddings = detail::ggufTensorShape(*ck, "output.weight") == nullptr;
    detail::checkNoOverlap(*ck);
    detail::checkShapesAgainstConfig(*ck, true);
    return ck;
}

}  // namespace ctscope
