#include "core/train/llama_model.h"

#include <cmath>
#include <stdexcept>

namespace ctscope {
namespace F = torch::nn::functional;

const char* blockMatrixName(int m) {
    static const char* names[kBlockMatrices] = {"q", "k", "v", "o", "gate", "up", "down"};
    return m >= 0 && m < kBlockMatrices ? names[m] : "?";
}

namespace {

// cos/sin of position × θ^(−2i/headDim), computed in double for accuracy.
std::pair<torch::Tensor, torch::Tensor> ropeTables(int64_t positions, int headDim, double theta) {
    const int64_t half = headDim / 2;
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    auto inv = torch::pow(theta, -torch::arange(0, half, opts) * 2.0 / headDim);
    auto ang = torch::outer(torch::arange(0, positions, opts), inv);
    return {torch::cos(ang).to(torch::kFloat32), torch::sin(ang).to(torch::kFloat32)};
}

} // namespace

LlamaModel::LlamaModel(LlamaWeights weights) : m_w(std::move(weights)) {
    if (m_w.headDim <= 0 || m_w.headDim % 2 != 0)
        throw std::runtime_error("head dimension must be a positive even number");
    const int64_t positions = std::max(1, m_w.config.maxSeq);
    std::tie(m_cos, m_sin) = ropeTables(positions, m_w.headDim, m_w.config.ropeTheta);
}

int64_t LlamaModel::parameterCount() const {
    int64_t n = m_w.embed.numel() + m_w.finalNorm.numel() + (m_w.tiedHead ? 0 : m_w.head.numel());
    for (const auto& b : m_w.blocks) {
        n += b.attnNorm.numel() + b.ffnNorm.numel();
        for (int m = 0; m < kBlockMatrices; ++m) {
            n += b.w[static_cast<size_t>(m)].numel();
            if (b.bias[static_cast<size_t>(m)].defined()) n += b.bias[static_cast<size_t>(m)].numel();
        }
    }
    return n;
}

torch::Tensor LlamaModel::rmsNorm(const torch::Tensor& x, const torch::Tensor& w) const {
    auto ms = x.pow(2).mean(-1, /*keepdim=*/true);
    return x * torch::rsqrt(ms + m_w.config.normEps) * w;
}

torch::Tensor LlamaModel::rope(const torch::Tensor& x) const {
    const int64_t T = x.size(1);
    torch::Tensor cos, sin;
    if (T <= m_cos.size(0)) {
        cos = m_cos.narrow(0, 0, T);
        sin = m_sin.narrow(0, 0, T);
    } else {
        std::tie(cos, sin) = ropeTables(T, m_w.headDim, m_w.config.ropeTheta);
    }
    cos = cos.view({1, T, 1, -1});
    sin = sin.view({1, T, 1, -1});
    const int64_t half = m_w.headDim / 2;
    if (m_w.config.ropeLayout == RopeLayout::Interleaved) {
        auto xp = x.unflatten(-1, {half, 2});
        auto a = xp.select(-1, 0), b = xp.select(-1, 1);
        return torch::stack({a * cos - b * sin, a * sin + b * cos}, -1).flatten(-2);
    }
    auto a = x.narrow(-1, 0, half), b = x.narrow(-1, half, half);
    return torch::cat({a * cos - b * sin, b * cos + a * sin}, -1);
}

torch::Tensor LlamaModel::embed(const torch::Tensor& ids) const {
    return F::embedding(ids, m_w.embed);
}

torch::Tensor LlamaModel::block(const torch::Tensor& h, const LinearFn& linear, const torch::Tensor& attnNorm,
                                const torch::Tensor& ffnNorm) const {
    const int64_t B = h.size(0), T = h.size(1);
    const int64_t H = m_w.config.nHeads, KV = m_w.config.nKvHeads, hd = m_w.headDim;

    auto x = rmsNorm(h, attnNorm);
    auto q = rope(linear(kQ, x).view({B, T, H, hd})).transpose(1, 2);   // [B,H,T,hd]
    auto k = rope(linear(kK, x).view({B, T, KV, hd})).transpose(1, 2);  // [B,KV,T,hd]
    auto v = linear(kV, x).view({B, T, KV, hd}).transpose(1, 2);
    if (KV != H) {
        k = k.repeat_interleave(H / KV, 1);
        v = v.repeat_interleave(H / KV, 1);
    }
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
    auto causal = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool)).triu(1);
    scores = scores.masked_fill(causal, -std::numeric_limits<float>::infinity());
    auto att = torch::matmul(torch::softmax(scores, -1), v);  // [B,H,T,hd]
    auto h2 = h + linear(kO, att.transpose(1, 2).reshape({B, T, H * hd}));

    auto y = rmsNorm(h2, ffnNorm);
    auto ff = linear(kDown, F::silu(linear(kGate, y)) * linear(kUp, y));
    return h2 + ff;
}

torch::Tensor LlamaModel::block(const torch::Tensor& h, int layer) const {
    const BlockWeights& b = m_w.blocks.at(static_cast<size_t>(layer));
    LinearFn frozen = [&b](int m, const torch::Tensor& x) {
        const auto& bias = b.bias[static_cast<size_t>(m)];
        return F::linear(x, b.w[static_cast<size_t>(m)], bias.defined() ? bias : torch::Tensor());
    };
    return block(h, frozen, b.attnNorm, b.ffnNorm);
}

torch::Tensor LlamaModel::runBlocks(torch::Tensor h, int begin, int end) const {
    for (int l = begin; l < end; ++l) h = block(h, l);
    return h;
}

torch::Tensor LlamaModel::logits(const torch::Tensor& h, const torch::Tensor& head,
                                 const torch::Tensor& finalNorm) const {
    auto x = rmsNorm(h, finalNorm.defined() ? finalNorm : m_w.finalNorm);
    return F::linear(x, head.defined() ? head : m_w.head);
}

torch::Tensor LlamaModel::forward(const torch::Tensor& ids) const {
    return logits(runBlocks(embed(ids), 0, layers()));
}

torch::Tensor maskedCrossEntropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                 const torch::Tensor& mask) {
    const int64_t V = logits.size(-1);
    auto nll = F::cross_entropy(logits.reshape({-1, V}), targets.reshape({-1}),
                                F::CrossEntropyFuncOptions().reduction(torch::kNone));
    auto m = mask.reshape({-1}).to(nll.dtype());
    return (nll * m).sum() / m.sum().clamp_min(1.0);
}

} // namespace ctscope
