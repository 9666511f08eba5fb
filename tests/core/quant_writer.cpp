#include "quant_writer.h"

#include "fixture_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace ctscope::test::quant {

namespace {

using fixture::fromHalf;
using fixture::toHalf;

/// A scale stored as F16: its bits and the float the decoder will see.
struct Half {
    uint16_t bits = 0;
    float value = 0;
};
Half half(float v) {
    Half h;
    h.bits = toHalf(v);
    h.value = fromHalf(h.bits);
    return h;
}

void putHalf(uint8_t* p, Half h) {
    p[0] = static_cast<uint8_t>(h.bits & 0xff);
    p[1] = static_cast<uint8_t>(h.bits >> 8);
}

int roundClamp(float v, int lo, int hi) {
    if (!std::isfinite(v)) return 0;
    return std::clamp(static_cast<int>(std::nearbyint(v)), lo, hi);
}

float fl(int v) { return static_cast<float>(v); }

/// The value of largest magnitude, sign kept (the *_0 and Q3_K/Q6_K scales map it to the most negative level).
float signedExtreme(const float* x, size_t n) {
    float m = 0;
    for (size_t i = 0; i < n; ++i)
        if (std::fabs(x[i]) > std::fabs(m)) m = x[i];
    return m;
}

// ---- blocks of 32 ------------------------------------------------------------

// Symmetric types: x ≈ (q - offset) * d with q in [0, 2^bits).
void symmetric32(const float* x, uint8_t* b, float* y, int bits) {
    const int offset = 1 << (bits - 1);
    const Half d = half(signedExtreme(x, 32) / -static_cast<float>(offset));
    int q[32];
    for (int i = 0; i < 32; ++i) {
        q[i] = d.value != 0 ? roundClamp(x[i] / d.value, -offset, offset - 1) + offset : offset;
        y[i] = fl(q[i] - offset) * d.value;
    }
    putHalf(b, d);
    uint8_t* qs = b + (bits == 5 ? 6 : 2);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((q[j] & 15) | ((q[j + 16] & 15) << 4));
    for (int i = 0; i < 32; ++i) qh |= static_cast<uint32_t>((q[i] >> 4) & 1) << i;
    if (bits == 5) std::memcpy(b + 2, &qh, 4);
}

// Types with a minimum: x ≈ q * d + m with q in [0, 2^bits).
void withMin32(const float* x, uint8_t* b, float* y, int bits) {
    const int top = (1 << bits) - 1;
    const float lo = *std::min_element(x, x + 32);
    const float hi = *std::max_element(x, x + 32);
    const Half d = half((hi - lo) / static_cast<float>(top));
    const Half m = half(lo);
    int q[32];
    for (int i = 0; i < 32; ++i) {
        q[i] = d.value > 0 ? roundClamp((x[i] - m.value) / d.value, 0, top) : 0;
        y[i] = fl(q[i]) * d.value + m.value;
    }
    putHalf(b, d);
    putHalf(b + 2, m);
    uint8_t* qs = b + (bits == 5 ? 8 : 4);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((q[j] & 15) | ((q[j + 16] & 15) << 4));
    for (int i = 0; i < 32; ++i) qh |= static_cast<uint32_t>((q[i] >> 4) & 1) << i;
    if (bits == 5) std::memcpy(b + 4, &qh, 4);
}

void q8_0(const float* x, uint8_t* b, float* y) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    const Half d = half(amax / 127.0f);
    putHalf(b, d);
    for (int i = 0; i < 32; ++i) {
        const int q = d.value != 0 ? roundClamp(x[i] / d.value, -127, 127) : 0;
        b[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(q));
        y[i] = fl(q) * d.value;
    }
}

// ---- super-blocks of 256 -----------------------------------------------------

