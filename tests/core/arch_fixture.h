#pragma once
/// Helpers of the architecture tests: tensors with real names and
/// deterministic values, written as F32 safetensors, and views of an inventory.
#include "fixture_writer.h"
#include "test_paths.h"

#include "core/format/tensor_role.h"
#include "core/format/weight_inventory.h"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ctscope::test::arch {

namespace fx = ctscope::test::fixture;

/// Tensors with real names and deterministic values, written as F32 safetensors.
struct Arch {
    std::vector<fx::Tensor> tensors;
    uint32_t seed = 11;
    void add(const std::string& name, std::vector<int64_t> shape) {
        size_t n = 1;
        for (int64_t s : shape) n *= static_cast<size_t>(s);
        tensors.push_back({name, shape, fx::randomValues(n, ++seed)});
    }
    void mat(const std::string& name, int64_t rows, int64_t cols) { add(name, {rows, cols}); }
    void vec(const std::string& name, int64_t n) { add(name, {n}); }
    const fx::Tensor& get(const std::string& name) const {
        for (const auto& t : tensors)
            if (t.name == name) return t;
        throw std::runtime_error("no fixture tensor " + name);
    }
    std::string write(const TempDir& dir, const std::string& config) const {
        std::vector<fx::StEntry> entries;
        for (const auto& t : tensors) entries.push_back(fx::stEntry(t, fx::Dt::F32));
        fx::writeFile(dir.file("model.safetensors"), fx::stFile(entries));
        if (!config.empty()) fx::writeText(dir.file("config.json"), config);
        return dir.path().string();
    }
};

inline std::map<std::string, WeightMatrix> byName(const WeightInventory& inv) {
    std::map<std::string, WeightMatrix> m;
    for (const auto& w : inv.matrices) m[w.name] = w;
    return m;
}

inline std::map<std::string, std::string> reasons(const WeightInventory& inv) {
    std::map<std::string, std::string> m;
    for (const auto& s : inv.skipped) m[s.name] = s.reason;
    return m;
}

inline std::map<Role, int> typeCounts(const WeightInventory& inv) {
    std::map<Role, int> n;
    for (const auto& w : inv.matrices) ++n[w.type];
    return n;
}

/// Rows [begin, begin + rows) of a row-major [*, cols] fixture tensor.
inline std::vector<float> rowSlice(const fx::Tensor& t, int64_t begin, int64_t rows) {
    const int64_t cols = t.shape.back();
    return std::vector<float>(t.values.begin() + begin * cols, t.values.begin() + (begin + rows) * cols);
}

/// A Llama-style block with the given attention shapes: q [H·hd, d], k/v [KV·hd, d], o [d, H·hd].
inline void llamaBlock(Arch& a, const std::string& p, int d, int H, int KV, int hd, int ffn, bool norms = true) {
    if (norms) a.vec(p + "input_layernorm.weight", d);
    a.mat(p + "self_attn.q_proj.weight", H * hd, d);
    a.mat(p + "self_attn.k_proj.weight", KV * hd, d);
    a.mat(p + "self_attn.v_proj.weight", KV * hd, d);
    a.mat(p + "self_attn.o_proj.weight", d, H * hd);
    if (norms) a.vec(p + "post_attention_layernorm.weight", d);
    a.mat(p + "mlp.gate_proj.weight", ffn, d);
    a.mat(p + "mlp.up_proj.weight", ffn, d);
    a.mat(p + "mlp.down_proj.weight", d, ffn);
}

inline std::string lp(int l) { return "model.layers." + std::to_string(l) + "."; }

}  // namespace ctscope::test::arch
