#pragma once
/// Little-endian binary streams for ctscope's own cache files. Readers check
/// every length against what is left, so a damaged file fails cleanly.
#include <cstdint>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace ctscope {

/// Writes straight to a stream: a cache of hundreds of MB is never held
/// twice in memory (the fresh pages of such a buffer cost seconds of page
/// faults). Stream errors are the caller's to check.
class BinaryWriter {
public:
    explicit BinaryWriter(std::ostream& out) : m_out(out) {}
    template <class T>
    void pod(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        m_out.write(reinterpret_cast<const char*>(&v), sizeof(T));
    }
    void str(const std::string& s) {
        pod<uint64_t>(s.size());
        m_out.write(s.data(), static_cast<std::streamsize>(s.size()));
    }
    /// `n` values with no length before them (a vec() written in pieces: pod<uint64_t>(total) first).
    template <class T>
    void raw(const T* p, size_t n) {
        static_assert(std::is_trivially_copyable_v<T>);
        if (n > 0) m_out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n * sizeof(T)));
    }
    template <class T, class A>
    void vec(const std::vector<T, A>& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        pod<uint64_t>(v.size());
        if (!v.empty())
            m_out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
    }

private:
    std::ostream& m_out;
};

class BinaryReader {
public:
    BinaryReader(const uint8_t* data, size_t size) : m_p(data), m_end(data + size) {}
    template <class T>
    T pod() {
        static_assert(std::is_trivially_copyable_v<T>);
        need(sizeof(T));
        T v;
        std::memcpy(&v, m_p, sizeof(T));
        m_p += sizeof(T);
        return v;
    }
    std::string str() {
        const auto n = pod<uint64_t>();
        need(n);
        std::string s(reinterpret_cast<const char*>(m_p), n);
        m_p += n;
        return s;
    }
    template <class T>
    std::vector<T> vec() {
        const auto n = pod<uint64_t>();
        if (n > static_cast<uint64_t>(m_end - m_p) / sizeof(T)) throw std::runtime_error("truncated");
        std::vector<T> v(n);
        if (n > 0) std::memcpy(v.data(), m_p, n * sizeof(T));  // an empty vector's data() may be null
        m_p += n * sizeof(T);
        return v;
    }
    /// Steps over what vec<T>() would read, with the same length check.
    template <class T>
    void skipVec() {
        const auto n = pod<uint64_t>();
        if (n > static_cast<uint64_t>(m_end - m_p) / sizeof(T)) throw std::runtime_error("truncated");
        m_p += n * sizeof(T);
    }
    bool atEnd() const { return m_p == m_end; }

private:
    void need(uint64_t n) const {
        if (n > static_cast<uint64_t>(m_end - m_p)) throw std::runtime_error("truncated");
    }
    const uint8_t* m_p;
    const uint8_t* m_end;
};

} // namespace ctscope
