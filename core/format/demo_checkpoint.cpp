#include "core/format/demo_checkpoint.h"

#include "core/format/checkpoint.h"
#include "core/format/tensor_role.h"

#include <Eigen/Dense>

#include <cmath>
#include <cstring>
#include <random>

namespace ctscope {

namespace {

/// Box–Muller on mt19937_64, whose output sequence the standard fixes, so the
/// demo is bit-identical on every platform.
class Gaussian {
public:
    explicit Gaussian(uint64_t seed) : m_rng(seed) {}
    double operator()() {
        if (m_haveSpare) {
            m_haveSpare = false;
            return m_spare;
        }
        const double u1 = (static_cast<double>(m_rng() >> 11) + 0.5) * 0x1.0p-53;
        const double u2 = (static_cast<double>(m_rng() >> 11) + 0.5) * 0x1.0p-53;
        const double r = std::sqrt(-2.0 * std::log(u1));
        m_spare = r * std::sin(2.0 * M_PI * u2);
        m_haveSpare = true;
        return r * std::cos(2.0 * M_PI * u2);
    }
    Eigen::MatrixXd matrix(int rows, int cols) {
        Eigen::MatrixXd m(rows, cols);
        for (int j = 0; j < cols; ++j)
            for (int i = 0; i < rows; ++i) m(i, j) = (*this)();
        return m;
    }

private:
    std::mt19937_64 m_rng;
    bool m_haveSpare = false;
    double m_spare = 0.0;
};

Eigen::MatrixXd orthonormalColumns(const Eigen::MatrixXd& a) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
    // Fix signs so the result does not depend on the QR implementation's choice.
    Eigen::MatrixXd r = qr.matrixQR().topRows(a.cols()).triangularView<Eigen::Upper>();
    for (int j = 0; j < a.cols(); ++j)
        if (r(j, j) < 0) q.col(j) *= -1.0;
    return q;
}

/// Planted singular-value profile of each type (index i from 1).
double sigma(Role t, int i) {
    switch (t) {
    case Role::Q:
    case Role::K: return 3.0 * std::exp(-(i - 1) / 5.0) + 0.08;   // few dominant directions
    case Role::V: return 1.2 * std::pow(i, -0.25);                 // nearly flat
    case Role::O: return 1.2 * std::pow(i, -0.35);
    case Role::Gate: return 2.5 * std::pow(i, -0.6);
    case Role::Up: return 2.0 * std::pow(i, -0.5);
    case Role::Down: return 2.5 * std::pow(i, -0.8);
    case Role::Embed: return (i == 1 ? 12.0 : 0.0) + 3.0 * std::pow(i, -0.45);
    default: return 2.0 * std::pow(i, -0.4);
    }
}

} // namespace

std::unique_ptr<Checkpoint> makeDemoCheckpoint() {
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = "demo";
    ck->m_format = "demo";
    ModelConfig& c = ck->m_config;
    c.arch = "llama";
    c.dModel = 128;
    c.nLayers = 4;
    c.nHeads = 8;
    c.nKvHeads = 4;
    c.ffnDim = 344;
    c.vocab = 512;
    c.maxSeq = 256;
    c.tiedEmbeddings = false;
    c.ropeLayout = RopeLayout::HalfSplit;
    const int d = c.dModel, hd = c.headDim(), kv = c.nKvHeads * hd;

    Gaussian g(20260101);
    // A shared set of "universal" directions and, per type, directions that
    // are partly shared with it: per-type bases then beat the universal one.
    const Eigen::MatrixXd global = orthonormalColumns(g.matrix(d, d));
    auto typeDirections = [&](Role t) {
        Eigen::MatrixXd mix = 0.8 * global + g.matrix(d, d) * (0.6 + 0.1 * static_cast<int>(t)) / std::sqrt(d);
        return orthonormalColumns(mix);
    };

    auto add = [&](const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values) {
        auto buf = std::make_shared<std::vector<uint8_t>>(values.size() * sizeof(float));
        std::memcpy(buf->data(), values.data(), buf->size());
        TensorInfo t;
        t.name = name;
        t.dtype = DType::F32;
        t.shape = std::move(shape);
        t.data = buf->data();
        t.nbytes = buf->size();
        ck->m_buffers.push_back(std::move(buf));
        ck->m_tensors.push_back(std::move(t));
    };
    auto matrix = [&](Role t, const Eigen::MatrixXd& dirs, int other, bool inputSide) {
        const Eigen::MatrixXd v = orthonormalColumns(dirs + 0.15 * g.matrix(d, d) / std::sqrt(d));
        const int r = std::min(other, d);
        const Eigen::MatrixXd u = orthonormalColumns(g.matrix(other, r));
        Eigen::VectorXd s(r);
        for (int i = 0; i < r; ++i) s(i) = sigma(t, i + 1);
        Eigen::MatrixXd w = u * s.asDiagonal() * v.leftCols(r).transpose();  // other × d
        if (!inputSide) w.transposeInPlace();                                 // d × other
        std::vector<float> out(static_cast<size_t>(w.size()));
        for (int i = 0; i < w.rows(); ++i)
            for (int j = 0; j < w.cols(); ++j) out[static_cast<size_t>(i) * w.cols() + j] = static_cast<float>(w(i, j));
        return out;
    };
    const std::vector<float> ones(static_cast<size_t>(d), 1.0f);

    const Role kinds[] = {Role::Q, Role::K, Role::V, Role::O, Role::Gate, Role::Up, Role::Down};
    std::vector<Eigen::MatrixXd> dirs;
    for (Role t : kinds) dirs.push_back(typeDirections(t));
    const Eigen::MatrixXd embedDirs = typeDirections(Role::Embed);
    const Eigen::MatrixXd headDirs = typeDirections(Role::Head);

    add("model.embed_tokens.weight", {c.vocab, d}, matrix(Role::Embed, embedDirs, c.vocab, true));
    for (int l = 0; l < c.nLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        add(p + "input_layernorm.weight", {d}, ones);
        add(p + "self_attn.q_proj.weight", {d, d}, matrix(Role::Q, dirs[0], d, true));
        add(p + "self_attn.k_proj.weight", {kv, d}, matrix(Role::K, dirs[1], kv, true));
        add(p + "self_attn.v_proj.weight", {kv, d}, matrix(Role::V, dirs[2], kv, true));
        add(p + "self_attn.o_proj.weight", {d, d}, matrix(Role::O, dirs[3], d, true));
        add(p + "post_attention_layernorm.weight", {d}, ones);
        add(p + "mlp.gate_proj.weight", {c.ffnDim, d}, matrix(Role::Gate, dirs[4], c.ffnDim, true));
        add(p + "mlp.up_proj.weight", {c.ffnDim, d}, matrix(Role::Up, dirs[5], c.ffnDim, true));
        add(p + "mlp.down_proj.weight", {d, c.ffnDim}, matrix(Role::Down, dirs[6], c.ffnDim, false));
    }
    add("model.norm.weight", {d}, ones);
    add("lm_head.weight", {c.vocab, d}, matrix(Role::Head, headDirs, c.vocab, true));
    return ck;
}

} // namespace ctscope
