#include "core/util/openmp_spin.h"

#include <cstdio>
#include <cstdlib>

#include <unistd.h>

namespace ctscope::openmp_spin {

bool unset() { return !std::getenv("OMP_WAIT_POLICY") && !std::getenv(kVariable); }

bool setForChild() {
    if (!unset() || ::setenv(kVariable, kValue, 0) != 0) return false;
    ::setenv(kMarker, "1", 1);
    return true;
}

bool setByCtscope() { return std::getenv(kMarker) != nullptr && std::getenv(kVariable) != nullptr; }

void reexecIfUnset(char** argv) {
    if (!setForChild() || !argv || !argv[0]) return;
    std::fflush(nullptr);
    ::execv("/proc/self/exe", argv);
    // Still here: run on with libgomp's default spin (only slower).
}

} // namespace ctscope::openmp_spin