/// Per sub-block offset form x ≈ (d·sc)·q − (dmin·m), sc and m unsigned with
/// `scaleTop` levels, q in [0, qTop]. Fills sc, m, q and the values.
void offsetSubBlocks(const float* x, int subSize, int qTop, int scaleTop, int* sc, int* m, int* q, float* y,
                     Half& d, Half& dmin) {
    const int subs = 256 / subSize;
    float scales[16], mins[16];
    float maxScale = 0, maxMin = 0;
    for (int s = 0; s < subs; ++s) {
        const float* v = x + s * subSize;
        // The offset is subtracted and never negative, so the range always reaches 0.
        const float lo = std::min(0.0f, *std::min_element(v, v + subSize));
        const float hi = *std::max_element(v, v + subSize);
        scales[s] = (hi - lo) / static_cast<float>(qTop);
        mins[s] = -lo;
        maxScale = std::max(maxScale, scales[s]);
        maxMin = std::max(maxMin, mins[s]);
    }
    d = half(maxScale / static_cast<float>(scaleTop));
    dmin = half(maxMin / static_cast<float>(scaleTop));
    for (int s = 0; s < subs; ++s) {
        sc[s] = d.value > 0 ? roundClamp(scales[s] / d.value, 0, scaleTop) : 0;
        m[s] = dmin.value > 0 ? roundClamp(mins[s] / dmin.value, 0, scaleTop) : 0;
        const float d1 = d.value * fl(sc[s]);
        const float m1 = dmin.value * fl(m[s]);
        for (int i = s * subSize; i < (s + 1) * subSize; ++i) {
            q[i] = d1 > 0 ? roundClamp((x[i] + m1) / d1, 0, qTop) : 0;
            y[i] = d1 * fl(q[i]) - m1;
        }
    }
}

/// Per sub-block symmetric form x ≈ (d·sc)·q, sc signed in [scLo, scHi], q in [qLo, -qLo-1].
void signedSubBlocks(const float* x, int qLo, int scLo, int scHi, int* sc, int* q, float* y, Half& d) {
    float scales[16];
    float maxAbs = 0;
    for (int s = 0; s < 16; ++s) {
        scales[s] = signedExtreme(x + 16 * s, 16) / static_cast<float>(qLo);
        maxAbs = std::max(maxAbs, std::fabs(scales[s]));
    }
    d = half(maxAbs / static_cast<float>(scHi));
    for (int s = 0; s < 16; ++s) {
        sc[s] = d.value > 0 ? roundClamp(scales[s] / d.value, scLo, scHi) : 0;
        const float ds = d.value * fl(sc[s]);
        for (int i = 16 * s; i < 16 * s + 16; ++i) {
            q[i] = ds != 0 ? roundClamp(x[i] / ds, qLo, -qLo - 1) : 0;
            y[i] = ds * fl(q[i]);
        }
    }
}

void q2_K(const float* x, uint8_t* b, float* y) {
    int sc[16], m[16], q[256];
    Half d, dmin;
    offsetSubBlocks(x, 16, 3, 15, sc, m, q, y, d, dmin);
    for (int s = 0; s < 16; ++s) b[s] = static_cast<uint8_t>(sc[s] | (m[s] << 4));
    for (int e = 0; e < 256; ++e) b[16 + 32 * (e / 128) + e % 32] |= static_cast<uint8_t>(q[e] << (2 * ((e % 128) / 32)));
    putHalf(b + 80, d);
    putHalf(b + 82, dmin);
}

void q3_K(const float* x, uint8_t* b, float* y) {
    int sc[16], q[256];
    Half d;
    signedSubBlocks(x, -4, -32, 31, sc, q, y, d);
    for (int e = 0; e < 256; ++e) {
        const int v = q[e] + 4;  // 0..7: two low bits in qs, the third in hmask
        b[32 + 32 * (e / 128) + e % 32] |= static_cast<uint8_t>((v & 3) << (2 * ((e % 128) / 32)));
        b[e % 32] |= static_cast<uint8_t>((v >> 2) << (e / 32));
    }
    for (int s = 0; s < 16; ++s) {
        const int u = sc[s] + 32;  // 6 bits: low nibble, then two high bits
        b[96 + s % 8] |= static_cast<uint8_t>((u & 15) << (s < 8 ? 0 : 4));
        b[96 + 8 + s % 4] |= static_cast<uint8_t>((u >> 4) << (2 * (s / 4)));
    }
    putHalf(b + 108, d);
}

