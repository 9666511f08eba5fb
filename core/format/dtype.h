#pragma once
/// Storage dtypes and their conversion to float32.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ctscope {

/// F32/F16/BF16 are plain element types. The others are GGML block-quantised
/// types (core/format/gguf_quant.h): Q4_0 … Q8_0 in blocks of 32 values,
/// the K-quants Q2_K … Q8_K in super-blocks of 256.
enum class DType { F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K };

/// Values per block: 1 for F32/F16/BF16, 32 or 256 for the quantised types.
uint32_t dtypeBlockSize(DType t);
/// Bytes per block (4 for F32, 34 for Q8_0, 144 for Q4_K, …).
uint32_t dtypeBlockBytes(DType t);
/// True for the GGML block-quantised types.
bool dtypeQuantised(DType t);

/// Bytes taken by `count` elements. Returns nullopt when count is not a whole
/// number of blocks or the size overflows 64 bits.
std::optional<uint64_t> dtypeBytes(DType t, uint64_t count);
const char* dtypeName(DType t);

/// Converts `count` elements starting at `src` to float32 in `dst`; for a
/// quantised type `count` must be a whole number of blocks (see dtypeBytes).
void convertToFloat(DType t, const void* src, uint64_t count, float* dst);

float halfToFloat(uint16_t h);
float bf16ToFloat(uint16_t h);
uint16_t floatToHalf(float f);
uint16_t floatToBf16(float f);  ///< round to nearest even

} // namespace ctscope
