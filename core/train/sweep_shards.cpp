#include "core/train/sweep_shards.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace ctscope {

std::pair<int, int> parseShard(const std::string& text) {
    const auto slash = text.find('/');
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        size_t a = 0, b = 0;
        const int i = std::stoi(text.substr(0, slash), &a);
        const int n = std::stoi(text.substr(slash + 1), &b);
        if (a != slash || b != text.size() - slash - 1) throw std::invalid_argument("trailing text");
        if (n < 1 || i < 0 || i >= n) throw std::out_of_range("range");
        return {i, n};
    } catch (const std::exception&) {
        throw std::invalid_argument("--shard '" + text + "': expected i/N with 0 <= i < N, e.g. 0/4");
    }
}

std::vector<size_t> shardRunIndices(const std::vector<RunSpec>& all, int index, int count) {
    if (count < 1 || index < 0 || index >= count) throw std::invalid_argument("shard index out of range");
    std::vector<size_t> load(static_cast<size_t>(count), 0);
    std::vector<size_t> mine;
    for (size_t r = 0; r < all.size(); ++r)
        if (all[r].arm == Arm::Full) {
            ++load[kBaselineShard];
            if (index == kBaselineShard) mine.push_back(r);
        }
    for (size_t r = 0; r < all.size(); ++r) {
        if (all[r].arm == Arm::Full) continue;
        size_t best = 0;
        for (size_t s = 1; s < load.size(); ++s)
            if (load[s] < load[best]) best = s;
        ++load[best];
        if (best == static_cast<size_t>(index)) mine.push_back(r);
    }
    std::sort(mine.begin(), mine.end());
    return mine;
}

std::vector<RunSpec> shardRuns(const std::vector<RunSpec>& all, int index, int count) {
    std::vector<RunSpec> out;
    for (size_t i : shardRunIndices(all, index, count)) out.push_back(all[i]);
    return out;
}

std::string shardDir(const std::string& outDir, int index) {
    return (std::filesystem::path(outDir) / "shards" / std::to_string(index)).string();
}

} // namespace ctscope
