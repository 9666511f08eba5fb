#include "core/format/dtype.h"

#include "core/format/gguf_quant.h"

#include <cstring>
#include <limits>

namespace ctscope {

namespace {

uint32_t floatBits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float bitsFloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t loadU16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);  // the files are little-endian, as is every supported host
    return v;
}

}  // namespace

uint32_t dtypeBlockSize(DType t) {
    switch (t) {
        case DType::F32:
        case DType::F16:
        case DType::BF16:
            return 1;
        case DType::Q8_0:
        case DType::Q4_0:
        case DType::Q4_1:
        case DType::Q5_0:
        case DType::Q5_1:
            return 32;
        case DType::Q2_K:
        case DType::Q3_K:
        case DType::Q4_K:
        case DType::Q5_K:
        case DType::Q6_K:
        case DType::Q8_K:
            return 256;
    }
    return 1;
}

uint32_t dtypeBlockBytes(DType t) {
    // ggml's block structs (ggml-common.h), packed.
    switch (t) {
        case DType::F32:
            return 4;
        case DType::F16:
        case DType::BF16:
            return 2;
        case DType::Q8_0:
            return 34;  // F16 d, 32 int8
        case DType::Q4_0:
            return 18;  // F16 d, 16 bytes of nibbles
        case DType::Q4_1:
            return 20;  // F16 d and m, nibbles
        case DType::Q5_0:
            return 22;  // F16 d, 32 fifth bits, nibbles
        case DType::Q5_1:
            return 24;
        case DType::Q2_K:
            return 84;  // 16 scale bytes, 64 bytes of 2-bit q, F16 d and dmin
        case DType::Q3_K:
            return 110;  // 32 hmask, 64 q, 12 scale bytes, F16 d
        case DType::Q4_K:
            return 144;  // F16 d and dmin, 12 scale bytes, 128 bytes of nibbles
        case DType::Q5_K:
            return 176;  // as Q4_K plus 32 bytes of fifth bits
        case DType::Q6_K:
            return 210;  // 128 low nibbles, 64 high pairs, 16 int8 scales, F16 d
        case DType::Q8_K:
            return 292;  // F32 d, 256 int8, 16 int16 sums
    }
    return 4;
}

bool dtypeQuantised(DType t) { return dtypeBlockSize(t) > 1; }

std::optional<uint64_t> dtypeBytes(DType t, uint64_t count) {
    const uint64_t block = dtypeBlockSize(t);
    const uint64_t bytes = dtypeBlockBytes(t);
    if (count % block != 0) return std::nullopt;
    if (count / block > std::numeric_limits<uint64_t>::max() / bytes) return std::nullopt;
    return count / block * bytes;
}

const char* dtypeName(DType t) {
    switch (t) {
        case DType::F32:
            return "F32";
        case DType::F16:
            return "F16";
        case DType::BF16:
            return "BF16";
        case DType::Q8_0:
            return "Q8_0";
        case DType::Q4_0:
            return "Q4_0";
        case DType::Q4_1:
            return "Q4_1";
        case DType::Q5_0:
            return "Q5_0";
        case DType::Q5_1:
            return "Q5_1";
        case DType::Q2_K:
            return "Q2_K";
        case DType::Q3_K:
            return "Q3_K";
        case DType::Q4_K:
            return "Q4_K";
        case DType::Q5_K:
            return "Q5_K";
        case DType::Q6_K:
            return "Q6_K";
        case DType::Q8_K:
            return "Q8_K";
    }
    return "?";
}

void convertToFloat(DType t, const void* src, uint64_t count, float* dst) {
    const auto* p = static_cast<const uint8_t*>(src);
    switch (t) {
        case DType::F32:
            std::memcpy(dst, p, count * sizeof(float));
            return;
        case DType::F16:
            for (uint64_t i = 0; i < count; ++i) dst[i] = halfToFloat(loadU16(p + 2 * i));
            return;
        case DType::BF16:
            for (uint64_t i = 0; i < count; ++i) dst[i] = bf16ToFloat(loadU16(p + 2 * i));
            return;
        default:
            dequantizeBlocks(t, p, count / dtypeBlockSize(t), dst);
            return;
    }
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0x1f) return bitsFloat(sign | 0x7f800000u | (mant << 13));  // Inf / NaN
    if (exp != 0) return bitsFloat(sign | ((exp + 112) << 23) | (mant << 13));
    if (mant == 0) return bitsFloat(sign);
    // Subnormal half: normalise into a float exponent.
    int e = -1;
    do {
        mant <<= 1;
        ++e;
    } while ((mant & 0x400u) == 0);
    return bitsFloat(sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13));
}

float bf16ToFloat(uint16_t h) { return bitsFloat(static_cast<uint32_t>(h) << 16); }

uint16_t floatToHalf(float f) {
    const uint32_t x = floatBits(f);
    const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) {  // Inf stays Inf; NaN stays a quiet NaN
        if (ax == 0x7f800000u) return sign | 0x7c00u;
        return static_cast<uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    }
    if (ax >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds to Inf
    if (ax < 0x38800000u) {                        // below 2^-14: half subnormal or zero
        const int e = static_cast<int>(ax >> 23);
        if (e < 102) return sign;  // below 2^-25, which itself ties to 0
        const uint32_t m = (ax & 0x7fffffu) | 0x800000u;
        const int shift = 126 - e;
        uint32_t hm = m >> shift;
        const uint32_t rem = m & ((1u << shift) - 1);
        const uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (hm & 1u))) ++hm;
        return static_cast<uint16_t>(sign | hm);
    }
    uint32_t h = (ax >> 13) - (112u << 10);
    const uint32_t rem = ax & 0x1fffu;
    // A carry out of the mantissa correctly bumps the exponent.
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
}

uint16_t floatToBf16(float f) {
    const uint32_t x = floatBits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
    const uint32_t rounded = x + 0x7fffu + ((x >> 16) & 1u);
    return static_cast<uint16_t>(rounded >> 16);
}

}  // namespace ctscope
