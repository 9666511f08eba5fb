#pragma once
/// The name tables behind classifyTensor (tensor_role.h). Internal to
/// core/format.
#include "core/format/tensor_role.h"

#include <cstddef>
#include <string>

namespace ctscope::detail {

struct NameRole {
    const char* name;
    Role role;
    NameScheme scheme;
};

template <typename T>
struct Table {
    const T* items;
    size_t count;
    const T* begin() const { return items; }
    const T* end() const { return items + count; }
};

/// Names inside a block, after "<marker><N>." (and after any MoE expert part).
Table<NameRole> blockNames();
/// Names outside the blocks, after the "model." / "transformer." prefixes.
Table<NameRole> globalNames();
/// Prefixes stripped (repeatedly) before anything else.
Table<const char*> namePrefixes();

struct BlockMarker {
    const char* marker;  ///< "layers.", "blk.", "h.", "blocks."
    NameScheme scheme;   ///< the scheme the marker implies (None: decided by the name table)
};
Table<BlockMarker> blockMarkers();

/// Path components that mark a tensor of a multimodal model's other towers.
Table<const char*> multimodalMarkers();

/// Mixture-of-experts names inside a block: sets role, expert, sharedExpert
/// and stackedExperts of `out` and returns true when `rest` is one.
bool classifyMoe(const std::string& rest, TensorRole& out);

}  // namespace ctscope::detail
