#pragma once
// After a successful load, read what a user's analysis would: every small
// tensor as float32 (conversions, quantised blocks, bounds).
#include "core/format/checkpoint.h"

namespace ctscope::fuzz {

inline void readSmallTensors(const Checkpoint& ck) {
    for (const TensorInfo& t : ck.tensors())
        if (t.numel() <= (1 << 16)) (void)ck.readFloat(t, false).size();
}

} // namespace ctscope::fuzz
