#include "core/train/llama_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace ctscope {
namespace F = torch::nn::functional;

namespace {
constexpr double kPi = 3.14159265358979323846;
} // namespace

const char* blockMatrixName(int m) {
    static const char* names[kBlockMatrices] = {"q", "k", "v", "o", "gate", "up", "down"};
    return m >= 0 && m < kBlockMatrices ? names[m] : "?";
}

std::string unsupportedRopeReason(const ModelConfig& c) {
    const RopeScaling& s = c.ropeScaling;
    if (!s.invalid.empty()) return s.invalid;
    if (s.active() && s.type != "linear" && s.type != "llama3")
        return "rope_scaling type '" + s.type +
               "' is not implemented by the training engine (it applies linear and llama3)";
    if (s.type == "linear" && !(s.factor > 0)) return "rope_scaling linear needs a positive factor";
    if (c.partialRotary != 1.0)
        return "partial rotary embeddings (partial_rotary_factor " + std::to_string(c.partialRotary) +
               ") are not implemented by the training engine";
    return "";
}

torch::Tensor ropeInverseFrequencies(const ModelConfig& c, int headDim, const torch::Tensor& freqFactors) {
    if (const std::string why = unsupportedRopeReason(c); !why.empty()) throw std::runtime_error(why);
    const int64_t half = headDim / 2;
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    auto inv = torch::pow(c.ropeTheta, -torch::arange(0, half, opts) * 2.0 / headDim);
    const RopeScaling& s = c.ropeScaling;
    if (s.type == "linear") inv = inv / s.factor;
    if (s.type == "llama3") {
        // transformers' _compute_llama3_parameters: keep high frequencies,
        // divide low ones by the factor, interpolate in between.
        const double orig = s.originalMaxPositions;
        const double lowWavelen = orig / s.lowFreqFactor, highWavelen = orig / s.highFreqFactor;
        auto wavelen = 2.0 * kPi / inv;
        auto scaled = torch::where(wavelen > lowWavelen, inv / s.factor, inv);
        auto smooth = (orig / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        auto smoothed = (1.0 - smooth) * scaled / s.factor + smooth * scaled;
        auto medium = torch::logical_not(wavelen < highWavelen).logical_and(torch::logical_not(wavelen > lowWavelen));
        inv = torch::where(medium, smoothed, scaled);
    }
    if (freqFactors.defined()) {
        if (freqFactors.numel() != half)
            throw std::runtime_error("rope_freqs has " + std::to_string(freqFactors.numel()) + " factors, expected " +
                                     std::to_string(half));
        inv = inv / freqFactors.to(torch::kFloat64).reshape({half});
    }
    return inv;
}

namespace {

// cos/sin of position × inverse frequency, computed in double for accuracy.
std::pair<torch::Tensor, torch::Tensor> ropeTables(int64_t positions, const torch::Tensor& invFreq) {
    auto ang = torch::outer(torch::arange(0, positions, invFreq.options()), invFreq);
    return {torch::cos(ang).to(torch::kFloat32), torch::sin(ang).to(torch::kFloat32)};
}

} // namespace

LlamaModel::LlamaModel(LlamaWeights weights) : m_w(std::move(weights)) {
    if (m_w.headDim <= 0 || m_w.headDim % 2 != 0)
        throw std::runtime_error("head dimension must be a positive even number");
    m_invFreq = ropeInverseFrequencies(m_w.config, m_w.headDim, m_w.ropeFreqFactors);
    // Contexts of a million positions (Mistral-Nemo) would make a table of
    // gigabytes: longer sequences get theirs computed when they come.
    constexpr int kMaxTablePositions = 16384;
    const int64_t positions = std::clamp(m_w.config.maxSeq, 1, kMaxTablePositions);
    std::tie(m_cos, m_sin) = ropeTables(positions, m_invFreq);
}

int64_t LlamaModel::parameterCount() const {
    int64_t n = m_w.embed.numel() + m_w.finalNorm.numel() + (m_w.tiedHead ? 0 : m_w.head.numel());
    for (const auto& b : m_w.blocks) {
        n += b.attnNorm.numel() + b.ffnNorm.numel();
        if (b.qNorm.defined()) n += b.qNorm.numel();
        if (b.kNorm.defined()) n += b.kNorm.numel();
        for (int m = 0; m < kBlockMatrices; ++m) {
            n += b.w[static_cast<size_t>(m)].numel();
            if (b.bias[static_cast<size_t>(m)].defined()) n += b.bias[static_cast<size_t>(m)].numel();
        }
    }
    return n;
}

void LlamaModel::moveTo(torch::Device dev) {
    auto move = [dev](torch::Tensor& t) {
        if (t.defined()) t = t.to(dev);
    };
    const bool tied = m_w.tiedHead && m_w.head.is_same(m_w.embed);
    move(m_w.embed);
    move(m_w.finalNorm);
    if (tied) m_w.head = m_w.embed;  // one copy on the device too
    else move(m_w.head);
    move(m_w.ropeFreqFactors);
    for (auto& b : m_w.blocks) {
        move(b.attnNorm);
        move(b.ffnNorm);
        move(b.qNorm);
        move(b.kNorm);
        for (auto& w : b.w) move(w);
        for (auto& w : b.bias) move(w);
    }
    move(m_invFreq);
    move(m_cos);
    move(m_sin);
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
        std::tie(cos, sin) = ropeTables(T, m_invFreq);
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
                                const torch::Tensor& ffnNorm, const torch::Tensor& qNorm,
                                const torch::Tensor& kNorm) const {
    const int64_t B = h.size(0), T = h.size(1);
    const int64_t H = m_w.config.nHeads, KV = m_w.config.nKvHeads, hd = m_w.headDim;
    const int window = m_w.config.slidingWindow;
    if (window > 0 && T > window)
        throw std::runtime_error("a sequence of " + std::to_string(T) + " tokens is longer than the sliding window of " +
                                 std::to_string(window) +
                                 ": sliding-window attention is not implemented by the training engine");

    auto x = rmsNorm(h, attnNorm);
    auto q = linear(kQ, x).view({B, T, H, hd});
    auto k = linear(kK, x).view({B, T, KV, hd});
    if (qNorm.defined()) q = rmsNorm(q, qNorm);  // Qwen3: each head, before RoPE
    if (kNorm.defined()) k = rmsNorm(k, kNorm);
    q = rope(q).transpose(1, 2);  // [B,H,T,hd]
    k = rope(k).transpose(1, 2);  // [B,KV,T,hd]
    auto v = linear(kV, x).view({B, T, KV, hd}).transpose(1, 2);
    if (KV != H) {
        k = k.repeat_interleave(H / KV, 1);
        v = v.repeat_interleave(H / KV, 1);
    }
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
    auto causal = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(h.device())).triu(1);
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
    return block(h, frozen, b.attnNorm, b.ffnNorm, b.qNorm, b.kNorm);
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
