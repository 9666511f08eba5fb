// Model configs for safetensors checkpoints: Hugging Face config.json, or a
// guess from the tensor shapes when there is none.
#include "core/format/loader_internal.h"
#include "core/format/tensor_role.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
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

class ConfigReader {
public:
    ConfigReader(const std::string& file, const json& j) : m_file(file), m_j(j) {}

    int integer(const char* key, std::optional<int64_t> fallback, int64_t lo, int64_t hi) const {
        const auto it = m_j.find(key);
        if (it == m_j.end() || it->is_null()) {
            if (fallback) return static_cast<int>(*fallback);
            throw FormatError(
                m_file, std::string("missing '") + key + "', which " + "a config.json of this model_type must have");
        }
        double v = 0;
        if (it->is_number_integer() && it->is_number_unsigned())
            v = static_cast<double>(it->get<uint64_t>());
        else if (it->is_number())
            v = it->get<double>();
        else
            throw FormatError(m_file, std::string("'") + key + "' is " + it->dump() + ", expected an integer");
        if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
            throw FormatError(m_file, std::string("'") + key + "' is " + it->dump() + ", expected an integer in [" +
                                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return static_cast<int>(v);
    }

    double number(const char* key, double fallback) const {
        const auto it = m_j.find(key);
        if (it == m_j.end() || it->is_null()) return fallback;
        if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() <= 0)
            throw FormatError(m_file, std::string("'") + key + "' is " + it->dump() + ", expected a positive number");
        return it->get<double>();
    }

    bool boolean(const char* key, bool fallback) const {
        const auto it = m_j.find(key);
        if (it == m_j.end() || it->is_null()) return fallback;
        if (!it->is_boolean())
            throw FormatError(m_file, std::string("'") + key + "' is " + it->dump() + ", expected true or false");
        return it->get<bool>();
    }

    /// Token ids may be an int, a list of ints (several EOS ids) or null.
    int tokenId(const char* key, int fallback) const {
        const auto it = m_j.find(key);
        if (it == m_j.end()) return fallback;
        const json& v = it->is_array() && !it->empty() ? it->front() : *it;
        if (v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= std::numeric_limits<int>::max())
            return static_cast<int>(v.get<int64_t>());
        return fallback;
    }

private:
    const std::string& m_file;
    const json& m_j;
};

constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxCount = int64_t{1} << 24;

}  // namespace

ModelConfig parseHfConfig(const std::string& file) {
    const json j = readJsonFile(file, 16u << 20);
    if (!j.is_object()) throw FormatError(file, "expected a JSON object");
    std::string type;
    if (const auto it = j.find("model_type"); it != j.end() && it->is_string())
        type = it->get<std::string>();
    else if (j.contains("n_embd"))
        type = "gpt2";
    else if (j.contains("hidden_size"))
        type = "llama";
    else
        throw FormatError(file, "missing 'model_type' (expected llama, mistral, qwen2 or gpt2)");

    const ConfigReader r(file, j);
    ModelConfig c;
    c.ropeLayout = RopeLayout::HalfSplit;
    if (type == "llama" || type == "mistral" || type == "qwen2") {
        c.arch = "llama";
        c.dModel = r.integer("hidden_size", std::nullopt, 1, kMaxWidth);
        c.nLayers = r.integer("num_hidden_layers", std::nullopt, 1, 1 << 16);
        c.nHeads = r.integer("num_attention_heads", std::nullopt, 1, c.dModel);
        c.nKvHeads = r.integer("num_key_value_heads", c.nHeads, 1, c.nHeads);
        c.ffnDim = r.integer("intermediate_size", std::nullopt, 1, kMaxCount);
        c.vocab = r.integer("vocab_size", std::nullopt, 1, kMaxCount);
        c.maxSeq = r.integer("max_position_embeddings", 2048, 1, int64_t{1} << 30);
        c.ropeTheta = r.number("rope_theta", 10000.0);
        c.normEps = r.number("rms_norm_eps", 1e-6);
        c.tiedEmbeddings = r.boolean("tie_word_embeddings", false);
        c.bosId = r.tokenId("bos_token_id", 1);
        c.eosId = r.tokenId("eos_token_id", 2);
        if (c.dModel % c.nHeads != 0)
            throw FormatError(file, "hidden_size " + std::to_string(c.dModel) +
                                        " is not a multiple of num_attention_heads " + std::to_string(c.nHeads));
        if (c.nHeads % c.nKvHeads != 0)
            throw FormatError(file, "num_attention_heads " + std::to_string(c.nHeads) +
                                        " is not a multiple of num_key_value_heads " + std::to_string(c.nKvHeads));
        const int headDim = r.integer("head_dim", c.headDim(), 1, kMaxWidth);
        if (headDim != c.headDim())
            throw FormatError(file, "head_dim " + std::to_string(headDim) +
                                        " differs from hidden_size / num_attention_heads = " +
                                        std::to_string(c.headDim()) + "; not supported");
    } else if (type == "gpt2") {
        c.arch = "gpt2";
        c.dModel = r.integer("n_embd", std::nullopt, 1, kMaxWidth);
        c.nLayers = r.integer("n_layer", std::nullopt, 1, 1 << 16);
        c.nHeads = r.integer("n_head", std::nullopt, 1, c.dModel);
        c.nKvHeads = c.nHeads;
        c.ffnDim = r.integer("n_inner", 4 * int64_t{c.dModel}, 1, kMaxCount);
        c.vocab = r.integer("vocab_size", std::nullopt, 1, kMaxCount);
        c.maxSeq = r.integer("n_positions", 1024, 1, int64_t{1} << 30);
        c.normEps = r.number("layer_norm_epsilon", 1e-5);
        c.tiedEmbeddings = r.boolean("tie_word_embeddings", true);
        c.bosId = r.tokenId("bos_token_id", 50256);
        c.eosId = r.tokenId("eos_token_id", 50256);
        if (c.dModel % c.nHeads != 0)
            throw FormatError(file, "n_embd " + std::to_string(c.dModel) + " is not a multiple of n_head " +
                                        std::to_string(c.nHeads));
    } else {
        throw FormatError(file, "model_type '" + type + "' is not supported (expected llama, mistral, qwen2 or gpt2)");
    }
    return c;
}

