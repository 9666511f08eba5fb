// loadLlamaWeights: a Checkpoint's tensors → float32 LibTorch weights.
// Kept apart from the forward pass so that tests of the model need no loader.
// Whatever the forward does not implement exactly is refused here, by name.
#include "core/format/checkpoint.h"
#include "core/format/checkpoint_roles.h"
#include "core/format/tensor_role.h"
#include "core/train/llama_model.h"
#include "core/util/error.h"

#include <map>
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

struct Missing {
    const char* what;
    const char* verb;  ///< "is" or "are"
};

/// What the Llama forward lacks for model_types it knows but does not run.
const std::map<std::string, Missing>& missingFeatures() {
    static const std::map<std::string, Missing> m = {
        {"gpt2", {"learned positions, LayerNorm, GELU and Conv1D weights (GPT-2)", "are"}},
        {"gemma", {"GeGLU, (1 + weight) RMSNorm and the sqrt(d_model) embedding scale", "are"}},
        {"gemma2", {"logit soft-capping and GeGLU (and sandwich norms, alternating sliding-window attention)", "are"}},
        {"gemma3", {"GeGLU, sandwich norms, (1 + weight) q/k norms and local/global RoPE", "are"}},
        {"gemma3_text", {"GeGLU, sandwich norms, (1 + weight) q/k norms and local/global RoPE", "are"}},
        {"phi3", {"the fused qkv_proj and gate_up_proj weights (and Phi-3's sliding window)", "are"}},
        {"olmo", {"non-parametric LayerNorm (and q/k/v clipping)", "is"}},
        {"hf_olmo", {"the fused att_proj/ff_proj weights and non-parametric LayerNorm", "are"}},
        {"olmo2", {"post-attention/post-feedforward norms and full-width q/k RMSNorm", "are"}},
        {"stablelm", {"LayerNorm with biases and partial rotary embeddings", "are"}},
        {"mixtral", {"mixture-of-experts routing", "is"}},
        {"qwen2_moe", {"mixture-of-experts routing", "is"}},
        {"qwen3_moe", {"mixture-of-experts routing", "is"}},
        {"qwen2moe", {"mixture-of-experts routing", "is"}},
        {"qwen3moe", {"mixture-of-experts routing", "is"}},
        {"olmoe", {"mixture-of-experts routing", "is"}},
    };
    return m;
}

[[noreturn]] void refuse(const Checkpoint& ckpt, const std::string& what) {
    const std::string& mt = ckpt.config().modelType;
    throw FormatError(ckpt.path(), (mt.empty() ? std::string() : mt + ": ") + what + "; analyze works");
}

/// Throws unless the config is one the forward runs exactly.
void requireTrainable(const Checkpoint& ckpt) {
    const ModelConfig& c = ckpt.config();
    if (c.arch != "llama") {
        const std::string mt = c.modelType.empty() ? c.arch : c.modelType;
        const auto it = missingFeatures().find(mt);
        if (it != missingFeatures().end())
            throw FormatError(ckpt.path(), mt + ": " + it->second.what + " " + it->second.verb +
                                               " not implemented by the training engine; analyze works");
        throw FormatError(ckpt.path(), "model_type '" + mt + "' is not one the training engine implements (it runs "
                                       "llama, mistral, qwen2 and qwen3 exactly); analyze works");
    }
    if (const std::string why = unsupportedRopeReason(c); !why.empty()) refuse(ckpt, why);
}

/// The tensor roles the forward has no place for: a clear refusal naming one.
void refuseRole(const Checkpoint& ckpt, const TensorInfo& t, const TensorRole& r) {
    const std::string name = "tensor '" + t.name + "'";
    if (r.expert >= 0 || r.sharedExpert || r.stackedExperts || r.role == Role::Router)
        refuse(ckpt, "mixture-of-experts routing (" + name + ") is not implemented by the training engine");
    switch (r.role) {
        case Role::QkvFused:
            if (r.scheme == NameScheme::Gpt2)
                refuse(ckpt, name + " belongs to a GPT-2 style model, which the training engine does not support");
            refuse(ckpt, "fused q/k/v weights (" + name + ") are not implemented by the training engine");
        case Role::PosEmbed:
            refuse(ckpt, name + " belongs to a GPT-2 style model, which the training engine does not support");
        case Role::GateUpFused:
        case Role::UpGateFused:
            refuse(ckpt, "fused gate/up weights (" + name + ") are not implemented by the training engine");
        case Role::ExtraNorm:
            refuse(ckpt, "pre/post-feedforward norms (" + name + ") are not implemented by the training engine");
        case Role::Multimodal:
            refuse(ckpt, "vision/multimodal towers (" + name + ") are not implemented by the training engine");
        default:
            refuse(ckpt, name + " (block " + std::to_string(r.layer) +
                             ") is not a weight the training engine's Llama forward uses");
    }
}

