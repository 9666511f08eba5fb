#include "tinyllama_shaped.h"

#include "core/format/dtype.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace ctscope::bench {

namespace {

struct Spec {
    std::string name;
    std::vector<int64_t> shape;
    int64_t numel() const {
        int64_t n = 1;
        for (auto s : shape) n *= s;
        return n;
    }
};

uint64_t splitmix(uint64_t& s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void writeTensor(std::ofstream& out, const Spec& s, uint64_t seed, bool bf16) {
    const bool vector = s.shape.size() == 1;
    const int64_t cols = s.shape.back();
    std::vector<float> colScale(static_cast<size_t>(cols));
    for (int64_t j = 0; j < cols; ++j) colScale[j] = 0.02f / std::sqrt(1.0f + static_cast<float>(j % 997) / 8.0f);
    std::vector<uint8_t> buf;
    const int64_t chunk = 1 << 20;
    for (int64_t i0 = 0; i0 < s.numel(); i0 += chunk) {
        const int64_t n = std::min(chunk, s.numel() - i0);
        buf.resize(static_cast<size_t>(n) * (bf16 ? 2 : 4));
        for (int64_t i = 0; i < n; ++i) {
            float v;
            if (vector) {
                v = 1.0f;
            } else {
                const uint64_t r = splitmix(seed);
                // Sum of four 16-bit uniforms: a cheap bell shape, unit variance.
                const float u = (float((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48)) /
                                     65536.0f - 2.0f) * 1.7320508f;
                v = u * colScale[static_cast<size_t>((i0 + i) % cols)];
            }
            if (bf16) {
                const uint16_t h = floatToBf16(v);
                std::memcpy(&buf[static_cast<size_t>(i) * 2], &h, 2);
            } else {
                std::memcpy(&buf[static_cast<size_t>(i) * 4], &v, 4);
            }
        }
        out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    }
}

} // namespace

long long writeShapedModel(const std::string& dir, const ShapedModelOptions& o) {
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    const int hd = o.dModel / o.heads, kv = o.kvHeads * hd;
    std::vector<Spec> specs{{"model.embed_tokens.weight", {o.vocab, o.dModel}}};
    for (int l = 0; l < o.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        specs.push_back({p + "input_layernorm.weight", {o.dModel}});
        specs.push_back({p + "self_attn.q_proj.weight", {o.dModel, o.dModel}});
        specs.push_back({p + "self_attn.k_proj.weight", {kv, o.dModel}});
        specs.push_back({p + "self_attn.v_proj.weight", {kv, o.dModel}});
        specs.push_back({p + "self_attn.o_proj.weight", {o.dModel, o.dModel}});
        specs.push_back({p + "post_attention_layernorm.weight", {o.dModel}});
        specs.push_back({p + "mlp.gate_proj.weight", {o.ffn, o.dModel}});
        specs.push_back({p + "mlp.up_proj.weight", {o.ffn, o.dModel}});
        specs.push_back({p + "mlp.down_proj.weight", {o.dModel, o.ffn}});
    }
    specs.push_back({"model.norm.weight", {o.dModel}});
    specs.push_back({"lm_head.weight", {o.vocab, o.dModel}});

    const int elem = o.bf16 ? 2 : 4;
    std::vector<std::vector<Spec>> shards(1);
    double shardSize = 0;
    for (const auto& s : specs) {
        if (shardSize > 0 && shardSize + s.numel() * elem > o.shardBytes) {
            shards.emplace_back();
            shardSize = 0;
        }
        shards.back().push_back(s);
        shardSize += static_cast<double>(s.numel()) * elem;
    }
    nlohmann::ordered_json index;
    long long params = 0;
    uint64_t seed = 1234;
    for (size_t si = 0; si < shards.size(); ++si) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", si + 1, shards.size());
        nlohmann::ordered_json header;
        uint64_t off = 0;
        for (const auto& s : shards[si]) {
            const uint64_t n = static_cast<uint64_t>(s.numel()) * elem;
            header[s.name] = {{"dtype", o.bf16 ? "BF16" : "F32"}, {"shape", s.shape}, {"data_offsets", {off, off + n}}};
            off += n;
            index["weight_map"][s.name] = name;
            params += s.numel();
        }
        std::string h = header.dump();
        h.resize((h.size() + 7) / 8 * 8, ' ');
        std::ofstream out(fs::path(dir) / name, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error(dir + ": cannot write shard");
        const uint64_t hlen = h.size();
        out.write(reinterpret_cast<const char*>(&hlen), 8);
        out.write(h.data(), static_cast<std::streamsize>(h.size()));
        for (const auto& s : shards[si]) writeTensor(out, s, seed++ * 0x1000193ull, o.bf16);
        if (!out) throw std::runtime_error(dir + ": write failed (disk full?)");
    }
    index["metadata"]["total_size"] = params * elem;
    std::ofstream(fs::path(dir) / "model.safetensors.index.json") << index.dump(1);
    nlohmann::ordered_json cfg = {{"architectures", {"LlamaForCausalLM"}},
                                  {"model_type", "llama"},
                                  {"hidden_size", o.dModel},
                                  {"intermediate_size", o.ffn},
                                  {"num_hidden_layers", o.layers},
                                  {"num_attention_heads", o.heads},
                                  {"num_key_value_heads", o.kvHeads},
                                  {"vocab_size", o.vocab},
                                  {"max_position_embeddings", 2048},
                                  {"rms_norm_eps", 1e-5},
                                  {"rope_theta", 10000.0},
                                  {"tie_word_embeddings", false},
                                  {"torch_dtype", o.bf16 ? "bfloat16" : "float32"}};
    std::ofstream(fs::path(dir) / "config.json") << cfg.dump(1);
    return params;
}

} // namespace ctscope::bench
