#include "core/format/weight_inventory.h"

#include "core/format/checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/util/error.h"

namespace ctscope {

namespace {

const char* skipReason(Role r) {
    switch (r) {
        case Role::AttnNorm:
        case Role::FfnNorm:
        case Role::FinalNorm:
            return "norm weight: a vector, outside the nine matrix types";
        case Role::Bias:
            return "bias (or attention-mask buffer): outside the nine matrix types";
        case Role::PosEmbed:
            return "learned position embedding (GPT-2 wpe): outside the nine matrix types";
        case Role::RopeFreqs:
            return "RoPE frequency table: fixed, not a learned weight";
        default:
            return "unrecognised tensor name: not one of the nine matrix types";
    }
}

}  // namespace

WeightInventory buildInventory(const Checkpoint& ckpt) {
    const ModelConfig& cfg = ckpt.config();
    WeightInventory inv;
    inv.dModel = cfg.dModel;
    bool hasHead = false;
    for (const TensorInfo& t : ckpt.tensors())
        if (classifyTensor(t.name).role == Role::Head) hasHead = true;
    inv.tiedHead = cfg.tiedEmbeddings || !hasHead;

    for (const TensorInfo& t : ckpt.tensors()) {
        const TensorRole role = classifyTensor(t.name);
        const bool matrix = isMatrixType(role.role) || role.role == Role::QkvFused;
        if (!matrix) {
            inv.skipped.push_back({t.name, skipReason(role.role)});
            continue;
        }
        if (role.role == Role::Head && inv.tiedHead) {
            inv.skipped.push_back({t.name, "tied to the embedding"});
            continue;
        }
        const std::string file = detail::tensorFile(ckpt, t);
        const std::string what = "tensor " + detail::quoted(t.name) + ": shape " + detail::shapeString(t.shape);
        if (t.shape.size() != 2)
            throw FormatError(file, what + " is not a matrix, expected 2-D for a " + roleName(role.role) + " weight");
        const int64_t rows = t.transposed ? t.shape[1] : t.shape[0];
        const int64_t cols = t.transposed ? t.shape[0] : t.shape[1];
        const bool inputSide = role.role != Role::Down;
        const int64_t dSide = inputSide ? cols : rows;
        if (dSide != cfg.dModel)
            throw FormatError(file, what + " has no d_model side: its " + (inputSide ? "input" : "output") +
                                        " side is " + std::to_string(dSide) + ", expected d_model " +
                                        std::to_string(cfg.dModel));

        WeightMatrix m;
        m.name = t.name;
        m.tensor = t.name;
        m.layer = role.layer;
        m.rows = rows;
        m.cols = cols;
        m.inputSide = inputSide;
        if (role.role != Role::QkvFused) {
            m.type = role.role;
            inv.matrices.push_back(m);
            continue;
        }
        if (rows != 3 * cols)
            throw FormatError(file, what + ": a fused q/k/v weight needs " + std::to_string(3 * cols) +
                                        " outputs (3 × d_model " + std::to_string(cols) + ")");
        const std::pair<Role, const char*> parts[] = {{Role::Q, "[q]"}, {Role::K, "[k]"}, {Role::V, "[v]"}};
        for (int p = 0; p < 3; ++p) {
            WeightMatrix part = m;
            part.name = t.name + parts[p].second;
            part.type = parts[p].first;
            part.rowBegin = p * cols;
            part.rows = cols;
            inv.matrices.push_back(part);
        }
    }
    return inv;
}

std::vector<float> readMatrix(const Checkpoint& ckpt, const WeightMatrix& m) {
    const TensorInfo& t = ckpt.require(m.tensor);
    if (!t.transposed) return ckpt.readRows(t, m.rowBegin, m.rows);

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
