#pragma once
/// A bounds-checked little-endian cursor over a mapped GGUF file. Internal to
/// the GGUF loader (gguf.cpp, gguf_tensors.cpp).
#include "core/format/mapped_file.h"
#include "core/util/error.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace ctscope::detail {

class GgufReader {
public:
    explicit GgufReader(const MappedFile& f) : m_file(f.path()), m_p(f.data()), m_size(f.size()) {}

    uint64_t pos() const { return m_pos; }
    uint64_t left() const { return m_size - m_pos; }
    const std::string& file() const { return m_file; }

    /// Throws FormatError naming `what` unless `n` more bytes remain.
    void need(uint64_t n, const char* what) const {
        if (n > left())
            throw FormatError(m_file, std::string("truncated ") + what + ": needs " + std::to_string(n) +
                                          " bytes at offset " + std::to_string(m_pos) + ", the file has " +
                                          std::to_string(m_size) + " bytes");
    }
    template <typename T>
    T read(const char* what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_p + m_pos, sizeof v);
        m_pos += sizeof v;
        return v;
    }
    /// A u64 length then that many bytes, the length checked before allocating.
    std::string string(const char* what) {
        const auto n = read<uint64_t>(what);
        if (n > left())
            throw FormatError(m_file, std::string("string length ") + std::to_string(n) + " at offset " +
                                          std::to_string(m_pos - 8) + " (" + what +
                                          ") runs past the end of the file (truncated or corrupt)");
        std::string s(reinterpret_cast<const char*>(m_p + m_pos), static_cast<size_t>(n));
        m_pos += n;
        return s;
    }

private:
    std::string m_file;
    const uint8_t* m_p;
    uint64_t m_size;
    uint64_t m_pos = 0;
};

}  // namespace ctscope::detail
