#include "core/format/mapped_file.h"

#include "core/util/error.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace ctscope {

namespace {

std::string openFailure(int err) {
    if (err == ENOENT || err == ENOTDIR) return "no such file or folder";
    if (err == EACCES || err == EPERM) return "cannot read the file: permission denied";
    return std::string("cannot open the file: ") + std::strerror(err);
}

uint64_t pageSize() {
    static const uint64_t size = [] {
        const long s = ::sysconf(_SC_PAGESIZE);
        return s > 0 ? static_cast<uint64_t>(s) : uint64_t{4096};
    }();
    return size;
}

}  // namespace

MappedFile::MappedFile(const std::string& path) : m_path(path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw FormatError(path, openFailure(errno));

    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw FormatError(path, std::string("cannot stat the file: ") + std::strerror(err));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw FormatError(path, "is a folder, expected a file");
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw FormatError(path, "is not a regular file");
    }
    m_size = static_cast<uint64_t>(st.st_size);
    m_mtimeNs = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;

    // mmap() rejects a zero length; an empty file maps to nothing and the
    // loaders report it as too short.
    if (m_size > 0) {
        void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            throw FormatError(path, std::string("cannot map the file: ") + std::strerror(err));
        }
        ::madvise(p, m_size, MADV_SEQUENTIAL);
        m_data = static_cast<const uint8_t*>(p);
    }
    ::close(fd);  // the mapping keeps the file alive
}

MappedFile::~MappedFile() {
    if (m_data) ::munmap(const_cast<uint8_t*>(m_data), m_size);
}

void MappedFile::release(uint64_t offset, uint64_t len) const {
    if (!m_data || offset >= m_size || len == 0) return;
    const uint64_t end = len > m_size - offset ? m_size : offset + len;
    // Widening to whole pages is harmless: the mapping is read-only and never
    // written, so dropped pages are simply faulted in again from the file.
    const uint64_t page = pageSize();
    const uint64_t begin = offset / page * page;
    const uint64_t stop = (end + page - 1) / page * page;  // the mapping spans whole pages
    ::madvise(const_cast<uint8_t*>(m_data) + begin, stop - begin, MADV_DONTNEED);
}

}  // namespace ctscope
