#pragma once
/// Builds small in-memory checkpoints from matrices with chosen singular
/// values, for spectral tests with known answers.
#include "core/format/checkpoint.h"

#include <Eigen/Dense>

#include <cstring>
#include <memory>
#include <random>
#include <string>

namespace ctscope::test {

inline Eigen::MatrixXd randomOrthonormal(int rows, int cols, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> n(0.0, 1.0);
    Eigen::MatrixXd a(rows, cols);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) a(i, j) = n(rng);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    return qr.householderQ() * Eigen::MatrixXd::Identity(rows, cols);
}

/// W = U diag(sigma) Vᵀ with U (rows×r) and V (cols×r) orthonormal.
inline Eigen::MatrixXd withSingularValues(const Eigen::VectorXd& sigma, const Eigen::MatrixXd& u,
                                          const Eigen::MatrixXd& v) {
    return u * sigma.asDiagonal() * v.transpose();
}

class MemoryCheckpoint {
public:
    explicit MemoryCheckpoint(ModelConfig cfg) : m_ck(std::make_unique<Checkpoint>()) {
        m_ck->m_path = "memory";
        m_ck->m_format = "memory";
        m_ck->m_config = cfg;
    }
    void add(const std::string& name, const Eigen::MatrixXd& w) {
        std::vector<float> v(static_cast<size_t>(w.size()));
        for (int i = 0; i < w.rows(); ++i)
            for (int j = 0; j < w.cols(); ++j) v[static_cast<size_t>(i) * w.cols() + j] = static_cast<float>(w(i, j));
        addRaw(name, {w.rows(), w.cols()}, v);
    }
    void addRaw(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v) {
        auto buf = std::make_shared<std::vector<uint8_t>>(v.size() * sizeof(float));
        std::memcpy(buf->data(), v.data(), buf->size());
        TensorInfo t;
        t.name = name;
        t.dtype = DType::F32;
        t.shape = std::move(shape);
        t.data = buf->data();
        t.nbytes = buf->size();
        m_ck->m_buffers.push_back(buf);
        m_ck->m_tensors.push_back(t);
    }
    Checkpoint& get() { return *m_ck; }

private:
    std::unique_ptr<Checkpoint> m_ck;
};

} // namespace ctscope::test
