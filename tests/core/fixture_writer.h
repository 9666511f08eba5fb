#pragma once
/// A small, independent writer of safetensors, GGUF v3 and llama2.c files for
/// the format tests. It is written from the format descriptions, shares no code
/// with ctscope's loaders, and can emit deliberately broken variants.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ctscope::test::fixture {

enum class Dt { F32, F16, BF16, Q8_0 };

/// IEEE half / bfloat16, round to nearest even (computed through double
/// arithmetic and std::nearbyint, not bit tricks).
uint16_t toHalf(float f);
float fromHalf(uint16_t h);
uint16_t toBf16(float f);
float fromBf16(uint16_t h);

/// Values in a storage dtype (Q8_0: blocks of 32, F16 scale = max|x| / 127).
std::vector<uint8_t> encode(Dt dt, const std::vector<float>& values);
/// What a correct reader must return for `encode(dt, values)`.
std::vector<float> decode(Dt dt, const std::vector<uint8_t>& bytes);
/// decode(dt, encode(dt, values)).
std::vector<float> roundTrip(Dt dt, const std::vector<float>& values);

struct Tensor {
    std::string name;
    std::vector<int64_t> shape;  ///< outermost first
    std::vector<float> values;
};

/// A tiny Llama-architecture model with deterministic pseudo-random weights.
struct LlamaSpec {
    int dim = 32, hidden = 48, layers = 2, heads = 4, kvHeads = 2, vocab = 40, seq = 16;
    bool tied = true;
    bool qkvBias = false;  ///< Qwen2-style q/k/v biases
    uint32_t seed = 1;
};

/// Tensors in Hugging Face names and [out, in] layout, in HF's usual order.
std::vector<Tensor> llamaTensorsHf(const LlamaSpec& spec);
/// config.json text for the spec (model_type as given).
std::string llamaConfigJson(const LlamaSpec& spec, const std::string& modelType = "llama");
/// GGUF name of an HF tensor name ("model.layers.0.self_attn.q_proj.weight" -> "blk.0.attn_q.weight").
std::string ggufName(const std::string& hfName);
/// Deterministic values in about [-0.5, 0.5).
std::vector<float> randomValues(size_t n, uint32_t seed);

// ---- safetensors -------------------------------------------------------------

struct StEntry {
    std::string name;
    std::string dtype;  ///< "F32", "F16", "BF16", or anything for broken files
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
    /// data_offsets to write instead of the running position.
    std::optional<std::pair<uint64_t, uint64_t>> offsets;
};

StEntry stEntry(const Tensor& t, Dt dt);
/// The JSON header; offsets run one after another unless an entry overrides them.
std::string stHeader(const std::vector<StEntry>& entries);
/// 8-byte little-endian length (or `lengthOverride`), the header, then each
/// entry's bytes in order.
std::vector<uint8_t> stFile(const std::vector<StEntry>& entries, const std::string& header,
                            std::optional<uint64_t> lengthOverride = std::nullopt);
std::vector<uint8_t> stFile(const std::vector<StEntry>& entries);

// ---- GGUF v3 -----------------------------------------------------------------

class GgufWriter {
public:
    std::string magic = "GGUF";
    uint32_t version = 3;
    uint32_t alignment = 32;  ///< written as general.alignment only when writeAlignment
    bool writeAlignment = true;

    void kvU32(const std::string& key, uint32_t v);
    void kvF32(const std::string& key, float v);
    void kvString(const std::string& key, const std::string& v);
    void kvStrings(const std::string& key, const std::vector<std::string>& v);
    void kvF32s(const std::string& key, const std::vector<float>& v);
    void kvI32s(const std::string& key, const std::vector<int32_t>& v);
    /// A key, a value type and the value's raw bytes, unchecked.
    void kvRaw(const std::string& key, uint32_t type, const std::vector<uint8_t>& payload);

    /// `dims` are GGUF order (innermost first); `bytes` the stored data.
    void tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t ggmlType, std::vector<uint8_t> bytes,
                std::optional<uint64_t> offsetOverride = std::nullopt,
                std::optional<uint32_t> nDimsOverride = std::nullopt);
    /// A tensor from [out, in] values, dims reversed, stored as `dt`.
    void tensor(const Tensor& t, Dt dt, const std::string& name);

    std::vector<uint8_t> bytes() const;

private:
    struct Kv {
        std::string key;
        uint32_t type;
        std::vector<uint8_t> payload;
    };
    struct Info {
        std::string name;
        std::vector<uint64_t> dims;
        uint32_t type;
        std::vector<uint8_t> bytes;
        std::optional<uint64_t> offset;
        std::optional<uint32_t> nDims;
    };
    std::vector<Kv> m_kv;
    std::vector<Info> m_tensors;
};

uint32_t ggmlType(Dt dt);
/// A complete llama GGUF of the spec; norms stay F32, matrices as `dt`.
GgufWriter llamaGguf(const LlamaSpec& spec, Dt dt);

// ---- llama2.c ----------------------------------------------------------------

/// Seven int32 then the floats.
std::vector<uint8_t> llama2cFile(const std::vector<int32_t>& header, const std::vector<float>& body);
/// A complete llama2.c file of the spec (negative vocab when !spec.tied),
/// holding the same weights as llamaTensorsHf(spec).
std::vector<uint8_t> llama2cModel(const LlamaSpec& spec);

// ---- files -------------------------------------------------------------------

void writeFile(const std::string& path, const std::vector<uint8_t>& bytes);
void writeText(const std::string& path, const std::string& text);

}  // namespace ctscope::test::fixture