/// The twelve scale bytes of Q4_K/Q5_K: sub-blocks 0-3 in the low 6 bits of
/// bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 as low nibbles in bytes
/// 8-11 and their top two bits in bits 6-7 of bytes 0-7.
void packScaleMin(uint8_t* s, const int* sc, const int* m) {
    for (int j = 0; j < 4; ++j) {
        s[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
        s[j + 4] = static_cast<uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
        s[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
    }
}

void q45_K(const float* x, uint8_t* b, float* y, bool five) {
    int sc[8], m[8], q[256];
    Half d, dmin;
    offsetSubBlocks(x, 32, five ? 31 : 15, 63, sc, m, q, y, d, dmin);
    putHalf(b, d);
    putHalf(b + 2, dmin);
    packScaleMin(b + 4, sc, m);
    uint8_t* qs = b + (five ? 48 : 16);
    for (int e = 0; e < 256; ++e) {
        qs[32 * (e / 64) + e % 32] |= static_cast<uint8_t>((q[e] & 15) << (4 * ((e % 64) / 32)));
        if (five) b[16 + e % 32] |= static_cast<uint8_t>((q[e] >> 4) << (e / 32));
    }
}

void q6_K(const float* x, uint8_t* b, float* y) {
    int sc[16], q[256];
    Half d;
    signedSubBlocks(x, -32, -128, 127, sc, q, y, d);
    for (int e = 0; e < 256; ++e) {
        const int v = q[e] + 32;  // 0..63
        const int n = e / 128, t = (e % 128) / 32, l = e % 32;
        b[64 * n + 32 * (t % 2) + l] |= static_cast<uint8_t>((v & 15) << (4 * (t / 2)));
        b[128 + 32 * n + l] |= static_cast<uint8_t>((v >> 4) << (2 * t));
    }
    for (int s = 0; s < 16; ++s) b[192 + s] = static_cast<uint8_t>(static_cast<int8_t>(sc[s]));
    putHalf(b + 208, d);
}

void q8_K(const float* x, uint8_t* b, float* y) {
    float amax = 0;
    for (int i = 0; i < 256; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float d = amax / 127.0f;  // Q8_K keeps its scale in float32
    std::memcpy(b, &d, 4);
    for (int g = 0; g < 16; ++g) {
        int16_t sum = 0;
        for (int i = 16 * g; i < 16 * g + 16; ++i) {
            const int q = d != 0 ? roundClamp(x[i] / d, -127, 127) : 0;
            b[4 + i] = static_cast<uint8_t>(static_cast<int8_t>(q));
            y[i] = d * fl(q);
            sum = static_cast<int16_t>(sum + q);
        }
        std::memcpy(b + 260 + 2 * g, &sum, 2);
    }
}

}  // namespace

const QSpec& spec(QType t) {
    static const QSpec kSpecs[] = {
        {"Q4_0", 2, 32, 18},    {"Q4_1", 3, 32, 20},    {"Q5_0", 6, 32, 22},    {"Q5_1", 7, 32, 24},
        {"Q8_0", 8, 32, 34},    {"Q2_K", 10, 256, 84},  {"Q3_K", 11, 256, 110}, {"Q4_K", 12, 256, 144},
        {"Q5_K", 13, 256, 176}, {"Q6_K", 14, 256, 210}, {"Q8_K", 15, 256, 292},
    };
    return kSpecs[static_cast<int>(t)];
}

const std::vector<QType>& allTypes() {
    static const std::vector<QType> kAll = {QType::Q4_0, QType::Q4_1, QType::Q5_0, QType::Q5_1,
                                            QType::Q8_0, QType::Q2_K, QType::Q3_K, QType::Q4_K,
                                            QType::Q5_K, QType::Q6_K, QType::Q8_K};
    return kAll;
}

Quantised quantise(QType t, const std::vector<float>& x) {
    const QSpec& s = spec(t);
    if (x.size() % s.blockSize != 0)
        throw std::invalid_argument(std::string(s.name) + " needs whole blocks of " + std::to_string(s.blockSize));
    const size_t blocks = x.size() / s.blockSize;
    Quantised out;
    out.bytes.assign(blocks * s.blockBytes, 0);
    out.values.assign(x.size(), 0.0f);
    for (size_t k = 0; k < blocks; ++k) {
        const float* xb = x.data() + k * s.blockSize;
        uint8_t* b = out.bytes.data() + k * s.blockBytes;
        float* y = out.values.data() + k * s.blockSize;
        switch (t) {
            case QType::Q4_0: symmetric32(xb, b, y, 4); break;
            case QType::Q4_1: withMin32(xb, b, y, 4); break;
            case QType::Q5_0: symmetric32(xb, b, y, 5); break;
            case QType::Q5_1: withMin32(xb, b, y, 5); break;
            case QType::Q8_0: q8_0(xb, b, y); break;
            case QType::Q2_K: q2_K(xb, b, y); break;
            case QType::Q3_K: q3_K(xb, b, y); break;
            case QType::Q4_K: q45_K(xb, b, y, false); break;
            case QType::Q5_K: q45_K(xb, b, y, true); break;
            case QType::Q6_K: q6_K(xb, b, y); break;
            case QType::Q8_K: q8_K(xb, b, y); break;
        }
    }
    return out;
}

} // namespace ctscope::test::quant
