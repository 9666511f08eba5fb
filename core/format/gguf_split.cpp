#include "core/format/gguf_split.h"

#include "core/util/error.h"

#include <cstdio>
#include <filesystem>
#include <regex>

namespace ctscope::detail {

namespace fs = std::filesystem;

std::vector<std::string> ggufShardPaths(const std::string& path) {
    // llama.cpp's llama_split_path: "%s-%05d-of-%05d.gguf", shard numbers from 1.
    static const std::regex kShard(R"(^(.*)-([0-9]{5})-of-([0-9]{5})\.gguf$)", std::regex::icase);
    const fs::path p(path);
    const std::string name = p.filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, kShard)) return {path};
    const int no = std::stoi(m[2].str());
    const int count = std::stoi(m[3].str());
    if (count < 1 || no < 1 || no > count)
        throw FormatError(path, "the name says shard " + std::to_string(no) + " of " + std::to_string(count) +
                                    ", which is not a valid split GGUF shard number");
    std::vector<std::string> shards;
    const std::string prefix = m[1].str();
    const std::string ext = name.substr(name.size() - 5);  // ".gguf" as the given file spells it
    for (int i = 1; i <= count; ++i) {
        char suffix[32];
        std::snprintf(suffix, sizeof suffix, "-%05d-of-%05d", i, count);
        const fs::path shard = p.parent_path() / (prefix + suffix + ext);
        std::error_code ec;
        if (!fs::is_regular_file(shard, ec))
            throw FormatError(shard.string(), "shard " + std::to_string(i) + " of " + std::to_string(count) +
                                                  " of the split GGUF " + name +
                                                  " is missing; every shard must lie in the same folder");
        shards.push_back(shard.string());
    }
    return shards;
}

}  // namespace ctscope::detail
