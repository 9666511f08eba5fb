#pragma once
/// Hidden states entering the first trained block, computed once per window
/// (no grad) and shared by every step, arm and seed of a sweep. Disabled, it
/// recomputes the frozen prefix on every request (the honest baseline for the
/// benchmark). Lives on the model's device. Train-internal (LibTorch). Not thread-safe.
#include "core/train/llama_model.h"
#include "core/train/text_data.h"

#include <unordered_map>
#include <vector>

namespace ctscope {

class PrefixCache {
public:
    PrefixCache(const LlamaModel& model, int firstBlock, bool enabled);

    /// Key of a window: train windows i ≥ 0, held-out windows -1-j.
    static int64_t trainKey(size_t i) { return static_cast<int64_t>(i); }
    static int64_t heldOutKey(size_t j) { return -1 - static_cast<int64_t>(j); }

    /// [n, seq, d] hidden states for the windows (inputs = tokens[0..seq)).
    torch::Tensor hidden(const std::vector<const TokenWindow*>& windows, const std::vector<int64_t>& keys);
    /// Computes and stores the given windows in chunks of `chunk`; `stop` is
    /// polled between chunks (returns false when stopped).
    bool fill(const std::vector<const TokenWindow*>& windows, const std::vector<int64_t>& keys, int chunk,
              const std::function<bool()>& stop = {});

    bool enabled() const { return m_enabled; }
    size_t size() const { return m_store.size(); }
    double bytes() const;
    /// Wall seconds spent running the prefix (embedding + frozen blocks).
    double prefixSeconds() const { return m_prefixSeconds; }
    int64_t prefixWindows() const { return m_prefixWindows; }

private:
    const LlamaModel& m_model;
    int m_first;
    bool m_enabled;
    std::unordered_map<int64_t, torch::Tensor> m_store;  ///< [seq, d] each
    double m_prefixSeconds = 0;
    int64_t m_prefixWindows = 0;

    torch::Tensor compute(const std::vector<const TokenWindow*>& windows);
};

/// Inputs [n, seq], targets [n, seq] and mask [n, seq] (bool) of windows, on `device`.
struct BatchTensors {
    torch::Tensor inputs, targets, mask;
};
BatchTensors batchTensors(const std::vector<const TokenWindow*>& windows,
                          torch::Device device = torch::Device(torch::kCPU));

} // namespace ctscope
