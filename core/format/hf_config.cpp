// Hugging Face config.json, read generically: any model_type with a width
// (hidden_size, n_embd or d_model). Fields the analysis does not need may be
// missing; config_from_shapes.cpp fills them from the tensors.
#include "core/format/config_from_shapes.h"
#include "core/format/loader_internal.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>

namespace ctscope::detail {

using nlohmann::json;

json readJsonFile(const std::string& file, uint64_t maxBytes) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in) throw FormatError(file, "cannot read the file");
    const std::streamoff size = in.tellg();
    if (size < 0) throw FormatError(file, "cannot read the file");
    if (static_cast<uint64_t>(size) > maxBytes)
        throw FormatError(file, "is " + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes) +
                                    " expected of this JSON file");
    std::string text(static_cast<size_t>(size), '\0');
    in.seekg(0);
    if (!in.read(text.data(), size)) throw FormatError(file, "cannot read the file");
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throw FormatError(file, std::string("not valid JSON: ") + e.what());
    }
}

namespace {

constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxCount = int64_t{1} << 24;

/// Reads keys from the text model's object first (text_config of a
/// multimodal config), then from the top level; each field may have aliases.
class ConfigReader {
public:
    ConfigReader(const std::string& file, const json& text, const json& top) : m_file(file), m_text(text), m_top(top) {}

    /// The first of `keys` present and not null, as (key, value).
    std::pair<const char*, const json*> find(std::initializer_list<const char*> keys) const {
        for (const json* obj : {&m_text, &m_top})
            for (const char* k : keys)
                if (const auto it = obj->find(k); it != obj->end() && !it->is_null()) return {k, &*it};
        return {nullptr, nullptr};
    }

    /// An integer in [lo, hi]; 0 when absent (unknown: filled from shapes).
    int integer(std::initializer_list<const char*> keys, int64_t lo, int64_t hi) const {
        const auto [key, v] = find(keys);
        if (!v) return 0;
        double x = 0;
        if (v->is_number_integer() && v->is_number_unsigned())
            x = static_cast<double>(v->get<uint64_t>());
        else if (v->is_number())
            x = v->get<double>();
        else
            throw FormatError(m_file, std::string("'") + key + "' is " + v->dump() + ", expected an integer");
        if (x != std::floor(x) || x < static_cast<double>(lo) || x > static_cast<double>(hi))
            throw FormatError(m_file, std::string("'") + key + "' is " + v->dump() + ", expected an integer in [" +
                                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return static_cast<int>(x);
    }

    int required(std::initializer_list<const char*> keys, int64_t lo, int64_t hi) const {
        const int v = integer(keys, lo, hi);
        if (v == 0)
            throw FormatError(m_file, std::string("missing '") + *keys.begin() +
                                          "', which a config.json of this model_type must have");
        return v;
    }

    double number(std::initializer_list<const char*> keys, double fallback) const {
        const auto [key, v] = find(keys);
        if (!v) return fallback;
        if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() <= 0)
            throw FormatError(m_file, std::string("'") + key + "' is " + v->dump() + ", expected a positive number");
        return v->get<double>();
    }

    bool boolean(std::initializer_list<const char*> keys, bool fallback) const {
        const auto [key, v] = find(keys);
        if (!v) return fallback;
        if (!v->is_boolean())
            throw FormatError(m_file, std::string("'") + key + "' is " + v->dump() + ", expected true or false");
        return v->get<bool>();
    }

    /// Token ids may be an int, a list of ints (several EOS ids) or null.
    int tokenId(const char* key, int fallback) const {
        const auto [k, found] = find({key});
        if (!found) return fallback;
        const json& v = found->is_array() && !found->empty() ? found->front() : *found;
        if (v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= std::numeric_limits<int>::max())
            return static_cast<int>(v.get<int64_t>());
        return fallback;
    }

private:
    const std::string& m_file;
    const json& m_text;
    const json& m_top;
};

/// rope_scaling as written; a malformed one is recorded, not fatal: the
/// analysis does not need it, and the training engine refuses it.
RopeScaling readRopeScaling(const json* v) {
    RopeScaling s;
    if (!v) return s;
    if (!v->is_object()) {
        s.type = "invalid";
        s.invalid = "rope_scaling is " + v->dump() + ", expected an object";
        return s;
    }
    const auto type = v->contains("rope_type") ? v->find("rope_type") : v->find("type");
    if (type == v->end() || !type->is_string()) {
        s.type = "invalid";
        s.invalid = "rope_scaling has no 'rope_type' string";
        return s;
    }
    s.type = type->get<std::string>();
    auto num = [&](const char* key, double& out, bool required) {
        const auto it = v->find(key);
        if (it != v->end() && it->is_number() && std::isfinite(it->get<double>())) {
            out = it->get<double>();
        } else if (required && s.invalid.empty()) {
            s.invalid = "rope_scaling of type '" + s.type + "' lacks a numeric '" + key + "'";
        }
    };
    const bool llama3 = s.type == "llama3";
    if (s.active()) num("factor", s.factor, s.type != "longrope");
    num("low_freq_factor", s.lowFreqFactor, llama3);
    num("high_freq_factor", s.highFreqFactor, llama3);
    double orig = 0;
    num("original_max_position_embeddings", orig, llama3);
    if (orig > 0 && orig < static_cast<double>(int64_t{1} << 30)) s.originalMaxPositions = static_cast<int>(orig);
    if (llama3 && s.invalid.empty() && (s.factor <= 0 || s.highFreqFactor <= s.lowFreqFactor || s.originalMaxPositions <= 0))
        s.invalid = "rope_scaling llama3 needs factor > 0, high_freq_factor > low_freq_factor and a positive "
                    "original_max_position_embeddings";
    return s;
}

}  // namespace

