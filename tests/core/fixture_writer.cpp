#include "fixture_writer.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

namespace ctscope::test::fixture {

namespace {

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof v);  // little-endian hosts only, like the formats
    out.insert(out.end(), b, b + sizeof v);
}

void putString(std::vector<uint8_t>& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

uint32_t bitsOf(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

float floatOf(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

}  // namespace

uint16_t toHalf(float f) {
    const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
    const double a = std::fabs(static_cast<double>(f));
    if (std::isnan(f)) return 0x7e00;
    if (a >= 65520.0) return sign | 0x7c00;
    if (a < std::ldexp(1.0, -14))  // subnormal: multiples of 2^-24
        return sign | static_cast<uint16_t>(std::nearbyint(std::ldexp(a, 24)));
    int e = 0;
    std::frexp(a, &e);
    int exp = e - 1;  // a = 1.m × 2^exp
    double mant = std::nearbyint((std::ldexp(a, -exp) - 1.0) * 1024.0);
    if (mant == 1024.0) {
        mant = 0;
        ++exp;
    }
    return sign | static_cast<uint16_t>(((exp + 15) << 10) | static_cast<int>(mant));
}

float fromHalf(uint16_t h) {
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    const int exp = (h >> 10) & 0x1f;
    const int mant = h & 0x3ff;
    if (exp == 0x1f) return mant ? std::nanf("") : static_cast<float>(sign * INFINITY);
    if (exp == 0) return static_cast<float>(sign * std::ldexp(mant, -24));
    return static_cast<float>(sign * std::ldexp(1.0 + mant / 1024.0, exp - 15));
}

uint16_t toBf16(float f) {
    if (std::isnan(f)) return 0x7fc0;
    const double a = static_cast<double>(f);
    if (a == 0.0 || std::isinf(a)) return static_cast<uint16_t>(bitsOf(f) >> 16);
    int e = 0;
    std::frexp(std::fabs(a), &e);
    const int exp = std::max(e - 1, -126);        // float subnormals share 2^-126's spacing
    const double ulp = std::ldexp(1.0, exp - 7);  // bf16 keeps 7 mantissa bits
    const double rounded = std::nearbyint(a / ulp) * ulp;
    const float r = std::fabs(rounded) >= 0x1p128 ? std::copysign(INFINITY, f) : static_cast<float>(rounded);
    return static_cast<uint16_t>(bitsOf(r) >> 16);
}

float fromBf16(uint16_t h) { return floatOf(static_cast<uint32_t>(h) << 16); }

std::vector<uint8_t> encode(Dt dt, const std::vector<float>& values) {
    std::vector<uint8_t> out;
    switch (dt) {
        case Dt::F32:
            for (float v : values) put<float>(out, v);
            break;
        case Dt::F16:
            for (float v : values) put<uint16_t>(out, toHalf(v));
            break;
        case Dt::BF16:
            for (float v : values) put<uint16_t>(out, toBf16(v));
            break;
        case Dt::Q8_0:
            if (values.size() % 32 != 0) throw std::invalid_argument("Q8_0 needs whole blocks of 32");
            for (size_t b = 0; b < values.size(); b += 32) {
                float amax = 0;
                for (size_t i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(values[b + i]));
                const float d = amax / 127.0f;
                const float inv = d != 0 ? 1.0f / d : 0.0f;
                put<uint16_t>(out, toHalf(d));
                for (size_t i = 0; i < 32; ++i) put<int8_t>(out, static_cast<int8_t>(std::lround(values[b + i] * inv)));
            }
            break;
    }
    return out;
}

std::vector<float> decode(Dt dt, const std::vector<uint8_t>& bytes) {
    std::vector<float> out;
    auto u16 = [&](size_t at) { return static_cast<uint16_t>(bytes[at] | (bytes[at + 1] << 8)); };
    switch (dt) {
        case Dt::F32:
            for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
                float f;
                std::memcpy(&f, &bytes[i], 4);
                out.push_back(f);
            }
            break;
        case Dt::F16:
            for (size_t i = 0; i + 2 <= bytes.size(); i += 2) out.push_back(fromHalf(u16(i)));
            break;
        case Dt::BF16:
            for (size_t i = 0; i + 2 <= bytes.size(); i += 2) out.push_back(fromBf16(u16(i)));
            break;
        case Dt::Q8_0:
            for (size_t b = 0; b + 34 <= bytes.size(); b += 34) {
                const float d = fromHalf(u16(b));
                for (size_t i = 0; i < 32; ++i)
                    out.push_back(d * static_cast<float>(static_cast<int8_t>(bytes[b + 2 + i])));
            }
            break;
    }
    return out;
}

std::vector<float> roundTrip(Dt dt, const std::vector<float>& values) { return decode(dt, encode(dt, values)); }

std::vector<float> randomValues(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>((gen() >> 8) * 0x1p-24 - 0.5);
    return v;
}

std::vector<Tensor> llamaTensorsHf(const LlamaSpec& s) {
    std::vector<Tensor> out;
    uint32_t seed = s.seed * 1000;
    auto mat = [&](const std::string& name, int64_t rows, int64_t cols) {
        out.push_back({name, {rows, cols}, randomValues(static_cast<size_t>(rows * cols), ++seed)});
    };
    auto vec = [&](const std::string& name, int64_t n, float base) {
        std::vector<float> v = randomValues(static_cast<size_t>(n), ++seed);
        for (float& x : v) x = base + 0.2f * x;
        out.push_back({name, {n}, v});
    };
    const int hd = s.dim / s.heads;
    mat("model.embed_tokens.weight", s.vocab, s.dim);
    for (int l = 0; l < s.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        vec(p + "input_layernorm.weight", s.dim, 1.0f);
        mat(p + "self_attn.q_proj.weight", s.heads * hd, s.dim);
        if (s.qkvBias) vec(p + "self_attn.q_proj.bias", s.heads * hd, 0.0f);
        mat(p + "self_attn.k_proj.weight", s.kvHeads * hd, s.dim);
        if (s.qkvBias) vec(p + "self_attn.k_proj.bias", s.kvHeads * hd, 0.0f);
        mat(p + "self_attn.v_proj.weight", s.kvHeads * hd, s.dim);
        if (s.qkvBias) vec(p + "self_attn.v_proj.bias", s.kvHeads * hd, 0.0f);
        mat(p + "self_attn.o_proj.weight", s.dim, s.heads * hd);
        vec(p + "post_attention_layernorm.weight", s.dim, 1.0f);
        mat(p + "mlp.gate_proj.weight", s.hidden, s.dim);
        mat(p + "mlp.up_proj.weight", s.hidden, s.dim);
        mat(p + "mlp.down_proj.weight", s.dim, s.hidden);
    }
    vec("model.norm.weight", s.dim, 1.0f);
    if (!s.tied) mat("lm_head.weight", s.vocab, s.dim);
    return out;
}

std::string llamaConfigJson(const LlamaSpec& s, const std::string& modelType) {
    nlohmann::ordered_json j;
    j["model_type"] = modelType;
    j["hidden_size"] = s.dim;
    j["intermediate_size"] = s.hidden;
    j["num_hidden_layers"] = s.layers;
    j["num_attention_heads"] = s.heads;
    j["num_key_value_heads"] = s.kvHeads;
    j["vocab_size"] = s.vocab;
    j["max_position_embeddings"] = s.seq;
    j["rms_norm_eps"] = 1e-5;
    j["rope_theta"] = 10000.0;
    j["tie_word_embeddings"] = s.tied;
    return j.dump(2);
}

std::string ggufName(const std::string& hf) {
    static const std::map<std::string, std::string> globals = {{"model.embed_tokens.weight", "token_embd.weight"},
                                                               {"model.norm.weight", "output_norm.weight"},
                                                               {"lm_head.weight", "output.weight"}};
    if (auto it = globals.find(hf); it != globals.end()) return it->second;
    static const std::map<std::string, std::string> leaves = {
        {"input_layernorm.weight", "attn_norm.weight"},    {"self_attn.q_proj.weight", "attn_q.weight"},
        {"self_attn.k_proj.weight", "attn_k.weight"},      {"self_attn.v_proj.weight", "attn_v.weight"},
        {"self_attn.o_proj.weight", "attn_output.weight"}, {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"mlp.gate_proj.weight", "ffn_gate.weight"},       {"mlp.up_proj.weight", "ffn_up.weight"},
        {"mlp.down_proj.weight", "ffn_down.weight"}};
    const std::string prefix = "model.layers.";
    const size_t dot = hf.find('.', prefix.size());
    const std::string layer = hf.substr(prefix.size(), dot - prefix.size());
    return "blk." + layer + "." + leaves.at(hf.substr(dot + 1));
}

StEntry stEntry(const Tensor& t, Dt dt) {
    static const char* names[] = {"F32", "F16", "BF16", "Q8_0"};
    return {t.name, names[static_cast<int>(dt)], t.shape, encode(dt, t.values), std::nullopt};
}

std::string stHeader(const std::vector<StEntry>& entries) {
    nlohmann::ordered_json j;
    j["__metadata__"] = {{"format", "pt"}};
    uint64_t pos = 0;
    for (const StEntry& e : entries) {
        const auto offs = e.offsets.value_or(std::make_pair(pos, pos + e.bytes.size()));
        j[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {offs.first, offs.second}}};
        pos += e.bytes.size();
    }
    return j.dump();
}

