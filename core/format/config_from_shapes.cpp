// Config fields from tensor shapes: the whole config of a checkpoint without
// config.json, or the fields a config.json leaves out (Gemma 3's sparse
// text_config, say).
#include "core/format/config_from_shapes.h"

#include "core/format/checkpoint_roles.h"
#include "core/format/loader_internal.h"
#include "core/util/error.h"

#include <algorithm>
#include <optional>
#include <set>

namespace ctscope::detail {

namespace {

constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxCount = int64_t{1} << 24;

const std::set<std::string> kLlamaFamily = {"llama", "mistral", "qwen2", "qwen3"};
const std::set<std::string> kKnown = {
    "llama",  "mistral", "mixtral",     "qwen2",   "qwen2_moe", "qwen2moe", "qwen3", "qwen3_moe", "qwen3moe",
    "gemma",  "gemma2",  "gemma3",      "gemma3_text", "phi3",  "olmo",     "olmo2", "hf_olmo",   "olmoe",
    "stablelm", "gpt2"};

bool plainMatrix(const TensorRole& r) { return r.expert < 0 && !r.sharedExpert && !r.stackedExperts; }

}  // namespace

bool isLlamaFamily(const std::string& modelType) { return kLlamaFamily.count(modelType) > 0; }
bool isKnownModelType(const std::string& modelType) { return kKnown.count(modelType) > 0; }

InferredFields completeConfigFromShapes(Checkpoint& ck, const std::vector<TensorRole>& roles, bool noteInferred) {
    requireKnownScheme(ck, roles);
    ModelConfig& c = ck.m_config;
    const std::vector<TensorInfo>& tensors = ck.m_tensors;
    InferredFields f;
    std::vector<std::string> taken;  // what came from the shapes, for the note

    // [out, in] of the first plain (non-expert) tensor of a role.
    auto outIn = [&](Role role) -> std::optional<std::pair<int64_t, int64_t>> {
        for (size_t i = 0; i < tensors.size(); ++i)
            if (roles[i].role == role && plainMatrix(roles[i]) && tensors[i].shape.size() == 2)
                return outInShape(tensors[i]);
        return std::nullopt;
    };

    if (c.vocab == 0) {
        if (auto e = outIn(Role::Embed); e && e->first >= 1 && e->first <= kMaxCount) {
            c.vocab = static_cast<int>(e->first);
            f.vocab = true;
            taken.push_back("vocab " + std::to_string(c.vocab));
        }
    }
    if (c.nLayers == 0) {
        int maxLayer = -1;
        for (const TensorRole& r : roles)
            if (isMatrixOrFused(r.role)) maxLayer = std::max(maxLayer, r.layer);
        c.nLayers = maxLayer + 1;
        f.layers = c.nLayers > 0;
        if (f.layers) taken.push_back(std::to_string(c.nLayers) + " layers");
    }

    const int64_t qRows = outIn(Role::Q) ? outIn(Role::Q)->first : 0;
    // A q_norm over one head ([head_dim]: Qwen3, Gemma 3) tells head_dim; one
    // over all heads (OLMo-2) does not.
    int64_t qNormWidth = 0;
    for (size_t i = 0; i < tensors.size() && qNormWidth == 0; ++i) {
        const std::string& n = tensors[i].name;
        if (roles[i].role == Role::QkNorm && tensors[i].shape.size() == 1 &&
            (n.find("q_norm") != std::string::npos || n.find("q_layernorm") != std::string::npos))
            qNormWidth = tensors[i].shape[0];
    }
    const bool perHead =
        qNormWidth > 1 && qNormWidth % 2 == 0 && (qRows > 0 ? qRows > qNormWidth && qRows % qNormWidth == 0 : qNormWidth < c.dModel);
    c.qkNorm = perHead;
    if (c.explicitHeadDim == 0 && perHead && (c.nHeads == 0 || qNormWidth * c.nHeads == qRows) &&
        (c.nHeads == 0 || qNormWidth != c.dModel / c.nHeads)) {
        c.explicitHeadDim = static_cast<int>(qNormWidth);
        taken.push_back("head_dim " + std::to_string(qNormWidth) + " (q_norm width)");
    }

    if (c.nHeads == 0) {
        f.heads = true;
        if (c.explicitHeadDim > 0 && qRows > 0 && qRows % c.explicitHeadDim == 0) {
            c.nHeads = static_cast<int>(qRows / c.explicitHeadDim);
            taken.push_back(std::to_string(c.nHeads) + " heads (q rows / head_dim)");
        } else {
            c.nHeads = std::max(1, c.dModel / 64);
            while (c.dModel % c.nHeads != 0) --c.nHeads;
            taken.push_back("heads assumed d_model/64 = " + std::to_string(c.nHeads));
        }
    } else if (c.explicitHeadDim == 0 && qRows > 0 && qRows != c.dModel && qRows % c.nHeads == 0) {
        // No head_dim in the config, but q is not [d_model, d_model].
        c.explicitHeadDim = static_cast<int>(qRows / c.nHeads);
        f.headDim = true;
        taken.push_back("head_dim " + std::to_string(c.explicitHeadDim) + " (q rows / heads)");
    }
    if (c.nKvHeads == 0) {
        f.kvHeads = true;
        c.nKvHeads = c.nHeads;
        const int hd = c.headDim();
        if (auto k = outIn(Role::K); k && hd > 0 && k->first % hd == 0) {
            const auto kv = k->first / hd;
            if (kv >= 1 && kv <= c.nHeads && c.nHeads % kv == 0) c.nKvHeads = static_cast<int>(kv);
        }
        taken.push_back(std::to_string(c.nKvHeads) + " kv heads");
    }
    if (c.ffnDim == 0) {
        std::optional<int64_t> ffn;
        if (auto g = outIn(Role::Gate)) ffn = g->first;
        else if (auto u = outIn(Role::Up)) ffn = u->first;
        else if (auto fu = outIn(Role::GateUpFused)) ffn = fu->first / 2;
        else if (auto uf = outIn(Role::UpGateFused)) ffn = uf->first / 2;
        else if (auto dn = outIn(Role::Down)) ffn = dn->second;
        if (ffn) {
            c.ffnDim = static_cast<int>(std::clamp<int64_t>(*ffn, 1, kMaxCount));
            f.ffn = true;
            taken.push_back("ffn " + std::to_string(c.ffnDim));
        }
    }

    // Experts: indices (HF) or the stacked tensors' first dimension (GGUF).
    int experts = 0;
    int64_t expertFfn = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const TensorRole& r = roles[i];
        if (r.expert >= 0) experts = std::max(experts, r.expert + 1);
        if (r.stackedExperts && tensors[i].shape.size() == 3)
            experts = std::max(experts, static_cast<int>(std::min<int64_t>(tensors[i].shape[0], 1 << 16)));
        if ((r.expert >= 0 || r.stackedExperts) && (r.role == Role::Gate || r.role == Role::Up) && expertFfn == 0)
            expertFfn = outInShape(tensors[i]).first;
    }
    if (c.nExperts == 0 && experts > 0) c.nExperts = experts;
    if (c.expertFfnDim == 0 && expertFfn > 0 && expertFfn <= kMaxCount) c.expertFfnDim = static_cast<int>(expertFfn);

