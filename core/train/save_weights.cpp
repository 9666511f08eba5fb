#include "core/train/save_weights.h"

#include "core/format/hf_writer.h"

#include <stdexcept>

namespace ctscope {
namespace {

NamedTensor named(const std::string& name, const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    NamedTensor n;
    n.name = name;
    n.shape.assign(c.sizes().begin(), c.sizes().end());
    n.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return n;
}

} // namespace

void saveFinetunedModel(const LlamaModel& model, const SuffixModel& suffix, const std::string& dir) {
    torch::NoGradGuard noGrad;
    const LlamaWeights& w = model.weights();
    ModelConfig c = model.config();
    if (c.arch != "llama") throw std::runtime_error(dir + ": only Llama-family models can be saved");
    for (const BlockWeights& b : w.blocks)
        for (const auto& bias : b.bias)
            if (bias.defined())
                throw std::runtime_error(dir + ": saving a model with projection biases (Qwen2) is not supported");

    std::vector<NamedTensor> out;
    out.push_back(named(hfLlamaName("embed", 0), w.embed));
    static const char* types[kBlockMatrices] = {"q", "k", "v", "o", "gate", "up", "down"};
    for (int l = 0; l < model.layers(); ++l) {
        const BlockWeights& b = w.blocks[static_cast<size_t>(l)];
        const bool trained = l >= suffix.firstBlock();
        for (int m = 0; m < kBlockMatrices; ++m) {
            NamedTensor t = named(hfLlamaName(types[m], l),
                                  trained ? suffix.effectiveWeight(l, m) : b.w[static_cast<size_t>(m)]);
            if (m == kQ || m == kK)
                reorderRopeRows(t.values.data(), static_cast<int>(t.shape[0]), static_cast<int>(t.shape[1]),
                                c.headDim(), c.ropeLayout, RopeLayout::HalfSplit);
            out.push_back(std::move(t));
        }
        out.push_back(named(hfLlamaName("attn_norm", l), trained ? suffix.attnNorm(l) : b.attnNorm));
        out.push_back(named(hfLlamaName("ffn_norm", l), trained ? suffix.ffnNorm(l) : b.ffnNorm));
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
    writeHfLlamaFolder(dir, c, out);
}

} // namespace ctscope