void inferConfigFromShapes(Checkpoint& ck) {
    ModelConfig& c = ck.m_config;
    c = ModelConfig{};
    const TensorInfo* embed = nullptr;
    bool hasHead = false;
    for (const TensorInfo& t : ck.m_tensors) {
        const Role r = classifyTensor(t.name).role;
        if (r == Role::Embed && !embed) embed = &t;
        if (r == Role::Head) hasHead = true;
        if (r == Role::QkvFused || r == Role::PosEmbed) c.arch = "gpt2";
    }
    if (!embed || embed->shape.size() != 2 || embed->shape[1] < 1 || embed->shape[1] > kMaxWidth ||
        embed->shape[0] < 1 || embed->shape[0] > kMaxCount)
        throw FormatError(ck.m_path,
                          "no config.json beside it, and no 2-D token embedding to "
                          "infer d_model and the vocabulary from");
    c.vocab = static_cast<int>(embed->shape[0]);
    c.dModel = static_cast<int>(embed->shape[1]);
    markConv1D(ck);

    // [out, in] of the first tensor of a role, undoing Conv1D storage.
    auto outIn = [&](Role role) -> std::optional<std::pair<int64_t, int64_t>> {
        for (const TensorInfo& t : ck.m_tensors) {
            if (classifyTensor(t.name).role != role || t.shape.size() != 2) continue;
            return t.transposed ? std::make_pair(t.shape[1], t.shape[0]) : std::make_pair(t.shape[0], t.shape[1]);
        }
        return std::nullopt;
    };
    int maxLayer = -1;
    for (const TensorInfo& t : ck.m_tensors) {
        const TensorRole r = classifyTensor(t.name);
        if (isMatrixType(r.role) || r.role == Role::QkvFused) maxLayer = std::max(maxLayer, r.layer);
    }
    if (maxLayer < 0)
        throw FormatError(ck.m_path,
                          "no config.json beside it, and no transformer block "
                          "tensors to count the layers from");
    c.nLayers = maxLayer + 1;

    int64_t ffn = 4 * int64_t{c.dModel};
    if (auto s = outIn(Role::Gate))
        ffn = s->first;
    else if (auto u = outIn(Role::Up))
        ffn = u->first;
    else if (auto dn = outIn(Role::Down))
        ffn = dn->second;
    c.ffnDim = static_cast<int>(std::clamp<int64_t>(ffn, 1, kMaxCount));

    c.nHeads = std::max(1, c.dModel / 64);
    while (c.dModel % c.nHeads != 0) --c.nHeads;
    c.nKvHeads = c.nHeads;
    if (auto k = outIn(Role::K); k && k->first % c.headDim() == 0) {
        const auto kv = k->first / c.headDim();
        if (kv >= 1 && kv <= c.nHeads && c.nHeads % kv == 0) c.nKvHeads = static_cast<int>(kv);
    }
    if (auto pos = outIn(Role::PosEmbed)) c.maxSeq = static_cast<int>(std::min<int64_t>(pos->first, kMaxCount));
    c.tiedEmbeddings = !hasHead;
    c.ropeLayout = RopeLayout::HalfSplit;
    c.normEps = c.arch == "gpt2" ? 1e-5 : 1e-6;
    ck.m_notes.push_back("no config.json beside the checkpoint: config inferred from tensor shapes (d_model " +
                         std::to_string(c.dModel) + ", " + std::to_string(c.nLayers) + " layers, vocab " +
                         std::to_string(c.vocab) + ", ffn " + std::to_string(c.ffnDim) +
                         "); heads assumed d_model/64 = " + std::to_string(c.nHeads));
}

}  // namespace ctscope::detail
