#include "core/train/prefix_cache.h"

#include <chrono>

namespace ctscope {

BatchTensors batchTensors(const std::vector<const TokenWindow*>& windows, torch::Device device) {
    const int64_t n = static_cast<int64_t>(windows.size());
    const int64_t seq = n > 0 ? static_cast<int64_t>(windows[0]->mask.size()) : 0;
    BatchTensors b;
    b.inputs = torch::empty({n, seq}, torch::kInt64);
    b.targets = torch::empty({n, seq}, torch::kInt64);
    b.mask = torch::empty({n, seq}, torch::kBool);
    auto in = b.inputs.accessor<int64_t, 2>();
    auto tg = b.targets.accessor<int64_t, 2>();
    auto mk = b.mask.accessor<bool, 2>();
    for (int64_t i = 0; i < n; ++i) {
        const TokenWindow& w = *windows[static_cast<size_t>(i)];
        for (int64_t t = 0; t < seq; ++t) {
            in[i][t] = w.tokens[static_cast<size_t>(t)];
            tg[i][t] = w.tokens[static_cast<size_t>(t + 1)];
            mk[i][t] = w.mask[static_cast<size_t>(t)] != 0;
        }
    }
    if (device != b.inputs.device()) {
        b.inputs = b.inputs.to(device);
        b.targets = b.targets.to(device);
        b.mask = b.mask.to(device);
    }
    return b;
}

PrefixCache::PrefixCache(const LlamaModel& model, int firstBlock, bool enabled)
    : m_model(model), m_first(firstBlock), m_enabled(enabled) {}

double PrefixCache::bytes() const {
    double b = 0;
    for (const auto& [k, t] : m_store) b += static_cast<double>(t.numel()) * 4.0;
    return b;
}

torch::Tensor PrefixCache::compute(const std::vector<const TokenWindow*>& windows) {
    torch::NoGradGuard noGrad;
    const auto t0 = std::chrono::steady_clock::now();
    auto ids = batchTensors(windows, m_model.device()).inputs;
    auto h = m_model.runBlocks(m_model.embed(ids), 0, m_first);
    m_prefixSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m_prefixWindows += static_cast<int64_t>(windows.size());
    return h;
}

bool PrefixCache::fill(const std::vector<const TokenWindow*>& windows, const std::vector<int64_t>& keys, int chunk,
                       const std::function<bool()>& stop) {
    if (!m_enabled) return true;
    std::vector<const TokenWindow*> todo;
    std::vector<int64_t> todoKeys;
    for (size_t i = 0; i < windows.size(); ++i)
        if (!m_store.count(keys[i])) {
            todo.push_back(windows[i]);
            todoKeys.push_back(keys[i]);
        }
    const size_t c = static_cast<size_t>(std::max(1, chunk));
    for (size_t i = 0; i < todo.size(); i += c) {
        if (stop && stop()) return false;
        const size_t n = std::min(c, todo.size() - i);
        std::vector<const TokenWindow*> part(todo.begin() + static_cast<std::ptrdiff_t>(i),
                                             todo.begin() + static_cast<std::ptrdiff_t>(i + n));
        auto h = compute(part);
        for (size_t j = 0; j < n; ++j) m_store[todoKeys[i + j]] = h[static_cast<int64_t>(j)].clone();
    }
    return true;
}

torch::Tensor PrefixCache::hidden(const std::vector<const TokenWindow*>& windows, const std::vector<int64_t>& keys) {
    if (!m_enabled) return compute(windows);
    fill(windows, keys, static_cast<int>(windows.size()));
    std::vector<torch::Tensor> parts;
    parts.reserve(keys.size());
    for (int64_t k : keys) parts.push_back(m_store.at(k));
    return torch::stack(parts);
}

} // namespace ctscope
