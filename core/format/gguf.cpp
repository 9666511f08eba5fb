// GGUF v2/v3 (llama.cpp). Every count and length is checked against the bytes
// that remain before anything is allocated.
#include "core/format/checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/util/error.h"

#include <cstring>
#include <map>

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
    return key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.scores" || key == "tokenizer.ggml.token_type";
}

class Reader {
public:
    Reader(const MappedFile& f) : m_file(f.path()), m_p(f.data()), m_size(f.size()) {}

    uint64_t pos() const { return m_pos; }
    uint64_t left() const { return m_size - m_pos; }
    const std::string& file() const { return m_file; }

    void need(uint64_t n, const char* what) const {
        if (n > left())
            throw FormatError(m_file, std::string("truncated ") + what + ": needs " + std::to_string(n) +
                                          " bytes at offset " + std::to_string(m_pos) + ", the file has " +
                                          std::to_string(m_size) + " bytes");
    }
    template <typename T>
    T read(const char* what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_p + m_pos, sizeof v);
        m_pos += sizeof v;
        return v;
    }
    std::string string(const char* what) {
        const auto n = read<uint64_t>(what);
        if (n > left())  // checked before the string is allocated
            throw FormatError(m_file, std::string("string length ") + std::to_string(n) + " at offset " +
                                          std::to_string(m_pos - 8) + " (" + what +
                                          ") runs past the end of the file (truncated or corrupt)");
        std::string s(reinterpret_cast<const char*>(m_p + m_pos), static_cast<size_t>(n));
        m_pos += n;
        return s;
    }

private:
    std::string m_file;
    const uint8_t* m_p;
    uint64_t m_size;
    uint64_t m_pos = 0;
};

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

struct GgmlType {
    uint32_t id;
    const char* name;
};
constexpr GgmlType kGgmlNames[] = {
    {0, "F32"},  {1, "F16"},   {2, "Q4_0"},  {3, "Q4_1"},  {6, "Q5_0"},  {7, "Q5_1"},  {8, "Q8_0"},
    {9, "Q8_1"}, {10, "Q2_K"}, {11, "Q3_K"}, {12, "Q4_K"}, {13, "Q5_K"}, {14, "Q6_K"}, {15, "Q8_K"},
    {24, "I8"},  {25, "I16"},  {26, "I32"},  {27, "I64"},  {28, "F64"},  {30, "BF16"},
};

std::string ggmlTypeName(uint32_t id) {
    for (const GgmlType& t : kGgmlNames)
        if (t.id == id) return std::string(" (") + t.name + ")";
    return "";
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

void readTokenizer(const Metadata& md, const std::string& file, TokenizerSource& tok) {
    tok.ggufModel = md.string("tokenizer.ggml.model", "");
    if (const Value* tokens = md.array("tokenizer.ggml.tokens", true)) tok.tokens = tokens->strings;
    if (const Value* scores = md.array("tokenizer.ggml.scores", false))
        tok.scores.assign(scores->numbers.begin(), scores->numbers.end());
    if (const Value* types = md.array("tokenizer.ggml.token_type", false))
        for (double t : types->numbers) tok.tokenTypes.push_back(static_cast<int>(t));
    if (!tok.scores.empty() && tok.scores.size() != tok.tokens.size())
        throw FormatError(file, "tokenizer.ggml.scores has " + std::to_string(tok.scores.size()) + " entries for " +
                                    std::to_string(tok.tokens.size()) + " tokens");
    if (!tok.tokenTypes.empty() && tok.tokenTypes.size() != tok.tokens.size())
        throw FormatError(file, "tokenizer.ggml.token_type has " + std::to_string(tok.tokenTypes.size()) +
                                    " entries for " + std::to_string(tok.tokens.size()) + " tokens");
}

}  // namespace