std::vector<uint8_t> stFile(const std::vector<StEntry>& entries, const std::string& header,
                            std::optional<uint64_t> lengthOverride) {
    std::vector<uint8_t> out;
    put<uint64_t>(out, lengthOverride.value_or(header.size()));
    out.insert(out.end(), header.begin(), header.end());
    for (const StEntry& e : entries) out.insert(out.end(), e.bytes.begin(), e.bytes.end());
    return out;
}

std::vector<uint8_t> stFile(const std::vector<StEntry>& entries) { return stFile(entries, stHeader(entries)); }

void GgufWriter::kvRaw(const std::string& key, uint32_t type, const std::vector<uint8_t>& payload) {
    m_kv.push_back({key, type, payload});
}
void GgufWriter::kvU32(const std::string& key, uint32_t v) {
    std::vector<uint8_t> p;
    put(p, v);
    kvRaw(key, 4, p);
}
void GgufWriter::kvF32(const std::string& key, float v) {
    std::vector<uint8_t> p;
    put(p, v);
    kvRaw(key, 6, p);
}
void GgufWriter::kvString(const std::string& key, const std::string& v) {
    std::vector<uint8_t> p;
    putString(p, v);
    kvRaw(key, 8, p);
}
void GgufWriter::kvStrings(const std::string& key, const std::vector<std::string>& v) {
    std::vector<uint8_t> p;
    put<uint32_t>(p, 8);
    put<uint64_t>(p, v.size());
    for (const std::string& s : v) putString(p, s);
    kvRaw(key, 9, p);
}
void GgufWriter::kvF32s(const std::string& key, const std::vector<float>& v) {
    std::vector<uint8_t> p;
    put<uint32_t>(p, 6);
    put<uint64_t>(p, v.size());
    for (float f : v) put(p, f);
    kvRaw(key, 9, p);
}
void GgufWriter::kvI32s(const std::string& key, const std::vector<int32_t>& v) {
    std::vector<uint8_t> p;
    put<uint32_t>(p, 5);
    put<uint64_t>(p, v.size());
    for (int32_t i : v) put(p, i);
    kvRaw(key, 9, p);
}

