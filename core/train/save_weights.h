#pragma once
/// `finetune --save`: a trained run written back as a Hugging Face Llama
/// folder (config.json + model.safetensors, F32) that ctscope, transformers
/// and other tools read. Train-internal (LibTorch).
#include "core/train/suffix_model.h"

#include <string>

namespace ctscope {

/// Writes `model` with the run's trained suffix (its effective weights, and
/// the trained norms and head of the full arm) to `dir`. q/k rows are put in
/// HF's rotate_half order when the checkpoint uses interleaved RoPE pairs, as
/// HF's own conversion does. A tied head that the run trained is written as
/// an untied lm_head. Throws std::runtime_error naming `dir` on failure.
void saveFinetunedModel(const LlamaModel& model, const SuffixModel& suffix, const std::string& dir);

/// True when run `id` is the one `--save-run PREFIX` picks: its id starts with
/// the prefix (default "full").
inline bool saveRunMatches(const std::string& id, const std::string& prefix) {
    return id.rfind(prefix.empty() ? std::string("full") : prefix, 0) == 0;
}

} // namespace ctscope
