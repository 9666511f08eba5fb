#pragma once
/// A read-only memory mapping of a whole file. Pages are read on demand and
/// can be dropped from the resident set once consumed (release()).
#include <cstddef>
#include <cstdint>
#include <string>

namespace ctscope {

class MappedFile {
public:
    /// Maps `path`; throws FormatError naming the file when it cannot.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return m_data; }
    uint64_t size() const { return m_size; }
    const std::string& path() const { return m_path; }
    /// Modification time in nanoseconds since the epoch (for cache keys).
    int64_t mtimeNs() const { return m_mtimeNs; }

    /// Tells the kernel the bytes [offset, offset+len) are no longer needed so
    /// they leave this process's RSS. Safe to call on any range.
    void release(uint64_t offset, uint64_t len) const;

private:
    std::string m_path;
    const uint8_t* m_data = nullptr;
    uint64_t m_size = 0;
    int64_t m_mtimeNs = 0;
};

} // namespace ctscope
