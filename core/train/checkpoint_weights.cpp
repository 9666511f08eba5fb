// loadLlamaWeights: a Checkpoint's tensors → float32 LibTorch weights.
// Kept apart from the forward pass so that tests of the model need no loader.
#include "core/format/checkpoint.h"
#include "core/format/tensor_role.h"
#include "core/train/llama_model.h"
#include "core/util/error.h"

#include <sstream>

namespace ctscope {
namespace {

std::string shapeText(const std::vector<int64_t>& s) {
    std::ostringstream o;
    o << '[';
    for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
    o << ']';
    return o.str();
}

// Reads a tensor as float32 without an extra copy: the tensor owns the vector.
torch::Tensor toTensor(const Checkpoint& ckpt, const TensorInfo& t) {
    auto* data = new std::vector<float>(ckpt.readFloat(t));
    std::vector<int64_t> shape = t.shape;
    if (t.transposed && shape.size() == 2) std::swap(shape[0], shape[1]);
    auto tensor = torch::from_blob(
        data->data(), shape, [data](void*) { delete data; }, torch::TensorOptions().dtype(torch::kFloat32));
    if (t.transposed && shape.size() == 2) tensor = tensor.view({shape[1], shape[0]}).t().contiguous();
    return tensor;
}

void expectShape(const Checkpoint& ckpt, const std::string& name, const torch::Tensor& t,
                 std::vector<int64_t> want) {
    if (t.sizes().vec() != want)
        throw FormatError(ckpt.path(), "tensor " + name + " has shape " + shapeText(t.sizes().vec()) +
                                           ", expected " + shapeText(want));
}

} // namespace

LlamaWeights loadLlamaWeights(const Checkpoint& ckpt) {
    const ModelConfig& c = ckpt.config();
    if (c.arch != "llama")
        throw FormatError(ckpt.path(), "architecture '" + c.arch + "' is not supported by the training engine "
                                       "(Llama-family only)");
    if (c.dModel <= 0 || c.nLayers <= 0 || c.nHeads <= 0 || c.nKvHeads <= 0 || c.ffnDim <= 0 || c.vocab <= 0 ||
        c.nHeads % c.nKvHeads != 0)
        throw FormatError(ckpt.path(), "incomplete or inconsistent model configuration");

    LlamaWeights w;
    w.config = c;
    w.blocks.resize(static_cast<size_t>(c.nLayers));
    std::vector<std::array<std::string, kBlockMatrices>> names(static_cast<size_t>(c.nLayers));
    auto layerOf = [&](const TensorInfo& t, int layer) -> BlockWeights& {
        if (layer < 0 || layer >= c.nLayers)
            throw FormatError(ckpt.path(), "tensor " + t.name + " belongs to layer " + std::to_string(layer) +
                                               " but the model has " + std::to_string(c.nLayers));
        return w.blocks[static_cast<size_t>(layer)];
    };

    for (const TensorInfo& t : ckpt.tensors()) {
        const TensorRole r = classifyTensor(t.name);
        const int ri = static_cast<int>(r.role);
        if (ri <= static_cast<int>(Role::Down)) {
            BlockWeights& b = layerOf(t, r.layer);
            b.w[static_cast<size_t>(ri)] = toTensor(ckpt, t);
            names[static_cast<size_t>(r.layer)][static_cast<size_t>(ri)] = t.name;
        } else if (r.role == Role::Embed) {
            w.embed = toTensor(ckpt, t);
        } else if (r.role == Role::Head) {
            w.head = toTensor(ckpt, t);
        } else if (r.role == Role::AttnNorm) {
            layerOf(t, r.layer).attnNorm = toTensor(ckpt, t);
        } else if (r.role == Role::FfnNorm) {
            layerOf(t, r.layer).ffnNorm = toTensor(ckpt, t);
        } else if (r.role == Role::FinalNorm) {
            w.finalNorm = toTensor(ckpt, t);
        } else if (r.role == Role::Bias) {
            // A bias belongs to the matrix whose weight has the same name.
            std::string wn = t.name;
            if (auto p = wn.rfind("bias"); p != std::string::npos) wn.replace(p, 4, "weight");
            const TensorRole wr = classifyTensor(wn);
            if (static_cast<int>(wr.role) > static_cast<int>(Role::Down))
                throw FormatError(ckpt.path(), "bias " + t.name + " has no matching block matrix");
            layerOf(t, wr.layer).bias[static_cast<size_t>(wr.role)] = toTensor(ckpt, t);
        } else if (r.role == Role::QkvFused || r.role == Role::PosEmbed) {
            throw FormatError(ckpt.path(), "tensor " + t.name + " belongs to a GPT-2 style model, which the "
                                           "training engine does not support");
        }
        // RopeFreqs and unknown tensors are not needed.
    }

    if (!w.embed.defined()) throw FormatError(ckpt.path(), "token embedding tensor not found");
    if (!w.finalNorm.defined()) throw FormatError(ckpt.path(), "final norm tensor not found");
    const int64_t d = c.dModel;
    expectShape(ckpt, "embedding", w.embed, {c.vocab, d});
    expectShape(ckpt, "final norm", w.finalNorm, {d});
    w.tiedHead = !w.head.defined() || c.tiedEmbeddings;
    if (w.tiedHead) w.head = w.embed;
    expectShape(ckpt, "output head", w.head, {c.vocab, d});

    for (int l = 0; l < c.nLayers; ++l) {
        BlockWeights& b = w.blocks[static_cast<size_t>(l)];
        for (int m = 0; m < kBlockMatrices; ++m)
            if (!b.w[static_cast<size_t>(m)].defined())
                throw FormatError(ckpt.path(), "layer " + std::to_string(l) + ": " + blockMatrixName(m) +
                                                   " weight not found");
        if (!b.attnNorm.defined() || !b.ffnNorm.defined())
            throw FormatError(ckpt.path(), "layer " + std::to_string(l) + ": norm weights not found");
        const int64_t qRows = b.w[kQ].size(0);
        if (l == 0) w.headDim = static_cast<int>(qRows / c.nHeads);
        const int64_t hd = w.headDim, H = c.nHeads, KV = c.nKvHeads, f = c.ffnDim;
        const std::vector<std::vector<int64_t>> want = {{H * hd, d}, {KV * hd, d}, {KV * hd, d}, {d, H * hd},
                                                        {f, d},      {f, d},       {d, f}};
        for (int m = 0; m < kBlockMatrices; ++m) {
            const auto& name = names[static_cast<size_t>(l)][static_cast<size_t>(m)];
            expectShape(ckpt, name, b.w[static_cast<size_t>(m)], want[static_cast<size_t>(m)]);
            const auto& bias = b.bias[static_cast<size_t>(m)];
            if (bias.defined()) expectShape(ckpt, name + " bias", bias, {want[static_cast<size_t>(m)][0]});
        }
        expectShape(ckpt, "layer " + std::to_string(l) + " attention norm", b.attnNorm, {d});
        expectShape(ckpt, "layer " + std::to_string(l) + " ffn norm", b.ffnNorm, {d});
    }
    return w;
}

} // namespace ctscope
