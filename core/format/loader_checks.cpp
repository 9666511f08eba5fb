// Validation shared by every loader: checked arithmetic, overlap of tensor
// bytes and tensor shapes against the model config.
#include "core/format/checkpoint_roles.h"
#include "core/format/config_from_shapes.h"
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/format/tensor_role.h"
#include "core/util/error.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>

namespace ctscope::detail {

std::optional<uint64_t> mulChecked(uint64_t a, uint64_t b) {
    if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return std::nullopt;
    return a * b;
}

std::optional<uint64_t> addChecked(uint64_t a, uint64_t b) {
    if (b > std::numeric_limits<uint64_t>::max() - a) return std::nullopt;
    return a + b;
}

std::optional<int64_t> numelChecked(const std::vector<int64_t>& shape) {
    uint64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) return std::nullopt;
        const auto next = mulChecked(n, static_cast<uint64_t>(d));
        if (!next || *next > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
        n = *next;
    }
    return static_cast<int64_t>(n);
}

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string quoted(const std::string& name) {
    constexpr size_t kMax = 200;  // a corrupt file can hold a name of any length
    if (name.size() <= kMax) return "'" + name + "'";
    return "'" + name.substr(0, kMax) + "...'";
}

std::string tensorFile(const Checkpoint& ck, const TensorInfo& t) {
    if (t.fileIndex >= 0 && static_cast<size_t>(t.fileIndex) < ck.m_files.size())
        return ck.m_files[static_cast<size_t>(t.fileIndex)]->path();
    return ck.m_path;
}

void checkNoOverlap(const Checkpoint& ck) {
    std::vector<const TensorInfo*> byPos;
    for (const TensorInfo& t : ck.m_tensors)
        if (t.fileIndex >= 0 && t.nbytes > 0) byPos.push_back(&t);
    std::sort(byPos.begin(), byPos.end(), [](const TensorInfo* a, const TensorInfo* b) {
        return a->fileIndex != b->fileIndex ? a->fileIndex < b->fileIndex : a->offset < b->offset;
    });
    for (size_t i = 1; i < byPos.size(); ++i) {
        const TensorInfo& a = *byPos[i - 1];
        const TensorInfo& b = *byPos[i];
        if (a.fileIndex != b.fileIndex || a.offset + a.nbytes <= b.offset) continue;
        throw FormatError(tensorFile(ck, b), "tensors " + quoted(a.name) + " and " + quoted(b.name) +
                                                 " overlap: bytes [" + std::to_string(a.offset) + ", " +
                                                 std::to_string(a.offset + a.nbytes) + ") and [" +
                                                 std::to_string(b.offset) + ", " + std::to_string(b.offset + b.nbytes) +
                                                 "); each tensor needs its own bytes");
    }
}

namespace {

/// What a tensor of a role must look like, as [out, in] (or [n] for vectors);
/// -1 for a dimension that is not checked.
struct Expected {
    std::vector<int64_t> want;
    std::string rule;
    int dSide = 1;             ///< index of the d_model dimension in `want` (-1: none)
    bool fromShapes = false;   ///< a config field it depends on was itself taken from the shapes
};

std::optional<Expected> expectedShape(const ModelConfig& c, const TensorRole& r, const InferredFields& inf) {
    const int64_t d = c.dModel, hd = c.headDim(), H = c.nHeads, KV = c.nKvHeads;
    const bool attnInf = inf.heads || inf.kvHeads || inf.headDim;
    const bool expert = r.expert >= 0 || r.stackedExperts;
    // An expert's width is moe_intermediate_size; a shared expert's is not checked.
    const int64_t ffn = r.sharedExpert ? -1 : expert ? (c.expertFfnDim > 0 ? c.expertFfnDim : c.ffnDim) : c.ffnDim;
    switch (r.role) {
        case Role::Embed:
        case Role::Head: return Expected{{c.vocab, d}, "[vocab, d_model]", 1, inf.vocab};
        case Role::Q: return Expected{{H * hd, d}, "[n_heads*head_dim, d_model]", 1, attnInf};
        case Role::K:
        case Role::V: return Expected{{KV * hd, d}, "[n_kv_heads*head_dim, d_model]", 1, attnInf};
        case Role::O: return Expected{{d, H * hd}, "[d_model, n_heads*head_dim]", 0, attnInf};
        case Role::Gate:
        case Role::Up: return Expected{{ffn, d}, expert ? "[expert_ffn_dim, d_model]" : "[ffn_dim, d_model]", 1, inf.ffn};
        case Role::Down: return Expected{{d, ffn}, expert ? "[d_model, expert_ffn_dim]" : "[d_model, ffn_dim]", 0, inf.ffn};
        case Role::QkvFused:
            return Expected{{(H + 2 * KV) * hd, d}, "[(n_heads+2*n_kv_heads)*head_dim, d_model]", 1, attnInf};
        case Role::GateUpFused:
        case Role::UpGateFused: return Expected{{2 * c.ffnDim, d}, "[2*ffn_dim, d_model]", 1, inf.ffn};
        case Role::PosEmbed: return Expected{{-1, d}, "[positions, d_model]", 1, false};
        case Role::AttnNorm:
        case Role::FfnNorm:
        case Role::FinalNorm:
        case Role::ExtraNorm: return Expected{{d}, "[d_model]", 0, false};
        default: return std::nullopt;
    }
}

}  // namespace

