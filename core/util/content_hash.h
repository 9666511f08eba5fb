#pragma once
/// A fast 64-bit content hash (XXH64: four multiply-rotate lanes over 32-byte
/// stripes) for provenance records: the tensor data of a checkpoint, the
/// training text. Not cryptographic; it tells files apart, it does not
/// defend against someone forging a collision.
#include <cstddef>
#include <cstdint>
#include <string>

namespace ctscope {

/// Streaming hasher: update() any number of times, then digest(). The result
/// does not depend on how the input is split across update() calls.
class ContentHash {
public:
    explicit ContentHash(uint64_t seed = 0);
    void update(const void* data, size_t size);
    void update(const std::string& s) { update(s.data(), s.size()); }
    /// The hash of everything given so far (the hasher stays usable).
    uint64_t digest() const;
    /// digest() as 16 lower-case hex digits.
    std::string hex() const;

    /// One-shot hash of a buffer.
    static uint64_t of(const void* data, size_t size, uint64_t seed = 0);
    /// Hash of a whole file (read in 1 MiB chunks). Throws FormatError
    /// naming the file when it cannot be read.
    static std::string ofFile(const std::string& path);
    static std::string toHex(uint64_t v);

private:
    uint64_t m_lanes[4];
    uint64_t m_seed;
    uint64_t m_total = 0;
    unsigned char m_buffer[32];
    size_t m_buffered = 0;
};

} // namespace ctscope
