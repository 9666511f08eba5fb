// Block decoders for the GGML quantised types. The layouts are ggml's block
// structs, little-endian and packed; each value is computed with the float32
// operations of ggml's dequantize_row_* in the same order (d*sc first, then
// *q, then -m), so the results are the values the format defines, bit for bit.
#include "core/format/gguf_quant.h"

#include <cstring>

namespace ctscope {

namespace {

constexpr uint32_t kQK = 32;    // elements per block of the *_0 / *_1 types
constexpr uint32_t kQKK = 256;  // elements per K-quant super-block

constexpr GgmlTypeInfo kTypes[] = {
    {0, "F32", 1, 4, DType::F32},
    {1, "F16", 1, 2, DType::F16},
    {2, "Q4_0", kQK, 18, DType::Q4_0},
    {3, "Q4_1", kQK, 20, DType::Q4_1},
    {6, "Q5_0", kQK, 22, DType::Q5_0},
    {7, "Q5_1", kQK, 24, DType::Q5_1},
    {8, "Q8_0", kQK, 34, DType::Q8_0},
    {9, "Q8_1", kQK, 36, std::nullopt},
    {10, "Q2_K", kQKK, 84, DType::Q2_K},
    {11, "Q3_K", kQKK, 110, DType::Q3_K},
    {12, "Q4_K", kQKK, 144, DType::Q4_K},
    {13, "Q5_K", kQKK, 176, DType::Q5_K},
    {14, "Q6_K", kQKK, 210, DType::Q6_K},
    {15, "Q8_K", kQKK, 292, DType::Q8_K},
    {16, "IQ2_XXS", kQKK, 66, std::nullopt},
    {17, "IQ2_XS", kQKK, 74, std::nullopt},
    {18, "IQ3_XXS", kQKK, 98, std::nullopt},
    {19, "IQ1_S", kQKK, 50, std::nullopt},
    {20, "IQ4_NL", kQK, 18, std::nullopt},
    {21, "IQ3_S", kQKK, 110, std::nullopt},
    {22, "IQ2_S", kQKK, 82, std::nullopt},
    {23, "IQ4_XS", kQKK, 136, std::nullopt},
    {24, "I8", 1, 1, std::nullopt},
    {25, "I16", 1, 2, std::nullopt},
    {26, "I32", 1, 4, std::nullopt},
    {27, "I64", 1, 8, std::nullopt},
    {28, "F64", 1, 8, std::nullopt},
    {29, "IQ1_M", kQKK, 56, std::nullopt},
    {30, "BF16", 1, 2, DType::BF16},
    {34, "TQ1_0", kQKK, 54, std::nullopt},
    {35, "TQ2_0", kQKK, 66, std::nullopt},
    {39, "MXFP4", kQK, 17, std::nullopt},
};

float half(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);  // little-endian file, little-endian host
    return halfToFloat(h);
}

float toF(int v) { return static_cast<float>(v); }

// Q4_0: d, then 16 bytes; byte j holds element j (low nibble) and j+16 (high).
void q4_0(const uint8_t* b, float* y) {
    const float d = half(b);
    const uint8_t* qs = b + 2;
    for (uint32_t j = 0; j < 16; ++j) {
        y[j] = toF((qs[j] & 0xF) - 8) * d;
        y[j + 16] = toF((qs[j] >> 4) - 8) * d;
    }
}

// Q4_1: d, m, then the nibbles as Q4_0; x = q*d + m.
void q4_1(const uint8_t* b, float* y) {
    const float d = half(b);
    const float m = half(b + 2);
    const uint8_t* qs = b + 4;
    for (uint32_t j = 0; j < 16; ++j) {
        y[j] = toF(qs[j] & 0xF) * d + m;
        y[j + 16] = toF(qs[j] >> 4) * d + m;
    }
}

uint32_t load32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Q5_0 / Q5_1: the fifth bit of element i is bit i of the 32-bit qh.
void q5(const uint8_t* b, float* y, bool withMin) {
    const float d = half(b);
    const float m = withMin ? half(b + 2) : 0.0f;
    const uint8_t* p = b + (withMin ? 4 : 2);
    const uint32_t qh = load32(p);
    const uint8_t* qs = p + 4;
    for (uint32_t j = 0; j < 16; ++j) {
        const int lo = (qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4);
        const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
        if (withMin) {
            y[j] = toF(lo) * d + m;
            y[j + 16] = toF(hi) * d + m;
        } else {
            y[j] = toF(lo - 16) * d;
            y[j + 16] = toF(hi - 16) * d;
        }
    }
}

void q8_0(const uint8_t* b, float* y) {
    const float d = half(b);
    for (uint32_t j = 0; j < kQK; ++j) y[j] = toF(static_cast<int8_t>(b[2 + j])) * d;
}

// Q2_K: scales[16] (low nibble scale, high nibble min), qs[64], d, dmin.
// Each 128-value half reads 32 bytes of qs four times, two bits at a time.
void q2_K(const uint8_t* b, float* y) {
    const uint8_t* scales = b;
    const uint8_t* q = b + 16;
    const float d = half(b + 80);
    const float dmin = half(b + 82);
    int is = 0;
    for (int n = 0; n < 2; ++n, q += 32) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int part = 0; part < 2; ++part, ++is) {
                const float dl = d * toF(scales[is] & 0xF);
                const float ml = dmin * toF(scales[is] >> 4);
                for (int l = 0; l < 16; ++l) *y++ = dl * toF((q[l + 16 * part] >> shift) & 3) - ml;
            }
        }
    }
}