void checkShapesAgainstConfig(Checkpoint& ck, bool strict) {
    std::vector<TensorRole> roles = classifyCheckpoint(ck);
    const InferredFields inferred = completeConfigFromShapes(ck, roles, strict);
    roles = classifyCheckpoint(ck);  // ffn_dim may be known now
    const ModelConfig& c = ck.m_config;
    const int64_t d = c.dModel;
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < ck.m_tensors.size(); ++i) {
        const TensorInfo& t = ck.m_tensors[i];
        const TensorRole& r = roles[i];
        const std::string file = tensorFile(ck, t);
        const std::string what = "tensor " + quoted(t.name) + ": ";
        if (!seen.insert(t.name).second) throw FormatError(file, what + "appears twice");
        if (r.layer >= 0 && r.layer >= c.nLayers && r.role != Role::Multimodal && r.role != Role::Unknown)
            throw FormatError(file, what + "belongs to block " + std::to_string(r.layer) + " but the config has " +
                                        std::to_string(c.nLayers) + " layers");

        if (r.role == Role::QkNorm) {
            // One head (Qwen3, Gemma 3), all q or all kv heads (OLMo-2).
            const int64_t hd = c.headDim(), w = t.shape.size() == 1 ? t.shape[0] : -1;
            const bool ok = w == hd || w == c.nHeads * hd || w == c.nKvHeads * hd;
            if (!ok && strict && !inferred.heads)
                throw FormatError(file, what + "shape " + shapeString(t.shape) + ", expected a q/k norm of head_dim " +
                                            std::to_string(hd) + " or n_heads*head_dim " + std::to_string(c.nHeads * hd) +
                                            " or n_kv_heads*head_dim " + std::to_string(c.nKvHeads * hd));
            continue;
        }
        std::optional<Expected> e = expectedShape(c, r, inferred);
        if (!e) continue;
        std::vector<int64_t> got = t.shape;
        std::string stackNote;
        if (r.stackedExperts && got.size() == 3) {
            if (c.nExperts > 0 && got[0] != c.nExperts && strict)
                throw FormatError(file, what + "shape " + shapeString(t.shape) + " stacks " + std::to_string(got[0]) +
                                            " experts, the config has " + std::to_string(c.nExperts));
            got.erase(got.begin());
            stackNote = " (one expert of the stack)";
        }
        if (t.transposed && got.size() == 2) std::swap(got[0], got[1]);
        std::vector<int64_t>& want = e->want;
        bool ok = got.size() == want.size();
        if (ok && want.size() == 1) ok = got[0] == want[0];
        if (ok && want.size() == 2) {
            const size_t ds = static_cast<size_t>(e->dSide), other = 1 - ds;
            const bool dOk = got[ds] == d;
            const bool otherOk = want[other] < 0 || got[other] == want[other];
            ok = dOk && (otherOk || !strict || e->fromShapes);
        }
        if (ok) continue;
        for (int64_t& w : want)
            if (w < 0) w = got.empty() ? 0 : got[0];
        const std::string stored = (t.transposed ? " (stored [in, out])" : "") + stackNote;
        if ((!strict || e->fromShapes) && want.size() == 2)
            throw FormatError(file, what + "shape " + shapeString(t.shape) + stored +
                                        " has no d_model side: expected " + e->rule + " with d_model " +
                                        std::to_string(d));
        throw FormatError(file, what + "shape " + shapeString(t.shape) + stored + ", expected " + e->rule + " = " +
                                    shapeString(want) + " from the config (d_model " + std::to_string(d) + ")");
    }
}

void markConv1D(Checkpoint& ck) {
    if (ck.m_config.arch != "gpt2") return;
    for (TensorInfo& t : ck.m_tensors) {
        const Role r = classifyTensor(t.name).role;
        const bool conv = r == Role::QkvFused || r == Role::O || r == Role::Up || r == Role::Down;
        if (conv && t.shape.size() == 2) t.transposed = true;
    }
}

}  // namespace ctscope::detail
