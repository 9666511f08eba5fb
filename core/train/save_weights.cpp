#include "core/train/save_weights.h"

#include "core/format/hf_writer.h"

#include <stdexcept>

namespace ctscope {
namespace {

NamedTensor named(const std::string& name, const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    NamedTensor n;
    n.name = name;
    n.shape.assign(c.sizes().begin(), c.sizes().end());
    n.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return n;
}

/// "model.layers.3.self_attn.q_proj.weight" → "...q_proj.bias".
std::string biasName(const std::string& weightName) {
    return weightName.substr(0, weightName.size() - std::string("weight").size()) + "bias";
}

} // namespace

void saveFinetunedModel(const LlamaModel& model, const SuffixModel& suffix, const std::string& dir) {
    torch::NoGradGuard noGrad;
    const LlamaWeights& w = model.weights();
    ModelConfig c = model.config();
    if (c.arch != "llama") throw std::runtime_error(dir + ": only Llama-family models can be saved");
    if (w.ropeFreqFactors.defined())
        throw std::runtime_error(dir + ": the checkpoint's GGUF rope_freqs factors have no Hugging Face form; "
                                       "save from the Hugging Face checkpoint instead");
    // A sliding window caps the model's context; the saved config keeps the source's.
    if (w.maxPositions > 0) c.maxSeq = w.maxPositions;

    std::vector<NamedTensor> out;
    bool biases = false;
    out.push_back(named(hfLlamaName("embed", 0), w.embed));
    static const char* types[kBlockMatrices] = {"q", "k", "v", "o", "gate", "up", "down"};
    const std::string layerPrefix = "model.layers.";
    for (int l = 0; l < model.layers(); ++l) {
        const BlockWeights& b = w.blocks[static_cast<size_t>(l)];
        const bool trained = l >= suffix.firstBlock();
        for (int m = 0; m < kBlockMatrices; ++m) {
            const std::string name = hfLlamaName(types[m], l);
            NamedTensor t = named(name, trained ? suffix.effectiveWeight(l, m) : b.w[static_cast<size_t>(m)]);
            const bool rope = m == kQ || m == kK;
            if (rope)
                reorderRopeRows(t.values.data(), static_cast<int>(t.shape[0]), static_cast<int>(t.shape[1]),
                                c.headDim(), c.ropeLayout, RopeLayout::HalfSplit);
            out.push_back(std::move(t));
            if (const auto& bias = b.bias[static_cast<size_t>(m)]; bias.defined()) {
                NamedTensor bt = named(biasName(name), bias);
                if (rope)
                    reorderRopeRows(bt.values.data(), static_cast<int>(bt.shape[0]), 1, c.headDim(), c.ropeLayout,
                                    RopeLayout::HalfSplit);
                out.push_back(std::move(bt));
                biases = true;
            }
        }
        out.push_back(named(hfLlamaName("attn_norm", l), trained ? suffix.attnNorm(l) : b.attnNorm));
        out.push_back(named(hfLlamaName("ffn_norm", l), trained ? suffix.ffnNorm(l) : b.ffnNorm));
        const torch::Tensor qn = trained ? suffix.qNorm(l) : b.qNorm, kn = trained ? suffix.kNorm(l) : b.kNorm;
        for (const auto& [norm, field] : {std::make_pair(qn, "q_norm"), std::make_pair(kn, "k_norm")}) {
            if (!norm.defined()) continue;
            NamedTensor t = named(layerPrefix + std::to_string(l) + ".self_attn." + field + ".weight", norm);
            reorderRopeRows(t.values.data(), static_cast<int>(t.shape[0]), 1, c.headDim(), c.ropeLayout,
                            RopeLayout::HalfSplit);
            out.push_back(std::move(t));
        }
    }
    out.push_back(named(hfLlamaName("final_norm", 0), w.finalNorm));
    const torch::Tensor& head = suffix.trainedHead();
    if (head.defined()) {
        out.push_back(named(hfLlamaName("head", 0), head));
        c.tiedEmbeddings = false;
    } else if (!w.tiedHead) {
        out.push_back(named(hfLlamaName("head", 0), w.head));
    }
    c.ropeLayout = RopeLayout::HalfSplit;
    writeHfLlamaFolder(dir, c, out, biases);
}

} // namespace ctscope
