#include "core/util/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace ctscope {

namespace fs = std::filesystem;

namespace {

std::atomic<unsigned> g_counter{0};

// ofstream cannot fsync; reopen the finished file by name to do it.
bool syncFile(const fs::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

} // namespace

void writeFileAtomically(const std::string& file, const std::function<void(std::ostream&)>& write) {
    const fs::path target(file);
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp." +
                                                 std::to_string(::getpid()) + "." + std::to_string(g_counter++));
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw std::runtime_error(file + ": cannot write (" + std::strerror(errno) + ")");
            write(out);
            out.flush();
            if (!out) throw std::runtime_error(file + ": write failed (disk full?)");
        }
        if (!syncFile(tmp)) throw std::runtime_error(file + ": cannot flush to disk (" + std::strerror(errno) + ")");
        std::error_code ec;
        fs::rename(tmp, target, ec);
        if (ec) throw std::runtime_error(file + ": cannot replace (" + ec.message() + ")");
    } catch (...) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw;
    }
}

void writeFileAtomically(const std::string& file, std::string_view contents) {
    writeFileAtomically(file, [&](std::ostream& out) { out.write(contents.data(), static_cast<std::streamsize>(contents.size())); });
}

} // namespace ctscope