std::unique_ptr<Checkpoint> loadGguf(const std::string& file) {
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = file;
    ck->m_format = "gguf";
    ck->m_files.push_back(std::make_shared<MappedFile>(file));
    const MappedFile& mf = *ck->m_files[0];
    Reader r(mf);

    r.need(4, "header");
    if (std::memcmp(mf.data(), "GGUF", 4) != 0)
        throw FormatError(file, "bad magic: not a GGUF file (expected \"GGUF\")");
    r.read<uint32_t>("header");
    const auto version = r.read<uint32_t>("header");
    if (version != 2 && version != 3)
        throw FormatError(file, "GGUF version " + std::to_string(version) + " is not supported (expected 2 or 3)");
    const auto nTensors = r.read<uint64_t>("header");
    const auto nKv = r.read<uint64_t>("header");
    // The smallest tensor entry takes 24 bytes, the smallest key/value 13.
    if (nTensors > r.left() / 24)
        throw FormatError(file, "tensor count " + std::to_string(nTensors) + " is absurd for a file of " +
                                    std::to_string(mf.size()) + " bytes");
    if (nKv > r.left() / 13)
        throw FormatError(file, "metadata count " + std::to_string(nKv) + " is absurd for a file of " +
                                    std::to_string(mf.size()) + " bytes");

    std::map<std::string, Value> kv;
    for (uint64_t k = 0; k < nKv; ++k) {
        std::string key = r.string("metadata key");
        const auto type = r.read<uint32_t>("metadata");
        kv[key] = readValue(r, type, key, "metadata " + detail::quoted(key), 0);
    }
    const Metadata md(file, std::move(kv));

    const std::string arch = md.string("general.architecture", "");
    if (arch.empty()) throw FormatError(file, "metadata 'general.architecture' is missing");
    if (arch != "llama" && arch != "mistral" && arch != "qwen2")
        throw FormatError(file, "architecture '" + arch + "' is not supported (expected llama, mistral or qwen2)");
    ModelConfig& c = ck->m_config;
    c.arch = "llama";
    c.dModel = static_cast<int>(md.integer(arch + ".embedding_length", std::nullopt, 1, 1 << 20));
    c.nLayers = static_cast<int>(md.integer(arch + ".block_count", std::nullopt, 1, 1 << 16));
    c.ffnDim = static_cast<int>(md.integer(arch + ".feed_forward_length", std::nullopt, 1, 1 << 24));
    c.nHeads = static_cast<int>(md.integer(arch + ".attention.head_count", std::nullopt, 1, c.dModel));
    c.nKvHeads = static_cast<int>(md.integer(arch + ".attention.head_count_kv", c.nHeads, 1, c.nHeads));
    c.maxSeq = static_cast<int>(md.integer(arch + ".context_length", 2048, 1, 1 << 30));
    c.ropeTheta = md.number(arch + ".rope.freq_base", 10000.0);
    c.normEps = md.number(arch + ".attention.layer_norm_rms_epsilon", 1e-5);
    // llama.cpp's converter permutes Llama's q/k into Meta's pair layout;
    // Qwen2 keeps HF's (NEOX rope in llama.cpp).
    c.ropeLayout = arch == "qwen2" ? RopeLayout::HalfSplit : RopeLayout::Interleaved;
    c.bosId = static_cast<int>(md.integer("tokenizer.ggml.bos_token_id", 1, 0, 1 << 30));
    c.eosId = static_cast<int>(md.integer("tokenizer.ggml.eos_token_id", 2, 0, 1 << 30));
    if (c.dModel % c.nHeads != 0 || c.nHeads % c.nKvHeads != 0)
        throw FormatError(file, "head counts " + std::to_string(c.nHeads) + "/" + std::to_string(c.nKvHeads) +
                                    " do not divide embedding_length " + std::to_string(c.dModel));
    const uint64_t alignment = static_cast<uint64_t>(md.integer("general.alignment", 32, 1, 1 << 30));
    if ((alignment & (alignment - 1)) != 0)
        throw FormatError(file, "general.alignment " + std::to_string(alignment) + " is not a power of two");
    readTokenizer(md, file, ck->m_tokenizer);

    std::vector<uint64_t> offsets;  // relative to the data section
    for (uint64_t k = 0; k < nTensors; ++k) {
        TensorInfo t;
        t.name = r.string("tensor name");
        const std::string what = "tensor " + detail::quoted(t.name) + ": ";
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
        const auto offset = r.read<uint64_t>("tensor info");
        DType type;
        switch (typeId) {
            case 0:
                type = DType::F32;
                break;
            case 1:
                type = DType::F16;
                break;
            case 8:
                type = DType::Q8_0;
                break;
            case 30:
                type = DType::BF16;
                break;
            default:
                throw FormatError(file, what + "ggml type " + std::to_string(typeId) + ggmlTypeName(typeId) +
                                            " is not supported (expected F32, F16, BF16 or Q8_0)");
        }
        t.shape.assign(dims.rbegin(), dims.rend());
        t.dtype = type;
        const auto numel = detail::numelChecked(t.shape);
        if (!numel) throw FormatError(file, what + "shape " + detail::shapeString(t.shape) + " overflows 64 bits");
        if (type == DType::Q8_0 && !dims.empty() && dims[0] % 32 != 0)
            throw FormatError(file, what + "Q8_0 rows of " + std::to_string(dims[0]) + " are not whole blocks of 32");
        const auto bytes = dtypeBytes(type, static_cast<uint64_t>(*numel));
        if (!bytes) throw FormatError(file, what + "shape " + detail::shapeString(t.shape) + " overflows 64 bits");
        if (offset % alignment != 0)
            throw FormatError(file, what + "offset " + std::to_string(offset) + " is not a multiple of the alignment " +
                                        std::to_string(alignment));
        t.nbytes = *bytes;
        ck->m_tensors.push_back(std::move(t));
        offsets.push_back(offset);
    }

    const uint64_t dataStart = (r.pos() + alignment - 1) / alignment * alignment;
    const uint64_t dataSize = dataStart <= mf.size() ? mf.size() - dataStart : 0;
    for (size_t k = 0; k < offsets.size(); ++k) {
        TensorInfo& t = ck->m_tensors[k];
        const auto end = detail::addChecked(offsets[k], t.nbytes);
        if (!end || *end > dataSize)
            throw FormatError(file, "tensor " + detail::quoted(t.name) + ": data at offset " +
                                        std::to_string(offsets[k]) + " (+" + std::to_string(t.nbytes) +
                                        " bytes) lies beyond the end of the file; the data section holds " +
                                        std::to_string(dataSize) + " bytes");
        t.offset = dataStart + offsets[k];
        t.data = mf.data() + t.offset;
        t.fileIndex = 0;
    }
    if (ck->m_tensors.empty()) throw FormatError(file, "holds no tensors");

    const TensorInfo* embed = ck->find("token_embd.weight");
    if (!embed || embed->shape.size() != 2) throw FormatError(file, "tensor 'token_embd.weight' is missing or not 2-D");
    if (embed->shape[0] < 1 || embed->shape[0] > (1 << 24))
        throw FormatError(file, "tensor 'token_embd.weight': " + std::to_string(embed->shape[0]) +
                                    " rows, expected a vocabulary of 1 to 2^24 tokens");
    c.vocab = static_cast<int>(md.integer(arch + ".vocab_size", embed->shape[0], 1, 1 << 24));
    if (!ck->m_tokenizer.tokens.empty() && ck->m_tokenizer.tokens.size() != static_cast<size_t>(c.vocab))
        throw FormatError(file, "tokenizer.ggml.tokens has " + std::to_string(ck->m_tokenizer.tokens.size()) +
                                    " tokens, the embedding " + std::to_string(c.vocab) + " rows");
    c.tiedEmbeddings = ck->find("output.weight") == nullptr;
    detail::checkNoOverlap(*ck);
    detail::checkShapesAgainstConfig(*ck, true);
    return ck;
}

}  // namespace ctscope
