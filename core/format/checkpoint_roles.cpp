#include "core/format/checkpoint_roles.h"

#include "core/format/checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/util/error.h"

#include <map>
#include <set>
#include <utility>

namespace ctscope {

std::pair<int64_t, int64_t> outInShape(const TensorInfo& t) {
    if (t.shape.size() == 2)
        return t.transposed ? std::make_pair(t.shape[1], t.shape[0]) : std::make_pair(t.shape[0], t.shape[1]);
    if (t.shape.size() == 3) return {t.shape[1], t.shape[2]};
    return {0, 0};
}

std::vector<TensorRole> classifyCheckpoint(const Checkpoint& ckpt) {
    const std::vector<TensorInfo>& tensors = ckpt.tensors();
    std::vector<TensorRole> roles;
    roles.reserve(tensors.size());
    std::set<int> layersWithGate;
    for (const TensorInfo& t : tensors) {
        roles.push_back(classifyTensor(t.name));
        const TensorRole& r = roles.back();
        if ((r.role == Role::Gate || r.role == Role::GateUpFused || r.role == Role::UpGateFused) && r.expert < 0 &&
            !r.sharedExpert && !r.stackedExperts)
            layersWithGate.insert(r.layer);
    }
    const int64_t ffn = ckpt.config().ffnDim;
    for (size_t i = 0; i < tensors.size(); ++i) {
        TensorRole& r = roles[i];
        if (r.role != Role::Up || r.scheme != NameScheme::Gguf || r.expert >= 0 || r.sharedExpert || r.stackedExperts)
            continue;
        if (ffn > 0 && tensors[i].shape.size() == 2 && outInShape(tensors[i]).first == 2 * ffn &&
            !layersWithGate.count(r.layer))
            r.role = Role::GateUpFused;
    }
    return roles;
}

void requireKnownScheme(const Checkpoint& ckpt, const std::vector<TensorRole>& roles) {
    for (const TensorRole& r : roles)
        if (isMatrixOrFused(r.role)) return;
    std::string names;
    constexpr size_t kShown = 6;
    const auto& tensors = ckpt.tensors();
    for (size_t i = 0; i < tensors.size() && i < kShown; ++i) names += (i ? ", " : "") + detail::quoted(tensors[i].name);
    if (tensors.size() > kShown) names += ", ... (" + std::to_string(tensors.size()) + " tensors)";
    throw FormatError(ckpt.path(),
                      "no tensor follows a naming scheme ctscope knows (Hugging Face Llama-style names of Llama, "
                      "Mistral, Qwen, Gemma, Phi-3, OLMo, StableLM and MoE models; GPT-2; hf_olmo; GGUF; "
                      "llama2.c), so no weight matrix can be classified; its tensors are: " +
                          (names.empty() ? std::string("none") : names));
}

NameScheme dominantScheme(const std::vector<TensorRole>& roles) {
    std::map<NameScheme, int> votes;
    for (const TensorRole& r : roles)
        if (isMatrixOrFused(r.role) && r.scheme != NameScheme::None) ++votes[r.scheme];
    NameScheme best = NameScheme::None;
    int most = 0;
    for (const auto& [s, n] : votes)
        if (n > most) {
            best = s;
            most = n;
        }
    return best;
}

}  // namespace ctscope
