// Validation shared by every loader: checked arithmetic, overlap of tensor
// bytes and tensor shapes against the model config.
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/format/tensor_role.h"
#include "core/util/error.h"

#include <algorithm>
#include <limits>
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

void checkShapesAgainstConfig(const Checkpoint& ck, bool strict) {
    const ModelConfig& c = ck.m_config;
    const int64_t d = c.dModel;
    const int64_t hd = c.headDim();
    std::unordered_set<std::string> seen;
    for (const TensorInfo& t : ck.m_tensors) {
        const std::string file = tensorFile(ck, t);
        const std::string what = "tensor " + quoted(t.name) + ": ";
        if (!seen.insert(t.name).second) throw FormatError(file, what + "appears twice");

        const TensorRole r = classifyTensor(t.name);

        // Expected [out, in], and the rule it comes from.
        std::vector<int64_t> want;
        std::string rule;
        bool inputSide = true;
        switch (r.role) {
            case Role::Embed:
            case Role::Head:
                want = {c.vocab, d};
                rule = "[vocab, d_model]";
                break;
            case Role::Q:
                want = {c.nHeads * hd, d};
                rule = "[n_heads*head_dim, d_model]";
                break;
            case Role::K:
            case Role::V:
                want = {c.nKvHeads * hd, d};
                rule = "[n_kv_heads*head_dim, d_model]";
                break;
            case Role::O:
                want = {d, c.nHeads * hd};
                rule = "[d_model, n_heads*head_dim]";
                break;
            case Role::Gate:
            case Role::Up:
                want = {c.ffnDim, d};
                rule = "[ffn_dim, d_model]";
                break;
            case Role::Down:
                want = {d, c.ffnDim};
                rule = "[d_model, ffn_dim]";
                inputSide = false;
                break;
            case Role::QkvFused:
                want = {3 * d, d};
                rule = "[3*d_model, d_model]";
                break;
            case Role::PosEmbed:
                want = {-1, d};
                rule = "[positions, d_model]";
                break;
            case Role::AttnNorm:
            case Role::FfnNorm:
            case Role::FinalNorm:
                want = {d};
                rule = "[d_model]";
                break;
            default:
                continue;
        }
        if (r.layer >= c.nLayers)
            throw FormatError(file, what + "belongs to block " + std::to_string(r.layer) + " but the config has " +
                                        std::to_string(c.nLayers) + " layers");
        std::vector<int64_t> got = t.shape;
        if (t.transposed && got.size() == 2) std::swap(got[0], got[1]);
        bool ok = got.size() == want.size();
        if (ok && want.size() == 1) ok = got[0] == want[0];
        if (ok && want.size() == 2) {
            const bool dSide = inputSide ? got[1] == d : got[0] == d;
            const bool other = want[inputSide ? 0 : 1] < 0 || (inputSide ? got[0] == want[0] : got[1] == want[1]);
            ok = dSide && (other || !strict);
        }
        if (ok) continue;
        for (int64_t& w : want)
            if (w < 0) w = got.empty() ? 0 : got[0];
        const std::string stored = t.transposed ? " (stored [in, out])" : "";
        if (!strict && want.size() == 2)
            throw FormatError(file, what + "shape " + shapeString(t.shape) + stored +
                                        " has no d_model side: expected " + rule + " with d_model " +
                                        std::to_string(d));
        throw FormatError(file, what + "shape " + shapeString(t.shape) + stored + ", expected " + rule + " = " +
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