void GgufWriter::tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type, std::vector<uint8_t> bytes,
                        std::optional<uint64_t> offsetOverride, std::optional<uint32_t> nDimsOverride) {
    m_tensors.push_back({name, std::move(dims), type, std::move(bytes), offsetOverride, nDimsOverride});
}

void GgufWriter::tensor(const Tensor& t, Dt dt, const std::string& name) {
    std::vector<uint64_t> dims(t.shape.rbegin(), t.shape.rend());
    tensor(name, dims, ggmlType(dt), encode(dt, t.values));
}

std::vector<uint8_t> GgufWriter::bytes() const {
    std::vector<uint8_t> out(magic.begin(), magic.end());
    put<uint32_t>(out, version);
    put<uint64_t>(out, m_tensors.size());
    put<uint64_t>(out, m_kv.size() + (writeAlignment ? 1 : 0));
    if (writeAlignment) {
        putString(out, "general.alignment");
        put<uint32_t>(out, 4);
        put<uint32_t>(out, alignment);
    }
    for (const Kv& kv : m_kv) {
        putString(out, kv.key);
        put<uint32_t>(out, kv.type);
        out.insert(out.end(), kv.payload.begin(), kv.payload.end());
    }
    const uint64_t align = alignment ? alignment : 1;
    auto alignUp = [&](uint64_t x) { return (x + align - 1) / align * align; };
    std::vector<uint64_t> offsets;
    uint64_t pos = 0;
    for (const Info& t : m_tensors) {
        pos = alignUp(pos);
        offsets.push_back(pos);
        pos += t.bytes.size();
    }
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        const Info& t = m_tensors[i];
        putString(out, t.name);
        put<uint32_t>(out, t.nDims.value_or(static_cast<uint32_t>(t.dims.size())));
        for (uint64_t d : t.dims) put<uint64_t>(out, d);
        put<uint32_t>(out, t.type);
        put<uint64_t>(out, t.offset.value_or(offsets[i]));
    }
    const uint64_t dataStart = alignUp(out.size());
    out.resize(dataStart, 0);
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        out.resize(dataStart + offsets[i], 0);
        out.insert(out.end(), m_tensors[i].bytes.begin(), m_tensors[i].bytes.end());
    }
    return out;
}

