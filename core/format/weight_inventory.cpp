#include "core/format/weight_inventory.h"

#include "core/format/checkpoint.h"
#include "core/format/checkpoint_roles.h"
#include "core/format/loader_internal.h"
#include "core/util/error.h"

#include <algorithm>
#include <utility>

namespace ctscope {

namespace {

const char* skipReason(Role r) {
    switch (r) {
        case Role::AttnNorm:
        case Role::FfnNorm:
        case Role::FinalNorm:
        case Role::ExtraNorm:
            return "norm weight: a vector, outside the nine matrix types";
        case Role::QkNorm:
            return "q/k norm weight (RMSNorm of the queries and keys): a vector, outside the nine matrix types";
        case Role::Bias:
            return "bias (or attention-mask buffer): outside the nine matrix types";
        case Role::PosEmbed:
            return "learned position embedding (GPT-2 wpe): outside the nine matrix types";
        case Role::RopeFreqs:
            return "RoPE frequency table: fixed, not a learned weight";
        case Role::Router:
            return "MoE router (expert gate): picks experts per token, outside the nine matrix types";
        case Role::Multimodal:
            return "vision/multimodal tower or projector: not part of the language model";
        default:
            return "unrecognised tensor name: not one of the nine matrix types";
    }
}

struct Part {
    Role type;
    const char* suffix;
    int64_t rows;
};

/// The parts of a fused tensor with `rows` outputs, in stored order.
std::vector<Part> fusedParts(const ModelConfig& c, Role role, int64_t rows, int64_t cols, const std::string& file,
                             const std::string& what) {
    if (role == Role::QkvFused) {
        const int64_t hd = c.headDim(), q = c.nHeads * hd, kv = c.nKvHeads * hd;
        if (q <= 0 || kv <= 0 || q + 2 * kv != rows)
            throw FormatError(file, what + ": a fused q/k/v weight needs " + std::to_string(q + 2 * kv) +
                                        " outputs ((n_heads " + std::to_string(c.nHeads) + " + 2 × n_kv_heads " +
                                        std::to_string(c.nKvHeads) + ") × head_dim " + std::to_string(hd) +
                                        ", d_model " + std::to_string(cols) + ")");
        return {{Role::Q, "[q]", q}, {Role::K, "[k]", kv}, {Role::V, "[v]", kv}};
    }
    if (rows % 2 != 0 || (c.ffnDim > 0 && rows != 2 * int64_t{c.ffnDim}))
        throw FormatError(file, what + ": a fused gate/up weight needs 2 × ffn_dim = " +
                                    std::to_string(2 * int64_t{c.ffnDim}) + " outputs");
    if (role == Role::GateUpFused) return {{Role::Gate, "[gate]", rows / 2}, {Role::Up, "[up]", rows / 2}};
    return {{Role::Up, "[up]", rows / 2}, {Role::Gate, "[gate]", rows / 2}};  // OLMo: x, gate = chunk(2)
}

}  // namespace

WeightInventory buildInventory(const Checkpoint& ckpt) {
    const ModelConfig& cfg = ckpt.config();
    const std::vector<TensorRole> roles = classifyCheckpoint(ckpt);
    WeightInventory inv;
    inv.dModel = cfg.dModel;
    bool hasHead = false;
    for (const TensorRole& r : roles)
        if (r.role == Role::Head) hasHead = true;
    inv.tiedHead = cfg.tiedEmbeddings || !hasHead;

    const std::vector<TensorInfo>& tensors = ckpt.tensors();
    for (size_t i = 0; i < tensors.size(); ++i) {
        const TensorInfo& t = tensors[i];
        const TensorRole& role = roles[i];
        if (!isMatrixOrFused(role.role)) {
            inv.skipped.push_back({t.name, skipReason(role.role)});
            continue;
        }
        if (role.role == Role::Head && inv.tiedHead) {
            inv.skipped.push_back({t.name, "tied to the embedding"});
            continue;
        }
        const std::string file = detail::tensorFile(ckpt, t);
        const std::string what = "tensor " + detail::quoted(t.name) + ": shape " + detail::shapeString(t.shape);
        const bool stacked = role.stackedExperts && t.shape.size() == 3;
        if (t.shape.size() != 2 && !stacked)
            throw FormatError(file, what + " is not a matrix, expected 2-D for a " + roleName(role.role) + " weight");
        const auto [rows, cols] = outInShape(t);
        // The d_model side by shape: the input side for every type but down
        // (output side); o [d_model, n_heads·head_dim] uses its output side
        // when n_heads·head_dim ≠ d_model (Gemma, Qwen3, Mistral-Nemo).
        const bool usual = role.role != Role::Down;
        const int64_t usualSide = usual ? cols : rows;
        const bool flipO = role.role == Role::O && cols != cfg.dModel && rows == cfg.dModel;
        if (usualSide != cfg.dModel && !flipO)
            throw FormatError(file, what + " has no d_model side: its " + (usual ? "input" : "output") + " side is " +
                                        std::to_string(usualSide) + ", expected d_model " + std::to_string(cfg.dModel));
        const bool inputSide = flipO ? false : usual;

        WeightMatrix m;
        m.name = t.name;
        m.tensor = t.name;
        m.layer = role.layer;
        m.expert = role.expert;
        m.sharedExpert = role.sharedExpert;
        m.rows = rows;
        m.cols = cols;
        m.inputSide = inputSide;
        if (stacked) {
            m.type = role.role;
            for (int64_t e = 0; e < t.shape[0]; ++e) {
                WeightMatrix part = m;
                part.name = t.name + "[expert " + std::to_string(e) + "]";
                part.expert = static_cast<int>(e);
                part.rowBegin = e * rows;
                inv.matrices.push_back(part);
            }
            continue;
        }
        if (isMatrixType(role.role)) {
            m.type = role.role;
            inv.matrices.push_back(m);
            continue;
        }
        int64_t begin = 0;
        for (const Part& p : fusedParts(cfg, role.role, rows, cols, file, what)) {
            WeightMatrix part = m;
            part.name = t.name + p.suffix;
            part.type = p.type;
            part.rowBegin = begin;
            part.rows = p.rows;
            begin += p.rows;
            inv.matrices.push_back(part);
        }
    }
    // Tensors the loader could not decode (GGUF IQ* types, …) are listed, not read.
    for (const UnsupportedTensor& u : ckpt.unsupportedTensors()) inv.skipped.push_back({u.name, u.reason});
    return inv;
}

namespace {
/// The tensor as the row-major matrix its rows are read from: a stack of
/// experts [E, out, in] reads as the matrix [E·out, in].
TensorInfo rowsOf(const TensorInfo& t) {
    TensorInfo flat = t;
    if (t.shape.size() == 3) flat.shape = {t.shape[0] * t.shape[1], t.shape[2]};
    return flat;
}
} // namespace

const float* readMatrixInto(const Checkpoint& ckpt, const WeightMatrix& m, HugeVector<float>& buffer) {
    const TensorInfo& t = ckpt.require(m.tensor);
    const size_t n = m.rows > 0 && m.cols > 0 ? static_cast<size_t>(m.rows) * static_cast<size_t>(m.cols) : 0;
    if (t.transposed) {
        const std::vector<float> v = readMatrix(ckpt, m);
        if (buffer.size() < v.size()) buffer.resize(v.size());
        std::copy(v.begin(), v.end(), buffer.begin());
        return buffer.data();
    }
    if (buffer.size() < n) buffer.resize(n);
    ckpt.readRowsInto(rowsOf(t), m.rowBegin, m.rows, buffer.data());
    return buffer.data();
}

std::vector<float> readMatrix(const Checkpoint& ckpt, const WeightMatrix& m) {
    const TensorInfo& t = ckpt.require(m.tensor);
    if (!t.transposed) return ckpt.readRows(rowsOf(t), m.rowBegin, m.rows);

    // Conv1D: stored [in, out]; output rows are stored columns.
    if (t.shape.size() != 2 || m.cols != t.shape[0] || m.rowBegin < 0 || m.rows < 0 || m.rowBegin + m.rows > t.shape[1])
        throw FormatError(detail::tensorFile(ckpt, t),
                          "tensor " + detail::quoted(t.name) + ": rows [" + std::to_string(m.rowBegin) + ", " +
                              std::to_string(m.rowBegin + m.rows) + ") do not fit its stored [in, out] shape " +
                              detail::shapeString(t.shape));
    const std::vector<float> stored = ckpt.readFloat(t);
    const int64_t outTotal = t.shape[1];
    std::vector<float> out(static_cast<size_t>(m.rows * m.cols));
    for (int64_t r = 0; r < m.rows; ++r)
        for (int64_t c = 0; c < m.cols; ++c)
            out[static_cast<size_t>(r * m.cols + c)] = stored[static_cast<size_t>(c * outTotal + m.rowBegin + r)];
    return out;
}

}  // namespace ctscope
