// `ctscope eval|finetune ...`: the LibTorch commands run in ctscope-engine,
// which links no Qt (Debian's LibTorch pulls in Qt 5 through OpenCV, and
// Qt 5 and Qt 6 in one process do not mix).
#include "app/commands.h"

#include "core/util/openmp_spin.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace ctscope::cli {

int handOffToEngine(int argc, char** argv) {
    namespace fs = std::filesystem;
    const char* cmd = argc >= 2 ? argv[1] : "";
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        std::fprintf(stderr, "ctscope %s: cannot find this program's folder (/proc/self/exe: %s)\n", cmd,
                     ec.message().c_str());
        return 1;
    }
    const std::string engine = (self.parent_path() / "ctscope-engine").string();
    if (::access(engine.c_str(), X_OK) != 0) {
        std::fprintf(stderr,
                     "ctscope %s: this command runs in ctscope-engine, which is not installed beside ctscope\n"
                     "  (expected %s: %s). Install it from the same build or package.\n",
                     cmd, engine.c_str(), std::strerror(errno));
        return 1;
    }
    // argv[0] stays what the user typed, so the engine's help and messages
    // say `ctscope finetune`, not `ctscope-engine finetune`.
    std::vector<char*> args(argv, argv + argc);
    args.push_back(nullptr);
    std::fflush(nullptr);
    openmp_spin::setForChild();  // so the engine need not re-execute itself for it
    ::execv(engine.c_str(), args.data());
    std::fprintf(stderr, "ctscope %s: cannot start %s: %s\n", cmd, engine.c_str(), std::strerror(errno));
    return 1;
}

}  // namespace ctscope::cli
