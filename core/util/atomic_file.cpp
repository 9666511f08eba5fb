#include "core/util/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <csignal>
#include <cstdlib>

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

// A writer killed between creating its temporary and renaming it leaves the
// temporary behind. Remove those of `target` whose process is gone, so that
// kills do not pile up files in the user's folders.
void removeStaleTemporaries(const fs::path& target) {
    const std::string prefix = "." + target.filename().string() + ".tmp.";
    std::error_code ec;
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const std::string rest = name.substr(prefix.size());
        const auto dot = rest.find('.');
        if (dot == std::string::npos || dot == 0) continue;
        char* end = nullptr;
        const long pid = std::strtol(rest.c_str(), &end, 10);
        if (end != rest.c_str() + dot || pid <= 0) continue;
        if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove(entry.path(), ec);
    }
}

} // namespace

void writeFileAtomically(const std::string& file, const std::function<void(std::ostream&)>& write) {
    const fs::path target(file);
    removeStaleTemporaries(target);
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