uint32_t ggmlType(Dt dt) {
    switch (dt) {
        case Dt::F32:
            return 0;
        case Dt::F16:
            return 1;
        case Dt::Q8_0:
            return 8;
        case Dt::BF16:
            return 30;
    }
    return 0;
}

GgufWriter llamaGguf(const LlamaSpec& s, Dt dt) {
    GgufWriter g;
    g.kvString("general.architecture", "llama");
    g.kvString("general.name", "fixture");
    g.kvU32("llama.context_length", static_cast<uint32_t>(s.seq));
    g.kvU32("llama.embedding_length", static_cast<uint32_t>(s.dim));
    g.kvU32("llama.block_count", static_cast<uint32_t>(s.layers));
    g.kvU32("llama.feed_forward_length", static_cast<uint32_t>(s.hidden));
    g.kvU32("llama.attention.head_count", static_cast<uint32_t>(s.heads));
    g.kvU32("llama.attention.head_count_kv", static_cast<uint32_t>(s.kvHeads));
    g.kvF32("llama.rope.freq_base", 500000.0f);
    g.kvF32("llama.attention.layer_norm_rms_epsilon", 1e-6f);
    g.kvString("tokenizer.ggml.model", "llama");
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    for (int i = 0; i < s.vocab; ++i) {
        tokens.push_back("tok" + std::to_string(i));
        scores.push_back(-static_cast<float>(i));
        types.push_back(i < 3 ? 3 : 1);
    }
    g.kvStrings("tokenizer.ggml.tokens", tokens);
    g.kvF32s("tokenizer.ggml.scores", scores);
    g.kvI32s("tokenizer.ggml.token_type", types);
    g.kvU32("tokenizer.ggml.bos_token_id", 1);
    g.kvU32("tokenizer.ggml.eos_token_id", 2);
    for (const Tensor& t : llamaTensorsHf(s)) g.tensor(t, t.shape.size() == 1 ? Dt::F32 : dt, ggufName(t.name));
    return g;
}

std::vector<uint8_t> llama2cFile(const std::vector<int32_t>& header, const std::vector<float>& body) {
    std::vector<uint8_t> out;
    for (int32_t h : header) put(out, h);
    for (float f : body) put(out, f);
    return out;
}

std::vector<uint8_t> llama2cModel(const LlamaSpec& s) {
    std::map<std::string, const Tensor*> byName;
    const std::vector<Tensor> ts = llamaTensorsHf(s);
    for (const Tensor& t : ts) byName[t.name] = &t;
    std::vector<float> body;
    auto append = [&](const std::string& name) {
        const Tensor& t = *byName.at(name);
        body.insert(body.end(), t.values.begin(), t.values.end());
    };
    auto stacked = [&](const std::string& leaf) {
        for (int l = 0; l < s.layers; ++l) append("model.layers." + std::to_string(l) + "." + leaf);
    };
    append("model.embed_tokens.weight");
    for (const char* leaf : {"input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                             "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                             "mlp.gate_proj.weight", "mlp.down_proj.weight", "mlp.up_proj.weight"})
        stacked(leaf);
    append("model.norm.weight");
    const int hs = s.dim / s.heads;
    for (int part = 0; part < 2; ++part)  // freq_cis_real, then freq_cis_imag
        for (int p = 0; p < s.seq; ++p)
            for (int i = 0; i < hs / 2; ++i) {
                const double angle = p * std::pow(10000.0, -2.0 * i / hs);
                body.push_back(static_cast<float>(part == 0 ? std::cos(angle) : std::sin(angle)));
            }
    if (!s.tied) append("lm_head.weight");
    return llama2cFile({s.dim, s.hidden, s.layers, s.heads, s.kvHeads, s.tied ? s.vocab : -s.vocab, s.seq}, body);
}

void writeFile(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

void writeText(const std::string& path, const std::string& text) {
    writeFile(path, std::vector<uint8_t>(text.begin(), text.end()));
}

}  // namespace ctscope::test::fixture
