#include "core/format/hf_writer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

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

namespace {

void writeAtomically(const fs::path& file, const std::string& head, const std::vector<NamedTensor>* tensors) {
    const fs::path tmp = file.string() + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error(file.string() + ": cannot write");
        out.write(head.data(), static_cast<std::streamsize>(head.size()));
        if (tensors)
            for (const auto& t : *tensors)
                out.write(reinterpret_cast<const char*>(t.values.data()),
                          static_cast<std::streamsize>(t.values.size() * sizeof(float)));
        if (!out) {
            out.close();
            fs::remove(tmp);
            throw std::runtime_error(file.string() + ": write failed (disk full?)");
        }
    }
    fs::rename(tmp, file);
}

} // namespace

void writeHfLlamaFolder(const std::string& dir, const ModelConfig& c, const std::vector<NamedTensor>& tensors) {
    fs::create_directories(dir);
    nlohmann::ordered_json header;
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        int64_t n = 1;
        for (auto s : t.shape) n *= s;
        if (n != static_cast<int64_t>(t.values.size()))
            throw std::invalid_argument("writeHfLlamaFolder: tensor " + t.name + " has " +
                                        std::to_string(t.values.size()) + " values for its shape");
        const uint64_t bytes = static_cast<uint64_t>(n) * 4;
        header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    header["__metadata__"] = {{"format", "pt"}, {"written_by", "ctscope " CTSCOPE_VERSION}};
    std::string h = header.dump();
    h.resize((h.size() + 7) / 8 * 8, ' ');
    std::string head(8, '\0');
    const uint64_t len = h.size();
    for (int i = 0; i < 8; ++i) head[static_cast<size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
    head += h;
    writeAtomically(fs::path(dir) / "model.safetensors", head, &tensors);

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
    writeAtomically(fs::path(dir) / "config.json", cfg.dump(2) + "\n", nullptr);
}

} // namespace ctscope
