#pragma once
/// The directory of a zip archive held in memory (a memory-mapped PyTorch
/// checkpoint): entry names, sizes and where each entry's bytes lie. Reads
/// ZIP64 records; nothing is decompressed or copied.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ctscope {

struct ZipEntry {
    std::string name;
    uint16_t method = 0;          ///< 0 = stored; anything else is compressed
    uint16_t flags = 0;           ///< general purpose bits (bit 0: encrypted)
    uint64_t compressedSize = 0;  ///< bytes the entry takes in the archive
    uint64_t size = 0;            ///< bytes once extracted
    uint64_t dataOffset = 0;      ///< first byte of the entry's data in the archive
};

class ZipArchive {
public:
    /// Parses the end-of-central-directory record (ZIP64 when present), the
    /// central directory and every local header of the archive held in
    /// [data, data + size). Every offset and count is checked against `size`
    /// before use. `file` names the archive in messages. Throws FormatError.
    /// The bytes must outlive the archive.
    ZipArchive(const uint8_t* data, uint64_t size, std::string file);

    /// True when the bytes start with a zip local-file header ("PK\3\4").
    static bool hasZipMagic(const uint8_t* data, uint64_t size);

    const std::vector<ZipEntry>& entries() const { return m_entries; }
    /// The entry of that exact name, or nullptr.
    const ZipEntry* find(const std::string& name) const;
    /// The bytes of a stored (uncompressed, unencrypted) entry, `e.size` long,
    /// pointing into the archive. Throws FormatError naming the entry when it
    /// is compressed or encrypted.
    const uint8_t* storedData(const ZipEntry& e) const;

private:
    void readCentralDirectory(uint64_t cdOffset, uint64_t cdSize, uint64_t count);
    void locateData(ZipEntry& e, uint64_t localHeaderOffset) const;

    const uint8_t* m_data;
    uint64_t m_size;
    std::string m_file;
    std::vector<ZipEntry> m_entries;
    std::unordered_map<std::string, size_t> m_byName;
};

} // namespace ctscope
