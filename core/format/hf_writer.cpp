#include "core/format/hf_writer.h"

#include "core/format/safetensors_writer.h"
#include "core/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <utility>

namespace ctscope {

namespace fs = std::filesystem;

std::string hfLlamaName(const std::string& type, int layer) {
    if (type == "embed") return "model.embed_tokens.weight";
    if (type == "head") return "lm_head.weight";
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    if (type == "q" || type == "k" || type == "v" || type == "o") return p + "self_attn." + type + "_proj.weight";
    if (type == "gate" || type == "up" || type == "down") return p + "mlp." + type + "_proj.weight";
    if (type == "attn_norm") return p + "input_layernorm.weight";
    if (type == "ffn_norm") return p + "post_attention_layernorm.weight";
    if (type == "final_norm") return "model.norm.weight";
    throw std::invalid_argument("hfLlamaName: unknown type " + type);
}

void writeHfLlamaFolder(const std::string& dir, const ModelConfig& c, const std::vector<NamedTensor>& tensors,
                        bool biases) {
    fs::create_directories(dir);
    std::vector<SafetensorsEntry> entries;
    entries.reserve(tensors.size());
    for (const auto& t : tensors) {
        int64_t n = 1;
        for (auto s : t.shape) n *= s;
        if (n != static_cast<int64_t>(t.values.size()))
            throw std::invalid_argument("writeHfLlamaFolder: tensor " + t.name + " has " +
                                        std::to_string(t.values.size()) + " values for its shape");
        entries.push_back({t.name, "F32", t.shape, t.values.data()});
    }
    writeSafetensors((fs::path(dir) / "model.safetensors").string(), entries,
                     {{"format", "pt"}, {"written_by", "ctscope " CTSCOPE_VERSION}});

    nlohmann::ordered_json cfg = {{"architectures", {"LlamaForCausalLM"}},
                                  {"model_type", "llama"},
                                  {"hidden_act", "silu"},
                                  {"hidden_size", c.dModel},
                                  {"intermediate_size", c.ffnDim},
                                  {"num_hidden_layers", c.nLayers},
                                  {"num_attention_heads", c.nHeads},
                                  {"num_key_value_heads", c.nKvHeads},
                                  {"vocab_size", c.vocab},
                                  {"max_position_embeddings", c.maxSeq},
                                  {"rms_norm_eps", c.normEps},
                                  {"rope_theta", c.ropeTheta},
                                  {"tie_word_embeddings", c.tiedEmbeddings},
                                  {"torch_dtype", "float32"},
                                  {"bos_token_id", c.bosId},
                                  {"eos_token_id", c.eosId}};
    static const std::pair<const char*, const char*> kClasses[] = {{"mistral", "MistralForCausalLM"},
                                                                  {"qwen2", "Qwen2ForCausalLM"},
                                                                  {"qwen3", "Qwen3ForCausalLM"}};
    for (const auto& [type, cls] : kClasses)
        if (c.modelType == type) {
            cfg["model_type"] = type;
            cfg["architectures"] = {cls};
        }
    cfg["head_dim"] = c.headDim();
    if (c.ropeScaling.active()) {
        nlohmann::ordered_json rs = {{"rope_type", c.ropeScaling.type}, {"factor", c.ropeScaling.factor}};
        if (c.ropeScaling.type == "llama3") {
            rs["low_freq_factor"] = c.ropeScaling.lowFreqFactor;
            rs["high_freq_factor"] = c.ropeScaling.highFreqFactor;
            rs["original_max_position_embeddings"] = c.ropeScaling.originalMaxPositions;
        }
        cfg["rope_scaling"] = rs;
    } else {
        cfg["rope_scaling"] = nullptr;
    }
    cfg["sliding_window"] = c.slidingWindow > 0 ? nlohmann::ordered_json(c.slidingWindow) : nlohmann::ordered_json();
    if (c.modelType == "qwen2" || c.modelType == "qwen3") cfg["use_sliding_window"] = false;
    // Qwen2 always has q/k/v biases; Llama, Mistral and Qwen3 say whether they do.
    if (c.modelType != "qwen2") cfg["attention_bias"] = biases;
    writeFileAtomically((fs::path(dir) / "config.json").string(), cfg.dump(2) + "\n");
}

} // namespace ctscope
