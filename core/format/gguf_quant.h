#pragma once
/// GGML tensor types as GGUF stores them: the type table (id, name, block
/// size and bytes) and the block decoders of the quantised types, written from
/// the block layouts of ggml (ggml-common.h) and their dequantisation formulas.
#include "core/format/dtype.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ctscope {

/// One GGML tensor type. Every element of a row is stored in blocks of
/// `blockSize` values taking `blockBytes` bytes.
struct GgmlTypeInfo {
    uint32_t id;
    const char* name;
    uint32_t blockSize;
    uint32_t blockBytes;
    /// The storage type ctscope decodes it as; nullopt when it cannot decode it
    /// (IQ*, TQ*, MXFP4, Q8_1, integer and F64 tensors).
    std::optional<DType> dtype;
};

/// The table entry for a GGML type id, or nullptr for an id this build does
/// not know (a type newer than it), whose byte size is then unknown too.
const GgmlTypeInfo* ggmlTypeInfo(uint32_t id);

/// "IQ2_XXS (id 16)", or "id 99" for an unknown id; for messages.
std::string ggmlTypeLabel(uint32_t id);

/// Decodes `blocks` whole blocks of a block-quantised dtype (Q4_0, Q4_1,
/// Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K) starting at `src`
/// into blocks × dtypeBlockSize(t) floats at `dst`, exactly as the format
/// defines them (float32 arithmetic in ggml's order). Thread-safe.
void dequantizeBlocks(DType t, const uint8_t* src, uint64_t blocks, float* dst);

} // namespace ctscope
