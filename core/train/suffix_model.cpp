#include "core/train/suffix_model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>

namespace ctscope {
namespace F = torch::nn::functional;

torch::Tensor randomOrthonormalRows(int64_t dModel, int64_t k, uint64_t seed) {
    if (k < 1 || k > dModel) throw std::invalid_argument("random basis: K must lie in 1..d_model");
    torch::NoGradGuard noGrad;
    auto gen = at::detail::createCPUGenerator(seed);
    auto g = at::randn({dModel, k}, gen, torch::TensorOptions().dtype(torch::kFloat64));
    auto qr = at::linalg_qr(g, "reduced");
    auto q = std::get<0>(qr);  // [d, k], orthonormal columns
    // Fix the sign ambiguity of QR so the draw depends on the seed only.
    auto r = std::get<1>(qr);
    q = q * torch::sign(torch::diagonal(r)).unsqueeze(0);
    return q.t().contiguous().to(torch::kFloat32);
}

torch::Tensor SuffixModel::Adapted::forward(const torch::Tensor& x) const {
    torch::Tensor y;
    switch (kind) {
    case Frozen:
    case Full:
        y = F::linear(x, w);
        break;
    case AmpIn:  // x·(W_res + S·B)ᵀ = x·W_resᵀ + (x·Bᵀ)·Sᵀ
        y = F::linear(F::linear(x, b), s);
        if (w.defined()) y = y + F::linear(x, w);
        break;
    case AmpOut:  // x·(W_res + Bᵀ·S)ᵀ = x·W_resᵀ + (x·Sᵀ)·B
        y = F::linear(F::linear(x, s), bt);
        if (w.defined()) y = y + F::linear(x, w);
        break;
    case Lora:
        y = F::linear(x, w) + F::linear(F::linear(x, loraA), loraB) * scale;
        break;
    }
    return bias.defined() ? y + bias : y;
}

torch::Tensor SuffixModel::Adapted::effective() const {
    torch::NoGradGuard noGrad;
    switch (kind) {
    case Frozen:
    case Full:
        return w.detach().clone();
    case AmpIn: {
        auto e = torch::matmul(s, b);
        return w.defined() ? e + w : e;
    }
    case AmpOut: {
        auto e = torch::matmul(bt, s);
        return w.defined() ? e + w : e;
    }
    case Lora:
        return w + torch::matmul(loraB, loraA) * scale;
    }
    return {};
}

SuffixModel::Adapted SuffixModel::makeAdapted(const torch::Tensor& w, const torch::Tensor& bias, int m, int layer,
                                              const BasisTensors* basis) {
    torch::NoGradGuard noGrad;
    Adapted a;
    a.bias = bias;
    auto trainable = [this](torch::Tensor t) {
        t.set_requires_grad(true);
        m_params.push_back(t);
        return t;
    };
    switch (m_spec.arm) {
    case Arm::Full:
        a.kind = Adapted::Full;
        a.w = trainable(w.clone());
        break;
    case Arm::Amp: {
        if (!basis || !basis->rows[static_cast<size_t>(m)].defined())
            throw std::invalid_argument(std::string("amp run without a basis for ") + blockMatrixName(m));
        // Bases come from the host (spectral analysis or a seeded draw).
        const auto rows = basis->rows[static_cast<size_t>(m)].to(w.device());
        const int64_t d = m_base.dModel();
        if (rows.size(1) != d || rows.size(0) < m_spec.k)
            throw std::invalid_argument(std::string("basis for ") + blockMatrixName(m) + " has shape [" +
                                        std::to_string(rows.size(0)) + ", " + std::to_string(rows.size(1)) +
                                        "], need at least " + std::to_string(m_spec.k) + " rows of " +
                                        std::to_string(d));
        // The d_model side as the spectral engine takes it: the input side
        // but for down, and for an o whose input side is n_heads·head_dim ≠ d_model.
        const bool flipO = m == kO && w.size(1) != d && w.size(0) == d;
        const bool in = flipO ? false : dModelIsInput(m);
        if ((in ? w.size(1) : w.size(0)) != d)
            throw std::invalid_argument(std::string(blockMatrixName(m)) + " has no d_model side");
        auto b = rows.narrow(0, 0, m_spec.k).contiguous();
        // Projection and residual in double so the residual model starts
        // unchanged to float precision.
        auto wd = w.to(torch::kFloat64), bd = b.to(torch::kFloat64);
        auto s = in ? torch::matmul(wd, bd.t()) : torch::matmul(bd, wd);  // [out,K] or [K,in]
        a.kind = in ? Adapted::AmpIn : Adapted::AmpOut;
        a.b = b;
        if (!in) a.bt = b.t().contiguous();
        if (m_spec.param == AmpParam::Residual)
            a.w = (wd - (in ? torch::matmul(s, bd) : torch::matmul(bd.t(), s))).to(torch::kFloat32);
        a.s = trainable(s.to(torch::kFloat32).contiguous());
        break;
    }
    case Arm::Lora: {
        a.kind = Adapted::Lora;
        a.w = w;
        const int64_t r = std::max(1, m_spec.k);
        const uint64_t seed = 0x10AAull * 1000003ull + static_cast<uint64_t>(m_spec.seed) * 7919ull +
                              static_cast<uint64_t>(layer) * 131ull + static_cast<uint64_t>(m);
        auto gen = at::detail::createCPUGenerator(seed);
        const double bound = 1.0 / std::sqrt(static_cast<double>(w.size(1)));
        // Drawn on the host so the seed gives the same A on every device.
        a.loraA = trainable(
            ((at::rand({r, w.size(1)}, gen, torch::TensorOptions().dtype(torch::kFloat32)) * 2.0 - 1.0) * bound)
                .to(w.device()));
        a.loraB = trainable(torch::zeros({w.size(0), r}, w.options()));
        a.scale = 1.0;
        break;
    }
    }
    return a;
}

SuffixModel::SuffixModel(const LlamaModel& base, int firstBlock, const RunSpec& spec, const BasisTensors* basis)
    : m_base(base), m_spec(spec), m_first(firstBlock) {
    if (firstBlock < 0 || firstBlock >= base.layers()) throw std::invalid_argument("no blocks to train");
    if ((spec.arm == Arm::Amp || spec.arm == Arm::Lora) && spec.k < 1)
        throw std::invalid_argument("amp K / LoRA rank must be at least 1");
    torch::NoGradGuard noGrad;
    for (int l = firstBlock; l < base.layers(); ++l) {
        const BlockWeights& bw = base.weights().blocks[static_cast<size_t>(l)];
        Block blk;
        for (int m = 0; m < kBlockMatrices; ++m)
            blk.m[static_cast<size_t>(m)] =
                makeAdapted(bw.w[static_cast<size_t>(m)], bw.bias[static_cast<size_t>(m)], m, l, basis);
        if (spec.arm == Arm::Full) {
            auto trainableCopy = [this](const torch::Tensor& t) {
                if (!t.defined()) return torch::Tensor();
                auto c = t.clone().set_requires_grad(true);
                m_params.push_back(c);
                return c;
            };
            blk.attnNorm = trainableCopy(bw.attnNorm);
            blk.ffnNorm = trainableCopy(bw.ffnNorm);
            blk.qNorm = trainableCopy(bw.qNorm);
            blk.kNorm = trainableCopy(bw.kNorm);
        } else {
            blk.attnNorm = bw.attnNorm;
            blk.ffnNorm = bw.ffnNorm;
            blk.qNorm = bw.qNorm;
            blk.kNorm = bw.kNorm;
        }
        m_blocks.push_back(std::move(blk));
    }
    if (spec.arm == Arm::Full) {
        // A tied head is trained as an untied copy: the embedding feeds the
        // frozen (cached) prefix and must not move.
        m_head = base.weights().head.clone().set_requires_grad(true);
        m_params.push_back(m_head);
    }
}

int64_t SuffixModel::trainableCount() const {
    int64_t n = 0;
    for (const auto& p : m_params) n += p.numel();
    return n;
}

torch::Tensor SuffixModel::forward(const torch::Tensor& hidden) const {
    torch::Tensor h = hidden;
    for (const Block& blk : m_blocks) {
        LinearFn lin = [&blk](int m, const torch::Tensor& x) { return blk.m[static_cast<size_t>(m)].forward(x); };
        h = m_base.block(h, lin, blk.attnNorm, blk.ffnNorm, blk.qNorm, blk.kNorm);
    }
    return m_base.logits(h, m_head);
}

torch::Tensor SuffixModel::effectiveWeight(int layer, int m) const {
    const int i = layer - m_first;
    if (i < 0 || i >= static_cast<int>(m_blocks.size()) || m < 0 || m >= kBlockMatrices)
        throw std::out_of_range("effectiveWeight: layer or matrix out of range");
    return m_blocks[static_cast<size_t>(i)].m[static_cast<size_t>(m)].effective();
}

torch::Tensor SuffixModel::attnNorm(int layer) const {
    const int i = layer - m_first;
    if (i < 0 || i >= static_cast<int>(m_blocks.size())) throw std::out_of_range("attnNorm: layer out of range");
    return m_blocks[static_cast<size_t>(i)].attnNorm.detach();
}

torch::Tensor SuffixModel::ffnNorm(int layer) const {
    const int i = layer - m_first;
    if (i < 0 || i >= static_cast<int>(m_blocks.size())) throw std::out_of_range("ffnNorm: layer out of range");
    return m_blocks[static_cast<size_t>(i)].ffnNorm.detach();
}

torch::Tensor SuffixModel::qNorm(int layer) const {
    const int i = layer - m_first;
    if (i < 0 || i >= static_cast<int>(m_blocks.size())) throw std::out_of_range("qNorm: layer out of range");
    const auto& t = m_blocks[static_cast<size_t>(i)].qNorm;
    return t.defined() ? t.detach() : t;
}

torch::Tensor SuffixModel::kNorm(int layer) const {
    const int i = layer - m_first;
    if (i < 0 || i >= static_cast<int>(m_blocks.size())) throw std::out_of_range("kNorm: layer out of range");
    const auto& t = m_blocks[static_cast<size_t>(i)].kNorm;
    return t.defined() ? t.detach() : t;
}

} // namespace ctscope