    if (!c.modelType.empty() && !isKnownModelType(c.modelType))
        ck.m_notes.push_back("model_type '" + c.modelType + "' is not one ctscope knows: its tensors follow the " +
                             schemeName(dominantScheme(roles)) +
                             " naming scheme and are analysed by their names and shapes");
    if (noteInferred && !taken.empty()) {
        std::string list;
        for (const std::string& s : taken) list += (list.empty() ? "" : ", ") + s;
        ck.m_notes.push_back("config fields missing from the config, taken from the tensor shapes: " + list);
    }
    return f;
}

void inferConfigFromShapes(Checkpoint& ck) {
    ModelConfig& c = ck.m_config;
    c = ModelConfig{};
    std::vector<TensorRole> roles = classifyCheckpoint(ck);
    requireKnownScheme(ck, roles);
    const TensorInfo* embed = nullptr;
    bool hasHead = false;
    for (size_t i = 0; i < ck.m_tensors.size(); ++i) {
        const TensorRole& r = roles[i];
        if (r.role == Role::Embed && !embed) embed = &ck.m_tensors[i];
        if (r.role == Role::Head) hasHead = true;
        if ((r.role == Role::QkvFused && r.scheme == NameScheme::Gpt2) || r.role == Role::PosEmbed) c.arch = "gpt2";
    }
    if (!embed || embed->shape.size() != 2 || embed->shape[1] < 1 || embed->shape[1] > kMaxWidth ||
        embed->shape[0] < 1 || embed->shape[0] > kMaxCount)
        throw FormatError(ck.m_path,
                          "no config.json beside it, and no 2-D token embedding to "
                          "infer d_model and the vocabulary from");
    c.dModel = static_cast<int>(embed->shape[1]);
    c.vocab = 0;
    c.nLayers = 0;
    c.nHeads = 0;
    c.nKvHeads = 0;
    c.ffnDim = 0;
    markConv1D(ck);
    roles = classifyCheckpoint(ck);
    completeConfigFromShapes(ck, roles, false);
    if (c.nLayers <= 0)
        throw FormatError(ck.m_path,
                          "no config.json beside it, and no transformer block "
                          "tensors to count the layers from");
    if (c.ffnDim == 0) c.ffnDim = 4 * c.dModel;
    for (size_t i = 0; i < ck.m_tensors.size(); ++i)
        if (roles[i].role == Role::PosEmbed && ck.m_tensors[i].shape.size() == 2)
            c.maxSeq = static_cast<int>(std::min<int64_t>(ck.m_tensors[i].shape[0], kMaxCount));
    c.tiedEmbeddings = !hasHead;
    c.ropeLayout = RopeLayout::HalfSplit;
    c.normEps = c.arch == "gpt2" ? 1e-5 : 1e-6;
    const std::string heads = c.explicitHeadDim > 0
                                  ? "heads " + std::to_string(c.nHeads) + " of head_dim " +
                                        std::to_string(c.explicitHeadDim) + " (from the q_norm width)"
                                  : "heads assumed d_model/64 = " + std::to_string(c.nHeads);
    ck.m_notes.push_back("no config.json beside the checkpoint: config inferred from tensor shapes (d_model " +
                         std::to_string(c.dModel) + ", " + std::to_string(c.nLayers) + " layers, vocab " +
                         std::to_string(c.vocab) + ", ffn " + std::to_string(c.ffnDim) + "); " + heads);
}

}  // namespace ctscope::detail