ModelConfig parseHfConfig(const std::string& file) {
    const json top = readJsonFile(file, 16u << 20);
    if (!top.is_object()) throw FormatError(file, "expected a JSON object");
    // Multimodal configs (Gemma 3, LLaVA, ...) nest the language model's fields.
    const json* text = &top;
    if (const auto it = top.find("text_config"); it != top.end() && it->is_object()) text = &*it;
    const ConfigReader r(file, *text, top);

    ModelConfig c;
    if (const auto [k, v] = r.find({"model_type"}); v && v->is_string()) c.modelType = v->get<std::string>();
    const bool gpt2 = c.modelType == "gpt2" || (c.modelType.empty() && r.find({"n_embd"}).second);
    if (c.modelType.empty() && !gpt2 && !r.find({"hidden_size", "d_model"}).second)
        throw FormatError(file, "missing 'model_type' and 'hidden_size': not a Hugging Face model config");
    if (gpt2 && c.modelType.empty()) c.modelType = "gpt2";
    if (c.modelType.empty() || isLlamaFamily(c.modelType))
        c.arch = "llama";
    else
        c.arch = c.modelType;  // analysis only; the training engine says what it lacks
    c.ropeLayout = RopeLayout::HalfSplit;

    c.dModel = r.required({"hidden_size", "n_embd", "d_model"}, 1, kMaxWidth);
    c.nLayers = r.integer({"num_hidden_layers", "n_layer", "n_layers"}, 1, 1 << 16);
    c.nHeads = r.integer({"num_attention_heads", "n_head", "n_heads"}, 1, kMaxWidth);
    c.nKvHeads = r.integer({"num_key_value_heads", "n_kv_heads"}, 1, kMaxWidth);
    if (r.boolean({"multi_query_attention"}, false)) c.nKvHeads = 1;  // hf_olmo
    if (c.nKvHeads == 0 && c.nHeads > 0) c.nKvHeads = c.nHeads;  // transformers' default: no GQA
    c.explicitHeadDim = r.integer({"head_dim"}, 1, kMaxWidth);
    c.ffnDim = r.integer({"intermediate_size", "n_inner"}, 1, kMaxCount);
    if (gpt2 && c.ffnDim == 0) c.ffnDim = 4 * c.dModel;
    if (c.modelType == "hf_olmo" && c.ffnDim == 0) {
        // ff_proj holds [up; gate]: mlp_hidden_size (or mlp_ratio × d_model) rows in all.
        const int total = r.integer({"mlp_hidden_size"}, 2, kMaxCount);
        const int ratio = r.integer({"mlp_ratio"}, 1, 1 << 10);
        c.ffnDim = total > 0 ? total / 2 : ratio * c.dModel / 2;
    }
    // hf_olmo pads the embedding to embedding_size rows.
    c.vocab = r.integer({"embedding_size", "vocab_size"}, 1, kMaxCount);
    const int maxSeq = r.integer({"max_position_embeddings", "n_positions", "max_sequence_length"}, 1, int64_t{1} << 30);
    c.maxSeq = maxSeq > 0 ? maxSeq : (gpt2 ? 1024 : 2048);
    c.ropeTheta = r.number({"rope_theta"}, 10000.0);
    c.normEps = r.number({"rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon"}, gpt2 ? 1e-5 : 1e-6);
    const bool tiedByDefault = gpt2 || c.modelType.rfind("gemma", 0) == 0;
    c.tiedEmbeddings = r.boolean({"tie_word_embeddings", "weight_tying"}, tiedByDefault);
    c.bosId = r.tokenId("bos_token_id", gpt2 ? 50256 : 1);
    c.eosId = r.tokenId("eos_token_id", gpt2 ? 50256 : 2);
    c.ropeScaling = readRopeScaling(r.find({"rope_scaling"}).second);
    if (c.ropeScaling.originalMaxPositions == 0)
        c.ropeScaling.originalMaxPositions = r.integer({"original_max_position_embeddings"}, 1, int64_t{1} << 30);
    c.partialRotary = r.number({"partial_rotary_factor"}, 1.0);
    if (r.boolean({"use_sliding_window"}, true)) c.slidingWindow = r.integer({"sliding_window"}, 1, int64_t{1} << 30);
    c.nExperts = r.integer({"num_local_experts", "num_experts", "n_routed_experts"}, 1, 1 << 16);
    c.nExpertsPerToken = r.integer({"num_experts_per_tok"}, 1, 1 << 16);
    c.expertFfnDim = r.integer({"moe_intermediate_size"}, 1, kMaxCount);

    if (c.nHeads > 0 && c.nKvHeads > 0 && (c.nKvHeads > c.nHeads || c.nHeads % c.nKvHeads != 0))
        throw FormatError(file, "num_attention_heads " + std::to_string(c.nHeads) +
                                    " is not a multiple of num_key_value_heads " + std::to_string(c.nKvHeads));
    if (c.nHeads > 0 && c.explicitHeadDim == 0 && c.dModel % c.nHeads != 0)
        throw FormatError(file, "hidden_size " + std::to_string(c.dModel) + " is not a multiple of num_attention_heads " +
                                    std::to_string(c.nHeads) + " and no head_dim is given");
    return c;
}

}  // namespace ctscope::detail
