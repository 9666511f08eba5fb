// Zip directory reader (PKWARE APPNOTE 6.3): end of central directory, ZIP64
// end record and locator, central directory file headers, local headers.
#include "core/format/zip_archive.h"

#include "core/util/error.h"

#include <cstring>

namespace ctscope {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr uint32_t kLocator64Sig = 0x07064b50;
constexpr uint64_t kEndBytes = 22;
constexpr uint64_t kLocatorBytes = 20;
constexpr uint64_t kEnd64Bytes = 56;
constexpr uint64_t kCentralBytes = 46;
constexpr uint64_t kLocalBytes = 30;
constexpr uint64_t kMaxComment = 0xFFFF;
constexpr uint16_t kZip64ExtraId = 0x0001;

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
           (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t le64(const uint8_t* p) { return static_cast<uint64_t>(le32(p)) | (static_cast<uint64_t>(le32(p + 4)) << 32); }

/// True when [offset, offset + len) lies inside a buffer of `size` bytes.
bool fits(uint64_t offset, uint64_t len, uint64_t size) { return offset <= size && len <= size - offset; }

std::string methodName(uint16_t m) {
    switch (m) {
        case 8: return "deflate";
        case 9: return "deflate64";
        case 12: return "bzip2";
        case 14: return "lzma";
        case 93: return "zstd";
        default: return "method " + std::to_string(m);
    }
}

}  // namespace

bool ZipArchive::hasZipMagic(const uint8_t* data, uint64_t size) {
    return size >= 4 && data && std::memcmp(data, "PK\x03\x04", 4) == 0;
}

ZipArchive::ZipArchive(const uint8_t* data, uint64_t size, std::string file)
    : m_data(data), m_size(size), m_file(std::move(file)) {
    if (!data || size < kEndBytes)
        throw FormatError(m_file, "zip archive of " + std::to_string(size) +
                                      " bytes is too short for its end-of-directory record (truncated?)");
    // The end record sits in the last 22 bytes plus an optional comment.
    const uint64_t lowest = size - kEndBytes > kMaxComment ? size - kEndBytes - kMaxComment : 0;
    uint64_t end = size;  // = not found
    for (uint64_t pos = size - kEndBytes + 1; pos-- > lowest;) {
        if (le32(data + pos) == kEndSig && pos + kEndBytes + le16(data + pos + 20) <= size) {
            end = pos;
            break;
        }
    }
    if (end == size)
        throw FormatError(m_file, "no zip end-of-central-directory record in the last " +
                                      std::to_string(size - lowest) + " bytes: the archive is truncated or damaged");
    const uint8_t* e = data + end;
    uint64_t count = le16(e + 10);
    uint64_t cdSize = le32(e + 12);
    uint64_t cdOffset = le32(e + 16);
    if (le16(e + 4) != 0 || le16(e + 6) != 0 || le16(e + 8) != le16(e + 10))
        throw FormatError(m_file, "multi-part (split) zip archives are not supported");

    if (end >= kLocatorBytes && le32(data + end - kLocatorBytes) == kLocator64Sig) {
        const uint8_t* loc = data + end - kLocatorBytes;
        const uint64_t end64 = le64(loc + 8);
        if (le32(loc + 16) > 1) throw FormatError(m_file, "multi-part (split) ZIP64 archives are not supported");
        if (!fits(end64, kEnd64Bytes, end) || le32(data + end64) != kEnd64Sig)
            throw FormatError(m_file, "ZIP64 end record offset " + std::to_string(end64) +
                                          " does not point at a ZIP64 end record (damaged archive)");
        const uint8_t* z = data + end64;
        if (le32(z + 16) != 0 || le32(z + 20) != 0 || le64(z + 24) != le64(z + 32))
            throw FormatError(m_file, "multi-part (split) ZIP64 archives are not supported");
        count = le64(z + 32);
        cdSize = le64(z + 40);
        cdOffset = le64(z + 48);
    }
    if (!fits(cdOffset, cdSize, size))
        throw FormatError(m_file, "central directory [" + std::to_string(cdOffset) + ", +" + std::to_string(cdSize) +
                                      ") runs past the end of the " + std::to_string(size) +
                                      "-byte archive (truncated?)");
    if (count > cdSize / kCentralBytes)
        throw FormatError(m_file, "central directory claims " + std::to_string(count) + " entries in " +
                                      std::to_string(cdSize) + " bytes: damaged archive");
    readCentralDirectory(cdOffset, cdSize, count);
}

void ZipArchive::readCentralDirectory(uint64_t cdOffset, uint64_t cdSize, uint64_t count) {
    m_entries.reserve(static_cast<size_t>(count));
    const uint8_t* cd = m_data + cdOffset;
    uint64_t pos = 0;
    for (uint64_t i = 0; i < count; ++i) {
        const std::string where = "central directory entry " + std::to_string(i);
        if (!fits(pos, kCentralBytes, cdSize) || le32(cd + pos) != kCentralSig)
            throw FormatError(m_file, where + ": no central file header where one is expected (damaged archive)");
        const uint8_t* h = cd + pos;
        const uint64_t nameLen = le16(h + 28);
        const uint64_t extraLen = le16(h + 30);
        const uint64_t commentLen = le16(h + 32);
        const uint64_t total = kCentralBytes + nameLen + extraLen + commentLen;
        if (!fits(pos, total, cdSize)) throw FormatError(m_file, where + ": runs past the central directory");

        ZipEntry ent;
        ent.flags = le16(h + 8);
        ent.method = le16(h + 10);
        ent.compressedSize = le32(h + 20);
        ent.size = le32(h + 24);
        ent.name.assign(reinterpret_cast<const char*>(h + kCentralBytes), static_cast<size_t>(nameLen));
        uint64_t localOffset = le32(h + 42);
        const bool diskWide = le16(h + 34) == 0xFFFF;
        if (le16(h + 34) != 0 && !diskWide)
            throw FormatError(m_file, "entry '" + ent.name + "' lies on another disk of a split archive");

        // ZIP64 extra field: only the fields saturated in the fixed header, in this order.
        const uint8_t* x = h + kCentralBytes + nameLen;
        for (uint64_t q = 0; q + 4 <= extraLen;) {
            const uint16_t id = le16(x + q);
            const uint64_t len = le16(x + q + 2);
            if (q + 4 + len > extraLen) throw FormatError(m_file, "entry '" + ent.name + "': extra field overruns");
            if (id == kZip64ExtraId) {
                const uint8_t* v = x + q + 4;
                uint64_t used = 0;
                auto take = [&](uint64_t& field) {
                    if (used + 8 > len)
                        throw FormatError(m_file, "entry '" + ent.name + "': ZIP64 extra field too short");
                    field = le64(v + used);
                    used += 8;
                };
                if (ent.size == 0xFFFFFFFFu) take(ent.size);
                if (ent.compressedSize == 0xFFFFFFFFu) take(ent.compressedSize);
                if (localOffset == 0xFFFFFFFFu) take(localOffset);
            }
            q += 4 + len;
        }
        locateData(ent, localOffset);
        if (!m_byName.emplace(ent.name, m_entries.size()).second)
            throw FormatError(m_file, "entry '" + ent.name + "' appears twice in the archive");
        m_entries.push_back(std::move(ent));
        pos += total;
    }
}

void ZipArchive::locateData(ZipEntry& e, uint64_t localHeaderOffset) const {
    const std::string what = "entry '" + e.name + "': ";
    if (!fits(localHeaderOffset, kLocalBytes, m_size) || le32(m_data + localHeaderOffset) != kLocalSig)
        throw FormatError(m_file, what + "no local file header at offset " + std::to_string(localHeaderOffset) +
                                      " (truncated or damaged archive)");
    const uint8_t* h = m_data + localHeaderOffset;
    const uint64_t nameLen = le16(h + 26);
    const uint64_t extraLen = le16(h + 28);
    if (nameLen != e.name.size() || !fits(localHeaderOffset + kLocalBytes, nameLen + extraLen, m_size) ||
        std::memcmp(h + kLocalBytes, e.name.data(), e.name.size()) != 0)
        throw FormatError(m_file, what + "the local header does not match the central directory (damaged archive)");
    e.dataOffset = localHeaderOffset + kLocalBytes + nameLen + extraLen;
    if (!fits(e.dataOffset, e.compressedSize, m_size))
        throw FormatError(m_file, what + std::to_string(e.compressedSize) + " bytes at offset " +
                                      std::to_string(e.dataOffset) + " run past the end of the " +
                                      std::to_string(m_size) + "-byte archive (truncated?)");
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
    const auto it = m_byName.find(name);
    return it == m_byName.end() ? nullptr : &m_entries[it->second];
}

const uint8_t* ZipArchive::storedData(const ZipEntry& e) const {
    if (e.flags & 1u) throw FormatError(m_file, "entry '" + e.name + "' is encrypted");
    if (e.method != 0)
        throw FormatError(m_file, "entry '" + e.name + "' is compressed (" + methodName(e.method) +
                                      "); PyTorch stores tensor data uncompressed: re-save the checkpoint with "
                                      "torch.save instead of recompressing the archive");
    if (e.compressedSize != e.size)
        throw FormatError(m_file, "entry '" + e.name + "' is stored but its sizes differ (" +
                                      std::to_string(e.compressedSize) + " vs " + std::to_string(e.size) + ")");
    return m_data + e.dataOffset;
}

}  // namespace ctscope
