#pragma once
/// Storage dtypes and their conversion to float32.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ctscope {

enum class DType { F32, F16, BF16, Q8_0 };

/// Bytes taken by `count` elements (Q8_0: blocks of 32 with an F16 scale).
/// Returns nullopt when count is not a whole number of blocks or overflows.
std::optional<uint64_t> dtypeBytes(DType t, uint64_t count);
const char* dtypeName(DType t);

/// Converts `count` elements starting at `src` to float32 in `dst`.
void convertToFloat(DType t, const void* src, uint64_t count, float* dst);

float halfToFloat(uint16_t h);
float bf16ToFloat(uint16_t h);
uint16_t floatToHalf(float f);
uint16_t floatToBf16(float f);  ///< round to nearest even

} // namespace ctscope
