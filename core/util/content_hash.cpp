#include "core/util/content_hash.h"

#include "core/util/error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace ctscope {
namespace {

constexpr uint64_t kP1 = 11400714785074694791ull;
constexpr uint64_t kP2 = 14029467366897019727ull;
constexpr uint64_t kP3 = 1609587929392839161ull;
constexpr uint64_t kP4 = 9650029242287828579ull;
constexpr uint64_t kP5 = 2870177450012600261ull;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Little-endian loads, whatever the host (the hash must not depend on it).
uint64_t load64(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}
uint32_t load32(const unsigned char* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}

uint64_t round(uint64_t acc, uint64_t input) {
    acc += input * kP2;
    acc = rotl(acc, 31);
    return acc * kP1;
}

uint64_t mergeRound(uint64_t acc, uint64_t lane) {
    acc ^= round(0, lane);
    return acc * kP1 + kP4;
}

} // namespace

ContentHash::ContentHash(uint64_t seed) : m_seed(seed) {
    m_lanes[0] = seed + kP1 + kP2;
    m_lanes[1] = seed + kP2;
    m_lanes[2] = seed;
    m_lanes[3] = seed - kP1;
}

void ContentHash::update(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    m_total += size;
    if (m_buffered + size < 32) {
        std::memcpy(m_buffer + m_buffered, p, size);
        m_buffered += size;
        return;
    }
    if (m_buffered > 0) {
        const size_t fill = 32 - m_buffered;
        std::memcpy(m_buffer + m_buffered, p, fill);
        for (int i = 0; i < 4; ++i) m_lanes[i] = round(m_lanes[i], load64(m_buffer + 8 * i));
        p += fill;
        size -= fill;
        m_buffered = 0;
    }
    while (size >= 32) {
        for (int i = 0; i < 4; ++i) m_lanes[i] = round(m_lanes[i], load64(p + 8 * i));
        p += 32;
        size -= 32;
    }
    std::memcpy(m_buffer, p, size);
    m_buffered = size;
}

uint64_t ContentHash::digest() const {
    uint64_t h;
    if (m_total >= 32) {
        h = rotl(m_lanes[0], 1) + rotl(m_lanes[1], 7) + rotl(m_lanes[2], 12) + rotl(m_lanes[3], 18);
        for (int i = 0; i < 4; ++i) h = mergeRound(h, m_lanes[i]);
    } else {
        h = m_seed + kP5;
    }
    h += m_total;
    const unsigned char* p = m_buffer;
    size_t n = m_buffered;
    while (n >= 8) {
        h ^= round(0, load64(p));
        h = rotl(h, 27) * kP1 + kP4;
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        h ^= static_cast<uint64_t>(load32(p)) * kP1;
        h = rotl(h, 23) * kP2 + kP3;
        p += 4;
        n -= 4;
    }
    while (n > 0) {
        h ^= *p * kP5;
        h = rotl(h, 11) * kP1;
        ++p;
        --n;
    }
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
}

std::string ContentHash::toHex(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string ContentHash::hex() const { return toHex(digest()); }

uint64_t ContentHash::of(const void* data, size_t size, uint64_t seed) {
    ContentHash h(seed);
    h.update(data, size);
    return h.digest();
}

std::string ContentHash::ofFile(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw FormatError(path, std::string("cannot open: ") + std::strerror(errno));
    ContentHash h;
    std::vector<unsigned char> buf(1 << 20);
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) h.update(buf.data(), n);
    const bool bad = std::ferror(f) != 0;
    std::fclose(f);
    if (bad) throw FormatError(path, "read failed");
    return h.hex();
}

} // namespace ctscope
