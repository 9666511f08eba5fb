#pragma once
/// Split GGUF files as llama.cpp's gguf-split writes them:
/// NAME-00001-of-0000N.gguf … NAME-0000N-of-0000N.gguf, each a complete GGUF
/// file whose metadata has split.no, split.count and split.tensors.count; the
/// first shard also holds the model metadata.
#include <string>
#include <vector>

namespace ctscope::detail {

/// The shards a GGUF path belongs to, in order: just `path` when its name is
/// not a shard name, otherwise all N sibling paths (whichever shard was
/// given). Throws FormatError naming a missing shard, or the path when its
/// shard number exceeds the count in its name.
std::vector<std::string> ggufShardPaths(const std::string& path);

}  // namespace ctscope::detail