bool isQName(const std::string& n) { return n.find("q_norm") != std::string::npos; }

} // namespace

LlamaWeights loadLlamaWeights(const Checkpoint& ckpt) {
    requireTrainable(ckpt);
    const ModelConfig& c = ckpt.config();
    if (c.dModel <= 0 || c.nLayers <= 0 || c.nHeads <= 0 || c.nKvHeads <= 0 || c.ffnDim <= 0 || c.vocab <= 0 ||
        c.nHeads % c.nKvHeads != 0 || c.headDim() <= 0)
        throw FormatError(ckpt.path(), "incomplete or inconsistent model configuration");

    LlamaWeights w;
    w.config = c;
    // Sliding-window attention is not implemented: within the window it is
    // plain causal attention, so the context is capped at the window.
    if (c.slidingWindow > 0 && c.slidingWindow < w.config.maxSeq) {
        w.maxPositions = w.config.maxSeq;
        w.config.maxSeq = c.slidingWindow;
    }
    w.headDim = c.headDim();
    w.blocks.resize(static_cast<size_t>(c.nLayers));
    std::vector<std::array<std::string, kBlockMatrices>> names(static_cast<size_t>(c.nLayers));
    auto layerOf = [&](const TensorInfo& t, int layer) -> BlockWeights& {
        if (layer < 0 || layer >= c.nLayers)
            throw FormatError(ckpt.path(), "tensor " + t.name + " belongs to layer " + std::to_string(layer) +
                                               " but the model has " + std::to_string(c.nLayers));
        return w.blocks[static_cast<size_t>(layer)];
    };

    const std::vector<TensorRole> roles = classifyCheckpoint(ckpt);
    bool anyQkNorm = false;
    for (size_t i = 0; i < ckpt.tensors().size(); ++i) {
        const TensorInfo& t = ckpt.tensors()[i];
        const TensorRole& r = roles[i];
        const int ri = static_cast<int>(r.role);
        if (r.expert >= 0 || r.sharedExpert || r.stackedExperts) refuseRole(ckpt, t, r);
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
        } else if (r.role == Role::QkNorm) {
            if (t.shape != std::vector<int64_t>{w.headDim})
                refuse(ckpt, "q/k norm " + t.name + " of shape " + shapeText(t.shape) + " is not per head ([" +
                                 std::to_string(w.headDim) + "]): only Qwen3's per-head q/k RMSNorm is implemented");
            BlockWeights& b = layerOf(t, r.layer);
            (isQName(t.name) ? b.qNorm : b.kNorm) = toTensor(ckpt, t);
            anyQkNorm = true;
        } else if (r.role == Role::Bias) {
            // A bias belongs to the matrix whose weight has the same name.
            std::string wn = t.name;
            if (auto p = wn.rfind("bias"); p != std::string::npos) wn.replace(p, 4, "weight");
            const TensorRole wr = classifyTensor(wn);
            if (static_cast<int>(wr.role) > static_cast<int>(Role::Down))
                refuse(ckpt, "bias " + t.name + " has no matching block matrix (the Llama forward has biases on "
                                                "q/k/v/o only)");
            layerOf(t, wr.layer).bias[static_cast<size_t>(wr.role)] = toTensor(ckpt, t);
        } else if (r.role == Role::RopeFreqs) {
            // GGUF rope_freqs scale the inverse frequencies; HF inv_freq buffers
            // and llama2.c's tables are the default ones, recomputed.
            if (t.name == "rope_freqs.weight") w.ropeFreqFactors = toTensor(ckpt, t).reshape({-1});
        } else if (r.role == Role::Unknown && r.layer < 0) {
            // Outside the blocks: buffers such as position ids are not needed.
        } else {
            refuseRole(ckpt, t, r);
        }
    }
    const std::string& mt = c.modelType;
    if (anyQkNorm && (mt == "llama" || mt == "mistral" || mt == "qwen2"))
        refuse(ckpt, "the checkpoint has q/k norm tensors, which model_type " + mt + " does not use");
    if (!anyQkNorm && mt == "qwen3") refuse(ckpt, "no q_norm/k_norm tensors, which Qwen3 needs");

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
        if (anyQkNorm && (!b.qNorm.defined() || !b.kNorm.defined()))
            throw FormatError(ckpt.path(), "layer " + std::to_string(l) + ": q_norm or k_norm weight not found");
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