// Q3_K: hmask[32], qs[64], scales[12] (sixteen 6-bit values), d. A value is
// its two low bits minus 4 unless its hmask bit is set.
void q3_K(const uint8_t* b, float* y) {
    const uint8_t* hm = b;
    const uint8_t* q = b + 32;
    const uint8_t* packed = b + 96;
    const float d = half(b + 108);
    int scales[16];
    for (int i = 0; i < 16; ++i) {
        const int low = i < 8 ? packed[i] & 0xF : packed[i - 8] >> 4;
        const int high = (packed[8 + (i & 3)] >> (2 * (i >> 2))) & 3;
        scales[i] = (low | (high << 4)) - 32;
    }
    int is = 0;
    uint8_t bit = 1;
    for (int n = 0; n < 2; ++n, q += 32) {
        for (int shift = 0; shift < 8; shift += 2, bit = static_cast<uint8_t>(bit << 1)) {
            for (int part = 0; part < 2; ++part, ++is) {
                const float dl = d * toF(scales[is]);
                for (int l = 16 * part; l < 16 * part + 16; ++l)
                    *y++ = dl * toF(((q[l] >> shift) & 3) - ((hm[l] & bit) ? 0 : 4));
            }
        }
    }
}

// The eight 6-bit (scale, min) pairs of Q4_K and Q5_K, packed in 12 bytes.
void scaleMinK4(const uint8_t* s, int j, int& sc, int& m) {
    if (j < 4) {
        sc = s[j] & 63;
        m = s[j + 4] & 63;
    } else {
        sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Q4_K / Q5_K: d, dmin, scales[12], (Q5_K: qh[32]), qs[128]. Each 64-value
// chunk reads 32 bytes of qs: low nibbles first, then high nibbles.
void q45_K(const uint8_t* b, float* y, bool five) {
    const float d = half(b);
    const float dmin = half(b + 2);
    const uint8_t* s = b + 4;
    const uint8_t* qh = b + 16;
    const uint8_t* ql = b + (five ? 48 : 16);
    for (int chunk = 0; chunk < 4; ++chunk, ql += 32) {
        for (int part = 0; part < 2; ++part) {
            const int sub = 2 * chunk + part;
            int sc = 0, m = 0;
            scaleMinK4(s, sub, sc, m);
            const float d1 = d * toF(sc);
            const float m1 = dmin * toF(m);
            for (int l = 0; l < 32; ++l) {
                int v = part == 0 ? ql[l] & 0xF : ql[l] >> 4;
                if (five && ((qh[l] >> sub) & 1)) v += 16;
                *y++ = d1 * toF(v) - m1;
            }
        }
    }
}

// Q6_K: ql[128], qh[64], int8 scales[16], d. Each 128-value half takes 64
// bytes of ql and 32 of qh; value = 6-bit q - 32, x = (d * scale) * q.
void q6_K(const uint8_t* b, float* y) {
    const uint8_t* ql = b;
    const uint8_t* qh = b + 128;
    const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
    const float d = half(b + 208);
    for (int n = 0; n < 2; ++n, ql += 64, qh += 32, sc += 8, y += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * toF(sc[is]) * toF(q1);
            y[l + 32] = d * toF(sc[is + 2]) * toF(q2);
            y[l + 64] = d * toF(sc[is + 4]) * toF(q3);
            y[l + 96] = d * toF(sc[is + 6]) * toF(q4);
        }
    }
}

// Q8_K: a float32 d, 256 int8, then 16 int16 group sums (unused here).
void q8_K(const uint8_t* b, float* y) {
    float d;
    std::memcpy(&d, b, sizeof d);
    for (uint32_t j = 0; j < kQKK; ++j) y[j] = d * toF(static_cast<int8_t>(b[4 + j]));
}

}  // namespace

const GgmlTypeInfo* ggmlTypeInfo(uint32_t id) {
    for (const GgmlTypeInfo& t : kTypes)
        if (t.id == id) return &t;
    return nullptr;
}

std::string ggmlTypeLabel(uint32_t id) {
    const GgmlTypeInfo* t = ggmlTypeInfo(id);
    return t ? std::string(t->name) + " (id " + std::to_string(id) + ")" : "id " + std::to_string(id);
}

void dequantizeBlocks(DType t, const uint8_t* src, uint64_t blocks, float* dst) {
    const uint64_t n = dtypeBlockSize(t);
    const uint64_t bytes = dtypeBlockBytes(t);
    for (uint64_t i = 0; i < blocks; ++i, src += bytes, dst += n) {
        switch (t) {
            case DType::Q4_0:
                q4_0(src, dst);
                break;
            case DType::Q4_1:
                q4_1(src, dst);
                break;
            case DType::Q5_0:
                q5(src, dst, false);
                break;
            case DType::Q5_1:
                q5(src, dst, true);
                break;
            case DType::Q8_0:
                q8_0(src, dst);
                break;
            case DType::Q2_K:
                q2_K(src, dst);
                break;
            case DType::Q3_K:
                q3_K(src, dst);
                break;
            case DType::Q4_K:
                q45_K(src, dst, false);
                break;
            case DType::Q5_K:
                q45_K(src, dst, true);
                break;
            case DType::Q6_K:
                q6_K(src, dst);
                break;
            case DType::Q8_K:
                q8_K(src, dst);
                break;
            case DType::F32:
            case DType::F16:
            case DType::BF16:
                return;  // not block-quantised: convertToFloat handles them
        }
    }
}

}  // namespace ctscope
